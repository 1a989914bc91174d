import { subMonths } from 'date-fns';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import type { CustomerHooks } from '../../platform/module.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { eraseContestEntries, mergeContestEntries } from './loyalty.contests.ts';
import { exportCoupons, mergeCoupons } from './loyalty.coupons.members.ts';
import { lockMember } from './loyalty.ledger.ts';
import { enrollMember, getMember, newReferralCode } from './loyalty.members.ts';
import {
  adjustPoints,
  clawBackRefund,
  earnPoints,
  expireDue,
  movePoints,
  pointsFor,
  releaseDue,
} from './loyalty.points.ts';
import { earnForOrdersBulk } from './loyalty.points-bulk.ts';
import { erasePortal } from './loyalty.portal.ts';
import { findProgram, getProgram, type Program } from './loyalty.program.ts';
import { eraseReferrals, exportReferrals, mergeReferrals } from './loyalty.referrals.members.ts';
import { eraseRuleActivity, exportRuleActivity, mergeRuleActivity } from './loyalty.rules.members.ts';
import { hasPurchaseRules, type PurchaseExtra, purchaseExtras, recordPurchaseAwards } from './loyalty.rules.ts';
import { reviewTier, setTier, upgradeIfReached } from './loyalty.tiers.ts';

// What other modules, the routes and the jobs use of the loyalty club: this file is its one door.
export { createContest, drawContest, getContest, judgeContest, listContests } from './loyalty.contests.ts';
export { listMemberCoupons } from './loyalty.coupons.members.ts';
export { redeemCoupon, validateCoupon, voidCoupon } from './loyalty.coupons.ts';
export { getMember, listMembers } from './loyalty.members.ts';
export { sendLoyaltyNotices } from './loyalty.notices.ts';
export { type Referral, referFriend } from './loyalty.referrals.ts';
export { listRewards, redeemReward } from './loyalty.rewards.ts';
export { awardEvent, type EarningEvent, type EventOutcome } from './loyalty.rules.ts';

export const enroll = enrollMember;

/** An amount in shekels as orders keep it ("42.50") in agorot, exactly. */
export function toAgorot(amount: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`not an amount: ${amount}`);
  const agorot = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -agorot : agorot;
}

/** The member row of a customer who is an active member, or null. */
async function activeMember(trx: Trx, ctx: Ctx, customerId: string) {
  const member = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'tier_id', 'tier_review_at', 'joined_at', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return member?.status === 'active' ? member : null;
}

/**
 * Points for an order (the order.placed subscriber): a member's order placed
 * since joining earns at the program's rate times the member's tier
 * multiplier, pending for the return window. The same order earns once.
 */
export async function earnForOrder(
  trx: Trx,
  ctx: Ctx,
  order: PlacedOrder,
  now: Date,
  club?: Program | null,
): Promise<void> {
  const program = club === undefined ? await findProgram(trx, ctx) : club;
  if (program?.status !== 'active') return;
  // Whether the club has a purchase rule rides along the member's read: no rule, no extra query.
  const member = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'tier_id', 'tier_review_at', 'joined_at', 'status', hasPurchaseRules(ctx).as('rules')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', order.customerId)
    .executeTakeFirst();
  if (member?.status !== 'active' || order.placedAt < member.joined_at) return;
  const tier = program.tiers.find((t) => t.id === member.tier_id);
  const spend = toAgorot(order.total);
  const multiplierPct = tier?.earnMultiplierPct ?? 100;
  let extra: PurchaseExtra | undefined;
  let extras = new Map<string, PurchaseExtra>();
  if (member.rules) {
    await lockMember(trx, ctx, order.customerId);
    const forRules = { ...order, tierId: member.tier_id, multiplierPct, agorot: spend };
    extras = await purchaseExtras(trx, ctx, program, [forRules]);
    extra = extras.get(order.orderId);
  }
  const booked = await earnPoints(
    trx,
    ctx,
    program,
    {
      customerId: order.customerId,
      kind: 'earn',
      sourceKey: `order:${order.orderId}`,
      // The purchase rules' points join the order's own: a refund takes them back in the same proportion.
      points: pointsFor(program, spend, multiplierPct) + (extra?.points ?? 0),
      occurredAt: order.placedAt,
      spendAgorot: spend,
      orderId: order.orderId,
      ...(extra ? { note: extra.note } : {}),
      pending: true,
    },
    now,
  );
  if (booked && extra) {
    await recordPurchaseAwards(trx, ctx, [{ ...order, transactionId: booked }], extras);
  }
  if (booked) await upgradeIfReached(trx, ctx, program, member, now);
}

