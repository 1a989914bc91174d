import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import type { LedgerAccount, LedgerKind } from './loyalty.tables.ts';

/*
 * The points ledger. Every change to anyone's points is one booking: a
 * transaction row and its entries, which sum to zero over the accounts (the
 * member's pending and available points against the club's issued, redeemed
 * and expired). Nothing booked is changed or removed; the member row keeps the
 * sums of its entries, written in the same transaction, and a property test
 * (loyalty.ledger.property.test.ts) checks that they always agree.
 *
 * A lot is the points of one earning, named by that earning's transaction.
 * Spending and expiry take whole or part lots, oldest first; a clawback that
 * finds its points already spent leaves the member a debt (available points
 * of no lot, below zero), which the next points to become available pay off
 * first. So at any moment a member has either a debt or points, never both.
 */

export type Entry = { account: LedgerAccount; customerId?: string | undefined; lotId?: string | null; amount: number };

export type Booking = {
  /** The member whose history shows it. */
  customerId: string;
  kind: LedgerKind;
  /** The cause: the same cause books once (a second booking of it returns null and changes nothing). */
  sourceKey: string;
  occurredAt: Date;
  entries: Entry[];
  id?: string;
  spendAgorot?: number;
  releaseAt?: Date | null;
  expiresAt?: Date | null;
  orderId?: string | null;
  note?: string;
};

export type Lot = {
  lotId: string | null;
  remaining: number;
  earnedAt: Date | null;
  releaseAt: Date | null;
  expiresAt: Date | null;
};

const memberAccounts = new Set<LedgerAccount>(['member.pending', 'member.available']);
/** Bookings that count as the member doing something (inactivity expiry counts from the last of them). */
const activityKinds = new Set<LedgerKind>(['earn', 'spend', 'bonus', 'adjust']);
/** Bookings whose points count as earned over the member's lifetime. */
const lifetimeKinds = new Set<LedgerKind>(['earn', 'bonus', 'clawback', 'adjust']);

/** Books one transaction; null when its cause was booked before. Throws on entries that do not balance. */
export async function book(trx: Trx, ctx: Ctx, booking: Booking): Promise<string | null> {
  const entries = booking.entries.filter((e) => e.amount !== 0);
  let sum = 0;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amount)) throw new Error(`ledger amount ${e.amount} is not a whole number of points`);
    if (memberAccounts.has(e.account) !== (e.customerId !== undefined)) {
      throw new Error(`ledger entry on ${e.account} ${e.customerId ? 'names' : 'lacks'} a member`);
    }
    sum += e.amount;
  }
  if (sum !== 0) throw new Error(`ledger booking ${booking.kind} does not balance: ${sum}`);
  const id = booking.id ?? newId();
  const own = (e: Entry) => e.customerId === booking.customerId && memberAccounts.has(e.account);
  const points = entries.filter(own).reduce((total, e) => total + e.amount, 0);
  const inserted = await trx
    .insertInto('loyalty_transactions')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      customer_id: booking.customerId,
      kind: booking.kind,
      source_key: booking.sourceKey,
      occurred_at: booking.occurredAt,
      points,
      spend_agorot: booking.spendAgorot ?? 0,
      release_at: booking.releaseAt ?? null,
      expires_at: booking.expiresAt ?? null,
      order_id: booking.orderId ?? null,
      note: booking.note ?? '',
      actor: ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'source_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  if (entries.length > 0) {
    await trx
      .insertInto('loyalty_entries')
      .values(
        entries.map((e, i) => ({
          workspace_id: ctx.workspaceId,
          transaction_id: id,
          line_no: i + 1,
          account: e.account,
          customer_id: e.customerId ?? null,
          lot_id: e.lotId ?? null,
          amount: e.amount,
          occurred_at: booking.occurredAt,
        })),
      )
      .execute();
  }
  const members = new Map<string, { available: number; pending: number }>();
  for (const e of entries) {
    if (!e.customerId) continue;
    const m = members.get(e.customerId) ?? { available: 0, pending: 0 };
    if (e.account === 'member.available') m.available += e.amount;
    else m.pending += e.amount;
    members.set(e.customerId, m);
  }
  if (!members.has(booking.customerId) && activityKinds.has(booking.kind)) {
    members.set(booking.customerId, { available: 0, pending: 0 });
  }
  for (const [customerId, delta] of members) {
    const mine = customerId === booking.customerId;
    await trx
      .updateTable('loyalty_members')
      .set({
        available: sql`available + ${delta.available}`,
        pending: sql`pending + ${delta.pending}`,
        lifetime_points:
          mine && lifetimeKinds.has(booking.kind) ? sql`lifetime_points + ${points}` : sql`lifetime_points`,
        last_activity_at:
          mine && activityKinds.has(booking.kind)
            ? sql`greatest(last_activity_at, ${booking.occurredAt}::timestamptz)`
            : sql`last_activity_at`,
        updated_at: new Date(),
      })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .execute();
  }
  return id;
}

