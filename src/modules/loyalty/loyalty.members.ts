import { randomInt } from 'node:crypto';
import { addDays } from 'date-fns';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { decodeCursor, encodeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { customerNames, getCustomer } from '../customers/customers.service.ts';
import { lotsOf } from './loyalty.ledger.ts';
import { getProgram, type Program } from './loyalty.program.ts';
import { awardEvent } from './loyalty.rules.ts';
import type { MemberSource } from './loyalty.tables.ts';
import { nextTier, qualifyingValue, setTier, tierFor } from './loyalty.tiers.ts';

// Letters and digits a person reads out without confusion (no 0/O, 1/I/L).
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A member's personal referral code, 8 characters: about 10^12 codes, guessed by nobody. */
export function newReferralCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * Makes a customer a member: the entry tier its value already reaches, a
 * referral code of its own. Enrolling a member again changes nothing and
 * answers `created: false`.
 */
export async function enrollMember(
  trx: Trx,
  ctx: Ctx,
  input: { customerId: string; messagesConsent: boolean; source: MemberSource },
  now: Date,
) {
  requirePermission(ctx, 'loyalty.enroll');
  const program = await getProgram(trx, ctx);
  // Another workspace's customer, like one that never was, is not found; a merged or erased one is not active.
  const customer = await getCustomer(trx, ctx, input.customerId);
  if (customer.status !== 'active') throw new AppError('CUSTOMER.NOT_ACTIVE');
  const customerId = customer.id;
  const inserted = await trx
    .insertInto('loyalty_members')
    .values({
      workspace_id: ctx.workspaceId,
      customer_id: customerId,
      source: input.source,
      joined_at: now,
      referral_code: newReferralCode(),
      messages_consent: input.messagesConsent,
      last_activity_at: now,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'customer_id']).doNothing())
    .returning(['customer_id', 'tier_id', 'tier_review_at'])
    .executeTakeFirst();
  if (!inserted) return { member: await getMember(trx, ctx, customerId, now), created: false };
  const entry = tierFor(program, await qualifyingValue(trx, ctx, program, customerId, now));
  await setTier(trx, ctx, program, inserted, entry, 'join', now);
  // The earning rules' welcome bonus, once per member.
  await awardEvent(trx, ctx, { customerId, type: 'joined', eventKey: customerId, occurredAt: now }, now);
  await recordAudit(trx, ctx, {
    action: 'loyalty.member_enrolled',
    entityType: 'customer',
    entityId: customerId,
    after: { source: input.source, messagesConsent: input.messagesConsent },
  });
  return { member: await getMember(trx, ctx, customerId, now), created: true };
}

type MemberRow = {
  customer_id: string;
  status: 'active' | 'left' | 'merged';
  source: MemberSource;
  joined_at: Date;
  tier_id: string | null;
  available: string;
  pending: string;
  lifetime_points: string;
  last_activity_at: Date;
  referral_code: string;
  messages_consent: boolean;
};

function toMember(program: Program, row: MemberRow, name: string | null) {
  const tier = program.tiers.find((t) => t.id === row.tier_id);
  return {
    customerId: row.customer_id,
    name,
    status: row.status,
    source: row.source,
    joinedAt: row.joined_at,
    tier: tier ? { id: tier.id, name: tier.name, rank: tier.rank } : null,
    available: Number(row.available),
    pending: Number(row.pending),
    lifetimePoints: Number(row.lifetime_points),
    lastActivityAt: row.last_activity_at,
    referralCode: row.referral_code,
    messagesConsent: row.messages_consent,
  };
}

/** Points in shekels at the club's redemption rate, as a decimal string. */
export function pointsValue(program: Program, points: number): string {
  const agorot = (BigInt(Math.max(points, 0)) * BigInt(program.redeemValueAgorot)) / BigInt(program.redeemPoints);
  return `${agorot / 100n}.${String(agorot % 100n).padStart(2, '0')}`;
}

