import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeCursor, encodeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import {
  customerNames,
  findCustomersByKeys,
  getCustomer,
  resolveActiveCustomerId,
} from '../customers/customers.service.ts';
import { getProgram } from './loyalty.program.ts';
import type { ReferralRefusal, ReferralStatus } from './loyalty.referrals.tables.ts';

/*
 * Member-get-member referrals. A friend who enrols with a member's code is
 * referred by that member: a referral row, pending until the friend's first
 * purchase qualifies it (loyalty.referrals.qualify.ts, the hourly job). One
 * that may never count is kept as refused, with its reason, so staff see why.
 */

/** A referral as the API and the referrals page show it. */
export type Referral = {
  id: string;
  referrerId: string;
  friendId: string;
  code: string;
  status: ReferralStatus;
  reason: ReferralRefusal | null;
  orderId: string | null;
  referrerPoints: number;
  friendPoints: number;
  referredAt: Date;
  qualifiedAt: Date | null;
};

type ReferralRow = {
  id: string;
  referrer_customer_id: string;
  friend_customer_id: string;
  code: string;
  status: ReferralStatus;
  reason: ReferralRefusal | null;
  order_id: string | null;
  referrer_points: string;
  friend_points: string;
  referred_at: Date;
  qualified_at: Date | null;
};

export function rowToReferral(row: ReferralRow): Referral {
  return {
    id: row.id,
    referrerId: row.referrer_customer_id,
    friendId: row.friend_customer_id,
    code: row.code,
    status: row.status,
    reason: row.reason,
    orderId: row.order_id,
    referrerPoints: Number(row.referrer_points),
    friendPoints: Number(row.friend_points),
    referredAt: row.referred_at,
    qualifiedAt: row.qualified_at,
  };
}

export type ReferralSettings = {
  enabled: boolean;
  referrerPoints: number;
  friendPoints: number;
  updatedAt: Date | null;
};

/** The club's referral settings; the defaults (on, 100 points to the referrer, 50 to the friend) until saved. */
export async function referralSettings(trx: Trx, ctx: Ctx): Promise<ReferralSettings> {
  const row = await trx
    .selectFrom('loyalty_referral_settings')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .executeTakeFirst();
  return {
    enabled: row?.enabled ?? true,
    referrerPoints: row?.referrer_points ?? 100,
    friendPoints: row?.friend_points ?? 50,
    updatedAt: row?.updated_at ?? null,
  };
}

export async function getReferralSettings(trx: Trx, ctx: Ctx): Promise<ReferralSettings> {
  requirePermission(ctx, 'loyalty.read');
  await getProgram(trx, ctx);
  return referralSettings(trx, ctx);
}

