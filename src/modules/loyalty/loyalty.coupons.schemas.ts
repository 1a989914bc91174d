import { z } from 'zod';
import { instant, money } from '../../platform/replies.ts';

// Coupons as a till or web store sees them: what a code is worth on a basket, and using it once.

const AMOUNT = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** An amount in shekels as the API takes it ("42", "42.5", "42.50") in agorot, exactly: no float on the way. */
export function agorotOf(amount: string): number {
  const match = AMOUNT.exec(amount);
  if (!match) throw new Error(`not an amount: ${amount}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Agorot as the API answers them: a decimal string with two places ("42.50"). */
export function shekels(agorot: number | string | bigint): string {
  const value = BigInt(agorot);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Shekels as a decimal string, up to 999,999,999.99, read into agorot. */
export const amountInput = z
  .string()
  .regex(AMOUNT, { message: 'klient:number.invalid' })
  .transform(agorotOf)
  .meta({ description: 'Shekels as a decimal string ("42.50")' });

export const positiveAmountInput = amountInput.refine((a) => a > 0, { message: 'klient:too_small' });

/** A code as a person types it: letters, digits, dash and underscore. */
export const codeInput = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[\p{L}\p{N}_-]+$/u, { message: 'klient:invalid_format' });

export const benefitKinds = ['percent_discount', 'amount_discount', 'gift', 'free_delivery'] as const;

/** The benefit's fields, as rewards and campaigns take them. */
export const benefitFields = {
  kind: z.enum(benefitKinds),
  /** For a percent discount: 1 to 100. */
  percentOff: z.number().int().min(1).max(100).nullable(),
  /** For an amount discount, in shekels. */
  amountOff: positiveAmountInput.nullable(),
  /** For a gift or free delivery: the basket line it makes free (a gift's one unit, the delivery's whole line). */
  itemSku: z.string().trim().min(1).max(100).nullable(),
  /** The basket's total must reach it. */
  minBasket: amountInput,
  /** A percent discount takes off at most this. */
  maxDiscount: positiveAmountInput.nullable(),
};

const basketBody = z
  .object({
    /** The basket's total in shekels, as the till charges it. */
    total: amountInput,
    items: z
      .array(
        z
          .object({
            sku: z.string().trim().min(1).max(100),
            quantity: z.number().int().min(1).max(10_000),
            unitPrice: amountInput,
          })
          .strict(),
      )
      .max(500)
      .default([]),
  })
  .strict();
export type Basket = z.output<typeof basketBody>;

export const validateCouponBody = z
  .object({
    code: codeInput,
    /** The customer at the till, when known; a campaign's code needs the member. */
    customerId: z.uuid().optional(),
    basket: basketBody,
  })
  .strict();
export type ValidateCouponBody = z.output<typeof validateCouponBody>;

export const redeemCouponBody = validateCouponBody
  .extend({
    /** The order's id in the till or web store: the same code and order redeem once. */
    orderId: z.string().trim().min(1).max(200),
  })
  .strict();
export type RedeemCouponBody = z.output<typeof redeemCouponBody>;

export const codeParams = z.object({ code: codeInput }).strict();

/** The benefit as replies show it, amounts in shekels. */
export const benefitReply = {
  kind: z.enum(benefitKinds),
  percentOff: z.number().int().nullable(),
  amountOff: money.nullable(),
  itemSku: z.string().nullable(),
  minBasket: money,
  maxDiscount: money.nullable(),
};

/** A coupon: a reward's, bought with points by its member, or a campaign's code. */
export const couponSchema = z.strictObject({
  id: z.uuid(),
  code: z.string(),
  source: z.enum(['reward', 'campaign']),
  rewardId: z.uuid().nullable(),
  campaignId: z.uuid().nullable(),
  /** A reward's member, or the member who used a pool code. */
  customerId: z.uuid().nullable(),
  name: z.string(),
  ...benefitReply,
  pointsCost: z.number().int(),
  /** A campaign's shared code: each member once. */
  multiUse: z.boolean(),
  status: z.enum(['active', 'used', 'voided']),
  expiresAt: instant.nullable(),
  createdAt: instant,
  usedAt: instant.nullable(),
  /** The order that used a single-use coupon. */
  orderId: z.string().nullable(),
  voidedAt: instant.nullable(),
});

/** Whether a code applies to a basket, and what it takes off; the reason when it does not. */
export const couponCheckSchema = z.strictObject({
  applies: z.boolean(),
  /** In shekels; "0.00" when it does not apply. */
  discount: money,
  /** Why not: an error code (COUPON.EXPIRED ...) and its words in the caller's language. */
  reason: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  coupon: couponSchema.nullable(),
});

export const redemptionSchema = z.strictObject({
  code: z.string(),
  orderId: z.string(),
  customerId: z.uuid().nullable(),
  discount: money,
  basketTotal: money,
  usedAt: instant,
  coupon: couponSchema,
});

export const voidedCouponSchema = z.strictObject({
  coupon: couponSchema,
  pointsReturned: z.number().int(),
  /** Of the points returned, those already past their expiry (or the member's inactivity), expired at once. */
  pointsExpired: z.number().int(),
});

export const memberCouponsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    status: z.enum(['active', 'used', 'voided']).optional(),
  })
  .strict();
