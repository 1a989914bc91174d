import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { earnPoints } from './loyalty.points.ts';
import { findProgram, type Program } from './loyalty.program.ts';
import { type ReferralSettings, referralSettings } from './loyalty.referrals.ts';
import { awardEvent } from './loyalty.rules.ts';
import { upgradeIfReached } from './loyalty.tiers.ts';

/*
 * A pending referral qualifies on the friend's first purchase after the
 * referral: the first order the friend earned for since then that was not
 * refunded in full, once its return window (its earning's release date in the
 * ledger) is over. An order refunded in full before then is no purchase, and
 * the next one is looked at. Both sides then get the points of the club's
 * referral settings, available at once, booked with source keys of the
 * referral (`referral:<id>:referrer`, `…:friend`), so a second or late run
 * books nothing more. A refund after qualifying leaves them (docs/decisions.md).
 */

/** The ids of a workspace's pending referrals, oldest first. */
export async function pendingReferrals(trx: Trx, ctx: Ctx, limit: number, afterId?: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('loyalty_referrals')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'pending')
    .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The friend's purchase that qualifies the referral at `now`: its order and when its window ended; or null. */
async function qualifyingOrder(trx: Trx, ctx: Ctx, friendId: string, since: Date, now: Date) {
  // The friend's own orders, and those of customers merged into it (their earnings keep their first holder).
  const merged = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('merged_into', '=', friendId)
    .execute();
  const earnings = await trx
    .selectFrom('loyalty_transactions')
    .select(['order_id', 'occurred_at', 'release_at', 'spend_agorot'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', 'in', [friendId, ...merged.map((m) => m.customer_id)])
    .where('kind', '=', 'earn')
    .where('order_id', 'is not', null)
    .where('occurred_at', '>=', since)
    .where('spend_agorot', '>', '0')
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(50)
    .execute();
  if (earnings.length === 0) return null;
  const refunds = await trx
    .selectFrom('loyalty_transactions')
    .select((eb) => ['order_id', eb.fn.sum<string>('spend_agorot').as('refunded')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('kind', '=', 'clawback')
    .where(
      'order_id',
      'in',
      earnings.map((e) => e.order_id!),
    )
    .groupBy('order_id')
    .execute();
  const refunded = new Map(refunds.map((r) => [r.order_id, -Number(r.refunded)]));
  for (const e of earnings) {
    if ((refunded.get(e.order_id) ?? 0) >= Number(e.spend_agorot)) continue;
    const windowEnds = e.release_at ?? e.occurred_at;
    // The first purchase still in its return window: nothing yet (it may still be refunded).
    if (windowEnds > now) return null;
    return { orderId: e.order_id!, at: windowEnds };
  }
  return null;
}

/** The member row of an active member (for the tier a bonus may reach), or null. */
async function activeMemberRow(trx: Trx, ctx: Ctx, customerId: string) {
  const row = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'tier_id', 'tier_review_at', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row?.status === 'active' ? row : null;
}

/** Books one side's reward (nothing for a side that is no active member now); the points given. */
async function reward(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  side: { customerId: string; points: number; sourceKey: string; at: Date },
  now: Date,
): Promise<number> {
  const member = await activeMemberRow(trx, ctx, side.customerId);
  if (!member || side.points <= 0) return 0;
  await earnPoints(
    trx,
    ctx,
    program,
    {
      customerId: side.customerId,
      kind: 'bonus',
      sourceKey: side.sourceKey,
      points: side.points,
      occurredAt: side.at,
      note: 'בונוס הפניית חבר',
      pending: false,
    },
    now,
  );
  await upgradeIfReached(trx, ctx, program, member, now);
  return side.points;
}

/**
 * Qualifies one referral if its friend's first purchase is due at `now`; true when it did. Its members' rows and
 * its own are locked first, so two runs at once take turns and the second finds it qualified.
 */
export async function qualifyReferral(
  trx: Trx,
  ctx: Ctx,
  referralId: string,
  now: Date,
  club?: { program: Program | null; settings: ReferralSettings },
): Promise<boolean> {
  const sides = await trx
    .selectFrom('loyalty_referrals')
    .select(['referrer_customer_id', 'friend_customer_id'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', referralId)
    .executeTakeFirst();
  if (!sides) return false;
  // Both members first, in id order, then the referral: the order a merge takes them in (members, then
  // referrals), so the two never wait on each other.
  await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', 'in', [sides.referrer_customer_id, sides.friend_customer_id])
    .orderBy('customer_id')
    .forUpdate()
    .execute();
  const referral = await trx
    .selectFrom('loyalty_referrals')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', referralId)
    .forUpdate()
    .executeTakeFirst();
  // Pending still, and between the same two (a merge in between moved it: the next run looks again).
  if (
    referral?.status !== 'pending' ||
    referral.referrer_customer_id !== sides.referrer_customer_id ||
    referral.friend_customer_id !== sides.friend_customer_id
  ) {
    return false;
  }
  const program = club ? club.program : await findProgram(trx, ctx);
  if (program?.status !== 'active') return false;
  const settings = club?.settings ?? (await referralSettings(trx, ctx));
  const purchase = await qualifyingOrder(trx, ctx, referral.friend_customer_id, referral.referred_at, now);
  if (!purchase) return false;
  const key = `referral:${referral.id}`;
  const referrerPoints = await reward(
    trx,
    ctx,
    program,
    {
      customerId: referral.referrer_customer_id,
      points: settings.referrerPoints,
      sourceKey: `${key}:referrer`,
      at: purchase.at,
    },
    now,
  );
  const friendPoints = await reward(
    trx,
    ctx,
    program,
    {
      customerId: referral.friend_customer_id,
      points: settings.friendPoints,
      sourceKey: `${key}:friend`,
      at: purchase.at,
    },
    now,
  );
  await trx
    .updateTable('loyalty_referrals')
    .set({
      status: 'qualified',
      order_id: purchase.orderId,
      qualified_at: purchase.at,
      referrer_points: referrerPoints,
      friend_points: friendPoints,
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', referral.id)
    .execute();
  // The club's earning rules may give more for a qualified referral (a rule of event 'referral_qualified').
  if (await activeMemberRow(trx, ctx, referral.referrer_customer_id)) {
    await awardEvent(
      trx,
      ctx,
      {
        customerId: referral.referrer_customer_id,
        type: 'referral_qualified',
        eventKey: referral.id,
        occurredAt: purchase.at,
      },
      now,
    );
  }
  return true;
}