type PlacedOrder = { orderId: string; customerId: string; total: string; placedAt: Date };

/** Points for many orders (a bulk import's order.placed events), as earnForOrder gives each, in a few statements. */
export async function earnForOrders(trx: Trx, ctx: Ctx, orders: PlacedOrder[], now: Date): Promise<void> {
  const program = await findProgram(trx, ctx);
  if (program?.status !== 'active' || orders.length === 0) return;
  await earnForOrdersBulk(
    trx,
    ctx,
    program,
    orders.map((o) => ({
      orderId: o.orderId,
      customerId: o.customerId,
      agorot: toAgorot(o.total),
      placedAt: o.placedAt,
    })),
    now,
  );
}

/** Takes back the points of a refund (the order.refunded subscriber); the same refund once. */
export async function clawBackForRefund(
  trx: Trx,
  ctx: Ctx,
  refund: { eventId: string; orderId: string; amount: string; occurredAt: Date },
): Promise<void> {
  await clawBackRefund(trx, ctx, {
    sourceKey: `refund:${refund.eventId}`,
    orderId: refund.orderId,
    amountAgorot: toAgorot(refund.amount),
    occurredAt: refund.occurredAt,
  });
}

/** Staff give or take points with a reason; the member's standing after it. */
export async function adjustMemberPoints(
  trx: Trx,
  ctx: Ctx,
  input: { customerId: string; points: number; note: string; sourceKey: string },
  now: Date,
) {
  requirePermission(ctx, 'loyalty.adjust');
  const program = await getProgram(trx, ctx);
  await adjustPoints(trx, ctx, program, { ...input, occurredAt: now }, now);
  const member = await activeMember(trx, ctx, input.customerId);
  if (member && input.points > 0) await upgradeIfReached(trx, ctx, program, member, now);
  await recordAudit(trx, ctx, {
    action: 'loyalty.points_adjusted',
    entityType: 'customer',
    entityId: input.customerId,
    after: { points: input.points, note: input.note },
  });
  return getMember(trx, ctx, input.customerId, now);
}

/** Members of one workspace with something due at `now`: points to release or expire, a tier to review. */
export async function membersDue(trx: Trx, ctx: Ctx, now: Date): Promise<string[]> {
  const program = await findProgram(trx, ctx);
  if (!program) return [];
  const due = new Set<string>();
  const lotsDue = (account: 'member.pending' | 'member.available', column: 'release_at' | 'expires_at') =>
    trx
      .selectFrom('loyalty_entries as e')
      .innerJoin('loyalty_transactions as t', (join) =>
        join.onRef('t.workspace_id', '=', 'e.workspace_id').onRef('t.id', '=', 'e.lot_id'),
      )
      .select('e.customer_id')
      .where('e.workspace_id', '=', ctx.workspaceId)
      .where('e.account', '=', account)
      .where(`t.${column}`, '<=', now)
      .groupBy(['e.customer_id', 'e.lot_id'])
      .having(sql`sum(e.amount)`, '>', 0)
      .execute();
  for (const row of await lotsDue('member.pending', 'release_at')) if (row.customer_id) due.add(row.customer_id);
  if (program.expiryMode === 'batch') {
    for (const row of await lotsDue('member.available', 'expires_at')) if (row.customer_id) due.add(row.customer_id);
  }
  const members = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .where((eb) =>
      eb.or([
        eb('tier_review_at', '<=', now),
        ...(program.expiryMode === 'inactivity'
          ? [eb.and([eb('last_activity_at', '<=', subMonths(now, program.expiryMonths)), eb('available', '>', '0')])]
          : []),
      ]),
    )
    .execute();
  for (const row of members) due.add(row.customer_id);
  return [...due];
}

/**
 * What time brings one member: pending points whose window ended become
 * available, points past their date expire, a tier past its review date is
 * reviewed. Safe to run late or twice: each step books only what is still due.
 */
export async function maintainMember(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  now: Date,
  club?: Program | null,
): Promise<void> {
  const program = club === undefined ? await findProgram(trx, ctx) : club;
  if (!program) return;
  const member = await activeMember(trx, ctx, customerId);
  if (!member) return;
  await releaseDue(trx, ctx, customerId, now);
  await expireDue(trx, ctx, program, customerId, now);
  await reviewTier(trx, ctx, program, member, now);
}

