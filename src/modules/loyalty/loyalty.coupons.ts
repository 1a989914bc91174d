import { type Selectable, sql } from 'kysely';
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
import type { CouponStatus, LoyaltyCouponUseTable } from './loyalty.coupons.tables.ts';
import { type TillView, tillView, writeRedemption } from './loyalty.coupons.till.ts';
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
 * Whether the coupon applies, for this customer and basket, at `now`; throws
 * the reason when not. A reward's coupon belongs to its member (any customer
 * may hand it over, but a named other customer is refused); a campaign's code
 * needs an active member of its tiers who has not had the campaign yet.
 * Decided on the till's view alone: nothing more is read.
 */
function evaluate(
  view: TillView,
  input: { customerId?: string | undefined; basket: Basket },
  now: Date,
): { customerId: string | null; discount: number } {
  const { coupon, campaign } = view;
  if (coupon.status === 'used') throw new AppError('COUPON.ALREADY_USED');
  if (coupon.status === 'voided') throw new AppError('COUPON.VOIDED');
  if (coupon.expires_at && coupon.expires_at <= now) throw new AppError('COUPON.EXPIRED');
  let customerId = input.customerId ? view.holder : null;
  if (campaign) {
    if (!campaign.active) throw new AppError('COUPON.INACTIVE');
    if (campaign.startsAt > now) throw new AppError('COUPON.NOT_YET_VALID');
    if (campaign.endsAt <= now) throw new AppError('COUPON.EXPIRED');
    if (campaign.maxUses !== null && campaign.usedCount >= campaign.maxUses) {
      throw new AppError('COUPON.OUT_OF_STOCK');
    }
    if (!customerId) throw new AppError('COUPON.MEMBER_REQUIRED');
    if (view.member?.status !== 'active') throw new AppError('LOYALTY.NOT_MEMBER');
    if (campaign.minTierRank !== null && view.member.rank < campaign.minTierRank) {
      throw new AppError('COUPON.NOT_ELIGIBLE');
    }
    if (view.usedBefore) throw new AppError('COUPON.ALREADY_USED');
  } else {
    if (customerId && customerId !== coupon.customer_id) throw new AppError('COUPON.NOT_CUSTOMERS');
    customerId = coupon.customer_id;
  }
  const minimum = Number(coupon.min_basket_agorot);
  if (input.basket.total < minimum) {
    throw new AppError('COUPON.BASKET_TOO_SMALL', { extra: { minimum: shekels(minimum) } });
  }
  return { customerId, discount: discountFor(coupon, input.basket) };
}

/** Whether a code applies to a basket, and the discount; the reason, in the caller's language, when not. */
export async function validateCoupon(trx: Trx, ctx: Ctx, body: ValidateCouponBody, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  const view = await tillView(trx, ctx, body);
  try {
    if (!view) throw new AppError('COUPON.NOT_FOUND');
    const { discount } = evaluate(view, body, now);
    return { applies: true, discount: shekels(discount), reason: null, coupon: couponReplyOf(view.coupon) };
  } catch (error) {
    if (!(error instanceof AppError) || !reasons.has(error.code)) throw error;
    return {
      applies: false,
      discount: '0.00',
      reason: { code: error.code, message: errorTitle(error.code, ctx.locale ?? 'he') },
      coupon: view ? couponReplyOf(view.coupon) : null,
    };
  }
}

function redemptionOf(coupon: CouponRow, use: Selectable<LoyaltyCouponUseTable>) {
  return {
    code: coupon.code,
    orderId: use.order_id,
    customerId: use.customer_id,
    discount: shekels(use.discount_agorot),
    basketTotal: shekels(use.basket_total_agorot),
    usedAt: use.used_at,
    coupon: couponReplyOf(coupon),
  };
}

/**
 * Thrown when a redemption found the code, its campaign or the member's uses
 * changed between its read and its write (another till at the same moment):
 * the transaction must roll back, and `retryingRaces` runs it again afresh,
 * which then redeems, replays, or names the reason.
 */
export class CouponRace extends Error {
  constructor() {
    super('the coupon changed while it was being redeemed');
  }
}

/** Runs a redemption's transaction, again while it lost a race (at most five times, then it is used). */
export async function retryingRaces<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof CouponRace)) throw error;
      if (attempt === 5) throw new AppError('COUPON.ALREADY_USED');
    }
  }
}

/**
 * Uses a coupon for an order: marks a single-use coupon used and records the
 * use (the order, the discount). The same code and order again answer the
 * first redemption (`created: false`) and change nothing; any refusal leaves
 * everything as it was (the caller's transaction rolls back). Two statements:
 * the till's view, then the writes (loyalty.coupons.till.ts); of two tills at
 * once one writes and the other throws CouponRace, to be run again
 * (retryingRaces) and hear that the coupon is used.
 */
export async function redeemCoupon(trx: Trx, ctx: Ctx, body: RedeemCouponBody, now: Date) {
  requirePermission(ctx, 'coupons.redeem');
  const view = await tillView(trx, ctx, body);
  if (!view) throw new AppError('COUPON.NOT_FOUND');
  if (view.earlier) return { created: false, redemption: redemptionOf(view.coupon, view.earlier) };
  const { customerId, discount } = evaluate(view, body, now);
  const written = await writeRedemption(trx, ctx, view, {
    customerId,
    orderId: body.orderId,
    basketTotal: body.basket.total,
    discount,
    now,
  });
  if (!written) throw new CouponRace();
  const coupon: CouponRow = view.coupon.multi_use
    ? view.coupon
    : {
        ...view.coupon,
        status: written.couponStatus as CouponStatus,
        used_at: written.couponUsedAt,
        customer_id: view.coupon.campaign_id ? customerId : view.coupon.customer_id,
        order_id: body.orderId,
      };
  return { created: true, redemption: redemptionOf(coupon, written.use) };
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
