import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import { errorTitle } from '../../platform/messages.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { discountFor } from './loyalty.coupons.benefit.ts';
import { type CouponRow, couponById, couponReplyOf, findCoupon } from './loyalty.coupons.codes.ts';
import { type Basket, type RedeemCouponBody, shekels, type ValidateCouponBody } from './loyalty.coupons.schemas.ts';
import type { CouponStatus } from './loyalty.coupons.tables.ts';
import { lockMember } from './loyalty.ledger.ts';
import { findProgram } from './loyalty.program.ts';
import { voidSpend } from './loyalty.rewards.points.ts';

/*
 * Coupons: a reward's, bought with points by one member and used once, or a
 * campaign's code (shared, each eligible member once; or one of a pool, used
 * once). A till asks whether a code applies to a basket (nothing changes),
 * then redeems it for an order: the same code and order redeem once, however
 * often the till retries; a single-use coupon is taken by a conditional
 * update, so of two tills at once one wins and the other hears it is used.
 * Codes are found whatever their case; another workspace's code is unknown.
 */

/** Why a code does not apply: what validate answers as its reason, and redeem as its problem. */
const reasons = new Set<ErrorCode>([
  'COUPON.NOT_FOUND',
  'COUPON.ALREADY_USED',
  'COUPON.VOIDED',
  'COUPON.EXPIRED',
  'COUPON.NOT_YET_VALID',
  'COUPON.INACTIVE',
  'COUPON.OUT_OF_STOCK',
  'COUPON.NOT_CUSTOMERS',
  'COUPON.MEMBER_REQUIRED',
  'COUPON.NOT_ELIGIBLE',
  'COUPON.BASKET_TOO_SMALL',
  'LOYALTY.NOT_MEMBER',
]);

/**
 * The member a customer at the till is, following a merge to the survivor
 * (one statement): its customer id, status and tier; none for a customer
 * who is not a member.
 */
async function memberAtTill(trx: Trx, ctx: Ctx, customerId: string) {
  return trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'status', 'tier_id'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) =>
      eb(
        'customer_id',
        '=',
        eb.fn.coalesce(
          eb
            .selectFrom('loyalty_members as merged')
            .select('merged.merged_into')
            .where('merged.workspace_id', '=', ctx.workspaceId)
            .where('merged.customer_id', '=', customerId),
          sql<string>`${customerId}::uuid`,
        ),
      ),
    )
    .executeTakeFirst();
}

/**
 * Whether the coupon applies, for this customer and basket, at `now`; throws
 * the reason when not. A reward's coupon belongs to its member (any customer
 * may hand it over, but a named other customer is refused); a campaign's code
 * needs an active member of its tiers who has not had the campaign yet. When
 * `using`, the member's earlier use of the campaign is left to the use's
 * insert to meet (its unique key), which the caller does in this transaction.
 */
async function evaluate(
  trx: Trx,
  ctx: Ctx,
  coupon: CouponRow,
  input: { customerId?: string | undefined; basket: Basket },
  now: Date,
  using = false,
): Promise<{ customerId: string | null; discount: number; limited: boolean }> {
  if (coupon.status === 'used') throw new AppError('COUPON.ALREADY_USED');
  if (coupon.status === 'voided') throw new AppError('COUPON.VOIDED');
  if (coupon.expires_at && coupon.expires_at <= now) throw new AppError('COUPON.EXPIRED');
  let customerId: string | null = null;
  let limited = false;
  if (coupon.campaign_id) {
    // A use holds the campaign's row key-shared until it commits: uses go on side by side (a limited campaign's
    // then take turns on its count, a lock that does not wait on theirs), while a change of the campaign
    // (updateCampaign locks it for update) waits for the uses under way, and so counts them all.
    const campaign = await trx
      .selectFrom('loyalty_campaigns')
      .selectAll()
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', coupon.campaign_id)
      .$if(using, (q) => q.forKeyShare())
      .executeTakeFirstOrThrow();
    limited = campaign.max_uses !== null;
    if (!campaign.active) throw new AppError('COUPON.INACTIVE');
    if (campaign.starts_at > now) throw new AppError('COUPON.NOT_YET_VALID');
    if (campaign.ends_at <= now) throw new AppError('COUPON.EXPIRED');
    if (campaign.max_uses !== null && campaign.used_count >= campaign.max_uses) {
      throw new AppError('COUPON.OUT_OF_STOCK');
    }
    if (!input.customerId) throw new AppError('COUPON.MEMBER_REQUIRED');
    const member = await memberAtTill(trx, ctx, input.customerId);
    customerId = member?.customer_id ?? input.customerId;
    if (member?.status !== 'active') throw new AppError('LOYALTY.NOT_MEMBER');
    if (campaign.min_tier_rank !== null) {
      const program = await findProgram(trx, ctx);
      const rank = program?.tiers.find((t) => t.id === member.tier_id)?.rank ?? 0;
      if (rank < campaign.min_tier_rank) throw new AppError('COUPON.NOT_ELIGIBLE');
    }
    if (!using) {
      const before = await trx
        .selectFrom('loyalty_coupon_uses')
        .select('id')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('campaign_id', '=', campaign.id)
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      if (before) throw new AppError('COUPON.ALREADY_USED');
    }
  } else {
    if (input.customerId) {
      customerId = (await memberAtTill(trx, ctx, input.customerId))?.customer_id ?? input.customerId;
      if (customerId !== coupon.customer_id) throw new AppError('COUPON.NOT_CUSTOMERS');
    }
    customerId = coupon.customer_id;
  }
  const minimum = Number(coupon.min_basket_agorot);
  if (input.basket.total < minimum) {
    throw new AppError('COUPON.BASKET_TOO_SMALL', { extra: { minimum: shekels(minimum) } });
  }
  return { customerId, discount: discountFor(coupon, input.basket), limited };
}

