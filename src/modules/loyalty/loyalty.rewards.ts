import { addDays } from 'date-fns';
import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { benefitInputOf, benefitReplyOf, benefitRow, definedOf } from './loyalty.coupons.benefit.ts';
import { couponReplyOf, insertCoupons } from './loyalty.coupons.codes.ts';
import type { LoyaltyRewardTable } from './loyalty.coupons.tables.ts';
import { lockMember } from './loyalty.ledger.ts';
import { holderOf, spendPoints } from './loyalty.points.ts';
import { findProgram } from './loyalty.program.ts';
import type { CreateRewardBody, UpdateRewardBody } from './loyalty.rewards.schemas.ts';

/*
 * The rewards catalog. A member redeems a reward for its points: the reward's
 * row is locked first (its stock is taken under that lock, never below zero),
 * then the member's (spendPoints takes the points, oldest lots first, and
 * refuses a short balance), and a single-use coupon with the reward's benefit
 * is made for the member. A refusal at any step changes nothing.
 */

type RewardRow = Selectable<LoyaltyRewardTable>;

export function rewardReplyOf(row: RewardRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ...benefitReplyOf(row),
    pointsCost: Number(row.points_cost),
    minTierRank: row.min_tier_rank,
    stock: row.stock_left,
    redeemed: row.redeemed_count,
    perMemberLimit: row.per_member_limit,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    couponValidDays: row.coupon_valid_days,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkDates(startsAt: Date | null, endsAt: Date | null) {
  if (startsAt && endsAt && endsAt <= startsAt) {
    throw new AppError('VALIDATION', { fields: [{ field: 'endsAt', message: 'invalid' }] });
  }
}

export async function createReward(trx: Trx, ctx: Ctx, body: CreateRewardBody, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const benefit = benefitRow(body);
  checkDates(body.startsAt ?? null, body.endsAt ?? null);
  const row = await trx
    .insertInto('loyalty_rewards')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      description: body.description ?? '',
      ...benefit,
      points_cost: body.pointsCost,
      min_tier_rank: body.minTierRank ?? null,
      stock_left: body.stock ?? null,
      per_member_limit: body.perMemberLimit ?? null,
      starts_at: body.startsAt ?? null,
      ends_at: body.endsAt ?? null,
      coupon_valid_days: body.couponValidDays ?? null,
      active: body.active ?? true,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const reward = rewardReplyOf(row);
  await recordAudit(trx, ctx, {
    action: 'loyalty.reward_created',
    entityType: 'loyalty_reward',
    entityId: row.id,
    after: reward,
  });
  return reward;
}

/** Changes a reward (or stops it: `active: false`); coupons bought before keep what they were bought with. */
export async function updateReward(trx: Trx, ctx: Ctx, id: string, body: UpdateRewardBody, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const before = await trx
    .selectFrom('loyalty_rewards')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!before) throw new AppError('LOYALTY.REWARD_NOT_FOUND');
  const benefit = benefitRow({ ...benefitInputOf(before), ...definedOf(body) });
  const startsAt = body.startsAt === undefined ? before.starts_at : body.startsAt;
  const endsAt = body.endsAt === undefined ? before.ends_at : body.endsAt;
  checkDates(startsAt, endsAt);
  const row = await trx
    .updateTable('loyalty_rewards')
    .set({
      ...benefit,
      ...definedOf({
        name: body.name,
        description: body.description,
        points_cost: body.pointsCost,
        min_tier_rank: body.minTierRank,
        stock_left: body.stock,
        per_member_limit: body.perMemberLimit,
        coupon_valid_days: body.couponValidDays,
        active: body.active,
      }),
      starts_at: startsAt,
      ends_at: endsAt,
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const reward = rewardReplyOf(row);
  await recordAudit(trx, ctx, {
    action: 'loyalty.reward_changed',
    entityType: 'loyalty_reward',
    entityId: id,
    before: rewardReplyOf(before),
    after: reward,
  });
  return reward;
}

/** The catalog, newest first, a page at a time. */
export async function listRewards(
  trx: Trx,
  ctx: Ctx,
  query: { limit: number; cursor?: string | undefined; active?: 'true' | 'false' | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  const after = decodeTimeCursor(query.cursor, 'rewards');
  const rows = await trx
    .selectFrom('loyalty_rewards')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .$if(query.active !== undefined, (q) => q.where('active', '=', query.active === 'true'))
    .$if(after !== null, (q) =>
      q.where(sql<boolean>`(created_at, id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, 'rewards'),
  );
  return { items: page.map(rewardReplyOf), nextCursor };
}

/**
 * A member redeems a reward: its points are spent (a 'spend' booking named
 * after the reward), a unit of stock is taken, and the member gets a coupon.
 * Refused, with nothing changed, for a reward stopped, outside its dates, out
 * of stock, above the member's tier or past the member's limit, and for a
 * balance short of its cost.
 */
export async function redeemReward(trx: Trx, ctx: Ctx, input: { rewardId: string; customerId: string }, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  // Every redemption of one reward takes its turn here: the stock read below is the stock.
  const reward = await trx
    .selectFrom('loyalty_rewards')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', input.rewardId)
    .forUpdate()
    .executeTakeFirst();
  if (!reward) throw new AppError('LOYALTY.REWARD_NOT_FOUND');
  if (!reward.active || (reward.starts_at && reward.starts_at > now) || (reward.ends_at && reward.ends_at <= now)) {
    throw new AppError('LOYALTY.REWARD_UNAVAILABLE');
  }
  if (reward.stock_left !== null && reward.stock_left <= 0) throw new AppError('LOYALTY.REWARD_OUT_OF_STOCK');
  // A merged customer's id stands for the member it was merged into.
  const customerId = await holderOf(trx, ctx, input.customerId);
  const member = await lockMember(trx, ctx, customerId);
  if (reward.min_tier_rank !== null) {
    const program = await findProgram(trx, ctx);
    const rank = program?.tiers.find((t) => t.id === member.tier_id)?.rank ?? 0;
    if (rank < reward.min_tier_rank) throw new AppError('LOYALTY.REWARD_TIER');
  }
  if (reward.per_member_limit !== null) {
    const held = await trx
      .selectFrom('loyalty_coupons')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('workspace_id', '=', ctx.workspaceId)
      .where('reward_id', '=', reward.id)
      .where('customer_id', '=', customerId)
      .where('status', '<>', 'voided')
      .executeTakeFirstOrThrow();
    if (Number(held.n) >= reward.per_member_limit) throw new AppError('LOYALTY.REWARD_LIMIT');
  }
  const couponId = newId();
  const spendId = await spendPoints(trx, ctx, {
    customerId,
    points: Number(reward.points_cost),
    sourceKey: `reward:${couponId}`,
    note: reward.name,
    occurredAt: now,
  });
  if (!spendId) throw new Error(`reward ${couponId} was booked before`);
  await trx
    .updateTable('loyalty_rewards')
    .set((eb) => ({
      stock_left: sql<number | null>`stock_left - 1`,
      redeemed_count: eb('redeemed_count', '+', 1),
      updated_at: now,
    }))
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', reward.id)
    .execute();
  const [coupon] = await insertCoupons(
    trx,
    ctx,
    {
      id: couponId,
      reward_id: reward.id,
      customer_id: customerId,
      name: reward.name,
      kind: reward.kind,
      percent_off: reward.percent_off,
      amount_off_agorot: reward.amount_off_agorot,
      item_sku: reward.item_sku,
      min_basket_agorot: reward.min_basket_agorot,
      max_discount_agorot: reward.max_discount_agorot,
      points_cost: reward.points_cost,
      spend_transaction_id: spendId,
      expires_at: reward.coupon_valid_days === null ? null : addDays(now, reward.coupon_valid_days),
      created_at: now,
    },
    1,
  );
  await recordAudit(trx, ctx, {
    action: 'loyalty.reward_redeemed',
    entityType: 'customer',
    entityId: customerId,
    after: { rewardId: reward.id, couponId: coupon!.id, points: Number(reward.points_cost) },
  });
  return couponReplyOf(coupon!);
}