export async function saveReferralSettings(
  trx: Trx,
  ctx: Ctx,
  input: { enabled: boolean; referrerPoints: number; friendPoints: number },
  now: Date,
): Promise<ReferralSettings> {
  requirePermission(ctx, 'loyalty.manage');
  await getProgram(trx, ctx);
  const before = await referralSettings(trx, ctx);
  const values = {
    enabled: input.enabled,
    referrer_points: input.referrerPoints,
    friend_points: input.friendPoints,
    updated_at: now,
  };
  await trx
    .insertInto('loyalty_referral_settings')
    .values({ workspace_id: ctx.workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
  await recordAudit(trx, ctx, {
    action: 'loyalty.referral_settings_saved',
    entityType: 'loyalty_program',
    entityId: ctx.workspaceId,
    before: { enabled: before.enabled, referrerPoints: before.referrerPoints, friendPoints: before.friendPoints },
    after: input,
  });
  return referralSettings(trx, ctx);
}

/** A code as people type it: spaces around it dropped, any case. */
export function normaliseReferralCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Whether two customers are one person: the same record, merged into each other, or sharing a phone or an email. */
async function samePerson(trx: Trx, ctx: Ctx, friendId: string, referrerId: string): Promise<boolean> {
  if (friendId === referrerId) return true;
  const [friend, referrer] = [await getCustomer(trx, ctx, friendId), await getCustomer(trx, ctx, referrerId)];
  // Through the customers module: each one's email and phone, as records and as earlier contacts (identities).
  const emails = [friend.email, referrer.email].filter((v): v is string => !!v);
  const phones = [friend.phone, referrer.phone].filter((v): v is string => !!v);
  const index = await findCustomersByKeys(trx, ctx, { externalIds: [], emails, phones });
  for (const holders of [...index.byEmail.values(), ...index.byPhone.values()]) {
    if (holders.includes(friendId) && holders.includes(referrerId)) return true;
  }
  return false;
}

/**
 * Records that a friend was referred by the member whose code it gave:
 * pending, or refused with the reason stored (the same person as the
 * referrer, a member before this enrolment, already referred, referrals
 * switched off). An unknown code, or one of no active member of this
 * workspace, is `LOYALTY.REFERRAL_CODE_UNKNOWN` on the field referralCode.
 *
 * Call it in the enrolment's transaction with the enrolment's `now`, before or
 * after enrolling the friend: a friend whose membership began before `now`
 * was a member already.
 */
export async function referFriend(
  trx: Trx,
  ctx: Ctx,
  input: { friendCustomerId: string; referralCode: string },
  now: Date,
): Promise<Referral> {
  requirePermission(ctx, 'loyalty.enroll');
  await getProgram(trx, ctx);
  const code = normaliseReferralCode(input.referralCode);
  const referrer = code
    ? await trx
        .selectFrom('loyalty_members')
        .select('customer_id')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('referral_code', '=', code)
        .where('status', '=', 'active')
        .executeTakeFirst()
    : undefined;
  if (!referrer) {
    throw new AppError('LOYALTY.REFERRAL_CODE_UNKNOWN', {
      fields: [{ field: 'referralCode', message: 'reference.not_found' }],
    });
  }
  const referrerId = referrer.customer_id;
  // Another workspace's customer, like one that never was, is not found.
  const friend = await getCustomer(trx, ctx, input.friendCustomerId);
  let friendId = friend.id;
  let reason: ReferralRefusal | null = null;
  if (friend.status !== 'active') {
    // A friend merged into the referrer is the referrer; any other that is not active cannot join.
    const active = await resolveActiveCustomerId(trx, ctx, friendId);
    if (active !== referrerId) throw new AppError('CUSTOMER.NOT_ACTIVE');
    friendId = active;
  }
  const settings = await referralSettings(trx, ctx);
  const membership = await trx
    .selectFrom('loyalty_members')
    .select('joined_at')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', friendId)
    .executeTakeFirst();
  if (!settings.enabled) reason = 'referrals_off';
  else if (await samePerson(trx, ctx, friendId, referrerId)) reason = 'self_referral';
  else if (membership && membership.joined_at < now) reason = 'already_member';
  const row = {
    workspace_id: ctx.workspaceId,
    id: newId(),
    referrer_customer_id: referrerId,
    friend_customer_id: friendId,
    code,
    referred_at: now,
  };
  let inserted = reason
    ? undefined
    : await trx
        .insertInto('loyalty_referrals')
        .values({ ...row, status: 'pending' })
        // The one referral that counts per friend (a partial unique index): a second one is refused.
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'friend_customer_id']).where('status', '<>', 'refused').doNothing(),
        )
        .returningAll()
        .executeTakeFirst();
  if (!inserted) {
    inserted = await trx
      .insertInto('loyalty_referrals')
      .values({ ...row, status: 'refused', reason: reason ?? 'already_referred' })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  await recordAudit(trx, ctx, {
    action: 'loyalty.friend_referred',
    entityType: 'customer',
    entityId: friendId,
    after: { referrerId, status: inserted.status, reason: inserted.reason },
  });
  return rowToReferral(inserted);
}

/** A referral with both customers' names, as the list shows it. */
export type ReferralListItem = Referral & { referrerName: string | null; friendName: string | null };

/** The referrals, newest first, a page at a time; by status, by referrer. */
export async function listReferrals(
  trx: Trx,
  ctx: Ctx,
  query: {
    limit: number;
    cursor?: string | undefined;
    status?: ReferralStatus | undefined;
    referrerId?: string | undefined;
  },
): Promise<{ items: ReferralListItem[]; nextCursor: string | null }> {
  requirePermission(ctx, 'loyalty.read');
  await getProgram(trx, ctx);
  const after = decodeCursor(query.cursor, 'referrals', ['timestamp', 'uuid'] as const);
  let q = trx.selectFrom('loyalty_referrals').selectAll().where('workspace_id', '=', ctx.workspaceId);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.referrerId) q = q.where('referrer_customer_id', '=', query.referrerId);
  if (after) {
    const [at, id] = after;
    q = q.where(sql<boolean>`(referred_at, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('referred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeCursor('referrals', [last.referred_at.toISOString(), last.id]),
  );
  const names = await customerNames(
    trx,
    ctx,
    page.flatMap((r) => [r.referrer_customer_id, r.friend_customer_id]),
  );
  return {
    nextCursor,
    items: page.map((r) => ({
      ...rowToReferral(r),
      referrerName: names.get(r.referrer_customer_id) ?? null,
      friendName: names.get(r.friend_customer_id) ?? null,
    })),
  };
}

/** A member's code and share link: `${publicUrl}/club/${publicKey}/join?ref=${code}` (the club's public join page). */
export async function referralLink(trx: Trx, ctx: Ctx, customerId: string, publicUrl: string) {
  requirePermission(ctx, 'loyalty.read');
  const program = await getProgram(trx, ctx);
  const member = await trx
    .selectFrom('loyalty_members')
    .select(['referral_code', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (member?.status !== 'active') throw new AppError('LOYALTY.NOT_MEMBER');
  const settings = await referralSettings(trx, ctx);
  const base = publicUrl.replace(/\/+$/, '');
  return {
    code: member.referral_code,
    link: `${base}/club/${encodeURIComponent(program.publicKey)}/join?ref=${encodeURIComponent(member.referral_code)}`,
    enabled: settings.enabled,
    referrerPoints: settings.referrerPoints,
    friendPoints: settings.friendPoints,
  };
}