/** One member's standing, as the customer page and the till read it. */
export async function getMember(trx: Trx, ctx: Ctx, customerId: string, now: Date) {
  requirePermission(ctx, 'loyalty.read');
  const program = await getProgram(trx, ctx);
  const row = await trx
    .selectFrom('loyalty_members')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw new AppError('LOYALTY.NOT_MEMBER');
  const names = await customerNames(trx, ctx, [customerId]);
  const pending = await lotsOf(trx, ctx, customerId, 'member.pending');
  const available = await lotsOf(trx, ctx, customerId, 'member.available');
  const soon = program.expiryMode === 'batch' ? addDays(now, program.expiryWarningDays) : null;
  const value = await qualifyingValue(trx, ctx, program, customerId, now);
  const next = nextTier(program, row.tier_id, value);
  return {
    ...toMember(program, row, names.get(customerId) ?? null),
    availableValue: pointsValue(program, Number(row.available)),
    inDebt: Number(row.available) < 0,
    pendingLots: pending
      .filter((l) => l.remaining > 0 && l.releaseAt)
      .map((l) => ({ points: l.remaining, releaseAt: l.releaseAt! }))
      .sort((a, b) => a.releaseAt.getTime() - b.releaseAt.getTime()),
    expiringSoon: available
      .filter((l) => soon && l.remaining > 0 && l.expiresAt && l.expiresAt <= soon)
      .map((l) => ({ points: l.remaining, expiresAt: l.expiresAt! })),
    qualifyingValue: value,
    tierBasis: program.tierBasis,
    tierReviewAt: row.tier_review_at,
    nextTier: next ? { id: next.tier.id, name: next.tier.name, remaining: next.remaining } : null,
  };
}

/** The members, newest first, a page at a time. */
export async function listMembers(
  trx: Trx,
  ctx: Ctx,
  query: { limit: number; cursor?: string | undefined; tierId?: string | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  const program = await getProgram(trx, ctx);
  const after = decodeCursor(query.cursor, 'members', ['timestamp', 'uuid'] as const);
  let q = trx
    .selectFrom('loyalty_members')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active');
  if (query.tierId) q = q.where('tier_id', '=', query.tierId);
  if (after) {
    const [at, id] = after;
    q = q.where(sql<boolean>`(joined_at, customer_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('joined_at', 'desc')
    .orderBy('customer_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeCursor('members', [last.joined_at.toISOString(), last.customer_id]),
  );
  const names = await customerNames(
    trx,
    ctx,
    page.map((r) => r.customer_id),
  );
  return { items: page.map((r) => toMember(program, r, names.get(r.customer_id) ?? null)), nextCursor };
}

/** Throws `LOYALTY.NOT_MEMBER` unless the customer has a member record (of any status: a merged one's lists stay readable). */
export async function requireMember(trx: Trx, ctx: Ctx, customerId: string): Promise<void> {
  const member = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!member) throw new AppError('LOYALTY.NOT_MEMBER');
}

/** A member's bookings, newest first: what each did to the points, with the dates its points come and go. */
export async function listLedger(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  await requireMember(trx, ctx, customerId);
  const after = decodeCursor(query.cursor, 'ledger', ['timestamp', 'uuid'] as const);
  let q = trx
    .selectFrom('loyalty_transactions as t')
    .select([
      't.id',
      't.kind',
      't.occurred_at',
      't.points',
      't.release_at',
      't.expires_at',
      't.order_id',
      't.note',
      (eb) =>
        eb
          .selectFrom('loyalty_entries as e')
          .select(sql<string>`coalesce(sum(e.amount), 0)`.as('n'))
          .whereRef('e.workspace_id', '=', 't.workspace_id')
          .whereRef('e.transaction_id', '=', 't.id')
          .where('e.account', '=', 'member.available')
          .where('e.customer_id', '=', customerId)
          .where('e.amount', '>', '0')
          .as('released'),
    ])
    .where('t.workspace_id', '=', ctx.workspaceId)
    .where('t.customer_id', '=', customerId);
  if (after) {
    const [at, id] = after;
    q = q.where(sql<boolean>`(t.occurred_at, t.id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeCursor('ledger', [last.occurred_at.toISOString(), last.id]),
  );
  return {
    nextCursor,
    items: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      occurredAt: r.occurred_at,
      points: Number(r.points),
      released: r.kind === 'release' ? Number(r.released ?? 0) : 0,
      releaseAt: r.release_at,
      expiresAt: r.expires_at,
      orderId: r.order_id,
      note: r.note,
    })),
  };
}