/** A member's lots on one account that are not used up (a debt is the available lot `null`), oldest first. */
export async function lotsOf(trx: Trx, ctx: Ctx, customerId: string, account: LedgerAccount): Promise<Lot[]> {
  const rows = await trx
    .selectFrom('loyalty_entries as e')
    .leftJoin('loyalty_transactions as t', (join) =>
      join.onRef('t.workspace_id', '=', 'e.workspace_id').onRef('t.id', '=', 'e.lot_id'),
    )
    .select(['e.lot_id', sql<string>`sum(e.amount)`.as('remaining'), 't.occurred_at', 't.release_at', 't.expires_at'])
    .where('e.workspace_id', '=', ctx.workspaceId)
    .where('e.customer_id', '=', customerId)
    .where('e.account', '=', account)
    .groupBy(['e.lot_id', 't.occurred_at', 't.release_at', 't.expires_at', 't.id'])
    .having(sql`sum(e.amount)`, '<>', 0)
    .orderBy(sql`t.occurred_at asc nulls first`)
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({
    lotId: r.lot_id,
    remaining: Number(r.remaining),
    earnedAt: r.occurred_at ?? null,
    releaseAt: r.release_at ?? null,
    expiresAt: r.expires_at ?? null,
  }));
}

/**
 * Entries that take `amount` available points from a member, oldest lot
 * first; what the lots lack becomes a debt when `debt` allows, and is refused
 * otherwise. `lots` may put some lots first (a clawback's own lot).
 */
export function takeAvailable(
  customerId: string,
  lots: Lot[],
  amount: number,
  options: { debt: boolean; first?: string | null },
): Entry[] {
  const ordered = [...lots.filter((l) => l.lotId === options.first), ...lots.filter((l) => l.lotId !== options.first)];
  const entries: Entry[] = [];
  let left = amount;
  for (const lot of ordered) {
    if (left === 0) break;
    if (lot.remaining <= 0 || lot.lotId === null) continue;
    const take = Math.min(lot.remaining, left);
    entries.push({ account: 'member.available', customerId, lotId: lot.lotId, amount: -take });
    left -= take;
  }
  if (left > 0) {
    if (!options.debt) throw new AppError('LOYALTY.INSUFFICIENT_POINTS');
    entries.push({ account: 'member.available', customerId, lotId: null, amount: -left });
  }
  return entries;
}

/** Entries that pay a member's debt from points about to become available in `lotId` (at most `amount`). */
export function settleDebt(customerId: string, available: Lot[], lotId: string, amount: number): Entry[] {
  const debt = -(available.find((l) => l.lotId === null)?.remaining ?? 0);
  const pay = Math.min(Math.max(debt, 0), amount);
  if (pay === 0) return [];
  return [
    { account: 'member.available', customerId, lotId, amount: -pay },
    { account: 'member.available', customerId, lotId: null, amount: pay },
  ];
}

/** The member's row, locked until the transaction ends: every booking for one member takes its turn. */
export async function lockMember(trx: Trx, ctx: Ctx, customerId: string) {
  const member = await trx
    .selectFrom('loyalty_members')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .forUpdate()
    .executeTakeFirst();
  if (member?.status !== 'active') throw new AppError('LOYALTY.NOT_MEMBER');
  return member;
}