/** Locks both members (in one order, so two merges never wait on each other) and returns them. */
async function lockPair(trx: Trx, ctx: Ctx, ids: string[]) {
  return trx
    .selectFrom('loyalty_members')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', 'in', ids)
    .orderBy('customer_id')
    .forUpdate()
    .execute();
}

/**
 * A merge moves the merged member's points (lot by lot), tier and referral
 * code to the survivor: a survivor that was no member becomes one with the
 * merged one's standing; one that was keeps the higher tier of the two.
 */
async function mergeMembers(trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }, now: Date) {
  const rows = await lockPair(trx, ctx, [ids.survivorId, ids.mergedId]);
  const merged = rows.find((r) => r.customer_id === ids.mergedId);
  if (!merged || merged.status === 'merged') return;
  let survivor = rows.find((r) => r.customer_id === ids.survivorId);
  if (!survivor) {
    // The survivor takes over the merged member's code: the links friends were given keep working.
    await trx
      .updateTable('loyalty_members')
      .set({ referral_code: newReferralCode() })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', ids.mergedId)
      .execute();
    survivor = await trx
      .insertInto('loyalty_members')
      .values({
        workspace_id: ctx.workspaceId,
        customer_id: ids.survivorId,
        status: merged.status,
        source: merged.source,
        joined_at: merged.joined_at,
        tier_id: merged.tier_id,
        tier_since: merged.tier_since,
        tier_review_at: merged.tier_review_at,
        referral_code: merged.referral_code,
        messages_consent: merged.messages_consent,
        last_activity_at: merged.last_activity_at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  await movePoints(trx, ctx, ids, now);
  await trx
    .updateTable('loyalty_members')
    .set({ status: 'merged', merged_into: ids.survivorId, updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', ids.mergedId)
    .execute();
  await trx
    .updateTable('loyalty_members')
    .set({ merged_into: ids.survivorId })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('merged_into', '=', ids.mergedId)
    .execute();
  const program = await findProgram(trx, ctx);
  if (!program) return;
  const rank = (tierId: string | null) => program.tiers.find((t) => t.id === tierId)?.rank ?? 0;
  if (rank(merged.tier_id) > rank(survivor.tier_id)) {
    const to = program.tiers.find((t) => t.id === merged.tier_id) ?? null;
    await setTier(trx, ctx, program, survivor, to, 'merge', now);
  }
}

/** Merge, export and erase of a customer, for the loyalty club's part of them. */
export const loyaltyCustomerHooks: CustomerHooks = {
  async merge(trx, ctx, ids) {
    await mergeMembers(trx, ctx, ids, new Date());
    await mergeCoupons(trx, ctx, ids);
    await mergeReferrals(trx, ctx, ids, new Date());
    await mergeContestEntries(trx, ctx, ids);
    await mergeRuleActivity(trx, ctx, ids);
  },
  async export(trx, ctx, customerId) {
    const member = await trx
      .selectFrom('loyalty_members')
      .select(['status', 'joined_at', 'tier_id', 'available', 'pending', 'lifetime_points', 'referral_code'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
    if (!member) return {};
    const ledger = await trx
      .selectFrom('loyalty_transactions')
      .select(['kind', 'occurred_at', 'points', 'release_at', 'expires_at', 'order_id', 'note'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .orderBy('occurred_at')
      .execute();
    const tierChanges = await trx
      .selectFrom('loyalty_tier_changes')
      .select(['from_name', 'to_name', 'reason', 'occurred_at'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .orderBy('occurred_at')
      .execute();
    const referrals = await exportReferrals(trx, ctx, customerId);
    const rules = await exportRuleActivity(trx, ctx, customerId);
    return {
      loyalty: { member, ledger, tierChanges, ...(await exportCoupons(trx, ctx, customerId)), referrals, ...rules },
    };
  },
  // The amounts stay for the accounts (the club's liability); the person's words and standing go.
  async erase(trx, ctx, customerId) {
    await trx
      .updateTable('loyalty_transactions')
      .set({ note: '' })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .where('note', '<>', '')
      .execute();
    await trx
      .updateTable('loyalty_members')
      .set({ status: 'left', messages_consent: false, referral_code: newReferralCode(), updated_at: new Date() })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .where('status', '<>', 'merged')
      .execute();
    await eraseReferrals(trx, ctx, customerId, new Date());
    await eraseContestEntries(trx, ctx, customerId);
    await erasePortal(trx, ctx, customerId, new Date());
    await eraseRuleActivity(trx, ctx, customerId);
  },
};