/** Whether a code applies to a basket, and the discount; the reason, in the caller's language, when not. */
export async function validateCoupon(trx: Trx, ctx: Ctx, body: ValidateCouponBody, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  const coupon = await findCoupon(trx, ctx, body.code);
  try {
    if (!coupon) throw new AppError('COUPON.NOT_FOUND');
    const { discount } = await evaluate(trx, ctx, coupon, body, now);
    return { applies: true, discount: shekels(discount), reason: null, coupon: couponReplyOf(coupon) };
  } catch (error) {
    if (!(error instanceof AppError) || !reasons.has(error.code)) throw error;
    return {
      applies: false,
      discount: '0.00',
      reason: { code: error.code, message: errorTitle(error.code, ctx.locale ?? 'he') },
      coupon: coupon ? couponReplyOf(coupon) : null,
    };
  }
}

async function findUse(trx: Trx, ctx: Ctx, couponId: string, orderId: string) {
  return trx
    .selectFrom('loyalty_coupon_uses')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('coupon_id', '=', couponId)
    .where('order_id', '=', orderId)
    .executeTakeFirst();
}

async function redemptionOf(
  trx: Trx,
  ctx: Ctx,
  use: {
    coupon_id: string;
    order_id: string;
    customer_id: string | null;
    discount_agorot: string;
    basket_total_agorot: string;
    used_at: Date;
  },
  coupon?: CouponRow,
) {
  const row = coupon ?? (await couponById(trx, ctx, use.coupon_id));
  return {
    code: row.code,
    orderId: use.order_id,
    customerId: use.customer_id,
    discount: shekels(use.discount_agorot),
    basketTotal: shekels(use.basket_total_agorot),
    usedAt: use.used_at,
    coupon: couponReplyOf(row),
  };
}

/**
 * Uses a coupon for an order: marks a single-use coupon used and records the
 * use (the order, the discount). The same code and order again answer the
 * first redemption (`created: false`) and change nothing; any refusal leaves
 * everything as it was (the caller's transaction rolls back).
 */
export async function redeemCoupon(trx: Trx, ctx: Ctx, body: RedeemCouponBody, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  const coupon = await findCoupon(trx, ctx, body.code);
  if (!coupon) throw new AppError('COUPON.NOT_FOUND');
  const replay = async () => {
    const earlier = await findUse(trx, ctx, coupon.id, body.orderId);
    return earlier ? { created: false, redemption: await redemptionOf(trx, ctx, earlier) } : null;
  };
  // A single-use coupon shows the order that used it; a shared code's uses are asked.
  const earlier = coupon.multi_use || coupon.order_id === body.orderId ? await replay() : null;
  if (earlier) return earlier;
  const { customerId, discount, limited } = await evaluate(trx, ctx, coupon, body, now, true);
  let used: CouponRow = coupon;
  if (!coupon.multi_use) {
    // Of two redemptions at once, the second waits here for the first to commit and then finds the coupon used.
    const taken = await trx
      .updateTable('loyalty_coupons')
      .set({ status: 'used', used_at: now, ...(coupon.campaign_id ? { customer_id: customerId } : {}) })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', coupon.id)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    if (!taken) {
      const again = await replay();
      if (again) return again;
      const { status } = await couponById(trx, ctx, coupon.id);
      throw new AppError(status === 'voided' ? 'COUPON.VOIDED' : 'COUPON.ALREADY_USED');
    }
    used = { ...taken, order_id: body.orderId };
  }
  const use = await trx
    .insertInto('loyalty_coupon_uses')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      coupon_id: coupon.id,
      campaign_id: coupon.campaign_id,
      customer_id: customerId,
      order_id: body.orderId,
      basket_total_agorot: body.basket.total,
      discount_agorot: discount,
      used_at: now,
      actor: ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`,
    })
    // The member's earlier use of the campaign (another code, another till: its unique key) or the same order twice.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!use) {
    const again = await replay();
    if (again) return again;
    throw new AppError('COUPON.ALREADY_USED');
  }
  // Only a campaign with a limit counts as it goes (one row, so its uses take turns); the others count their uses.
  if (coupon.campaign_id && limited) {
    const counted = await trx
      .updateTable('loyalty_campaigns')
      .set((eb) => ({ used_count: eb('used_count', '+', 1) }))
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', coupon.campaign_id)
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('used_count', '<', eb.ref('max_uses'))]))
      .returning('id')
      .executeTakeFirst();
    if (!counted) throw new AppError('COUPON.OUT_OF_STOCK');
  }
  return { created: true, redemption: await redemptionOf(trx, ctx, use, used) };
}

/**
 * Gives a member back the points of a reward's coupon not used: the coupon is
 * voided, the points go back to the lots they came from (voidSpend), and the
 * reward's stock gets the coupon back. A voided coupon voided again answers as
 * it is and books nothing; a used one, or a campaign's code, is refused.
 */
export async function voidCoupon(trx: Trx, ctx: Ctx, code: string, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  const coupon = await findCoupon(trx, ctx, code);
  if (!coupon) throw new AppError('COUPON.NOT_FOUND');
  if (!coupon.reward_id || !coupon.customer_id || !coupon.spend_transaction_id) {
    throw new AppError('COUPON.NOT_VOIDABLE');
  }
  const refuseUsed = (status: CouponStatus) => {
    if (status === 'used') throw new AppError('COUPON.ALREADY_USED');
  };
  refuseUsed(coupon.status);
  if (coupon.status === 'voided') return { coupon: couponReplyOf(coupon), pointsReturned: 0, pointsExpired: 0 };
  // The locks in a redemption's order (the reward, the member, then the coupon): the two never wait on each other.
  await trx
    .selectFrom('loyalty_rewards')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', coupon.reward_id)
    .forUpdate()
    .execute();
  await lockMember(trx, ctx, coupon.customer_id);
  const voided = await trx
    .updateTable('loyalty_coupons')
    .set({ status: 'voided', voided_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', coupon.id)
    .where('status', '=', 'active')
    .returning('id')
    .executeTakeFirst();
  if (!voided) {
    const current = await couponById(trx, ctx, coupon.id);
    refuseUsed(current.status);
    return { coupon: couponReplyOf(current), pointsReturned: 0, pointsExpired: 0 };
  }
  await trx
    .updateTable('loyalty_rewards')
    .set((eb) => ({
      stock_left: sql<number | null>`stock_left + 1`,
      redeemed_count: eb('redeemed_count', '-', 1),
      updated_at: now,
    }))
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', coupon.reward_id)
    .execute();
  const program = await findProgram(trx, ctx);
  if (!program) throw new AppError('LOYALTY.NO_PROGRAM');
  const { points, expired } = await voidSpend(trx, ctx, program, {
    spendId: coupon.spend_transaction_id,
    customerId: coupon.customer_id,
    sourceKey: `void:${coupon.id}`,
    note: coupon.name,
    occurredAt: now,
  });
  await recordAudit(trx, ctx, {
    action: 'loyalty.coupon_voided',
    entityType: 'customer',
    entityId: coupon.customer_id,
    after: { couponId: coupon.id, rewardId: coupon.reward_id, points, expired },
  });
  return {
    coupon: couponReplyOf(await couponById(trx, ctx, coupon.id)),
    pointsReturned: points,
    pointsExpired: expired,
  };
}
