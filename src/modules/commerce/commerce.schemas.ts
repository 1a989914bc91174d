import { z } from 'zod';
import { checked, money as decimal, instant as instantReply, pageOf } from '../../platform/replies.ts';

export const orderChannels = ['store', 'web', 'app', 'phone', 'whatsapp'] as const;
export const paymentStatuses = [
  'pending',
  'authorized',
  'paid',
  'partially_paid',
  'partially_refunded',
  'refunded',
  'voided',
  'failed',
] as const;

const part = (max: number) => z.string().trim().min(1).max(max).optional();

/** A billing or shipping address, any part of it (the source systems give what they have). */
export const orderAddressBody = z
  .object({
    name: part(200),
    company: part(200),
    street: part(200),
    street2: part(200),
    city: part(100),
    zip: part(20),
    country: part(100),
    phone: part(50),
  })
  .strict();
export type OrderAddressBody = z.infer<typeof orderAddressBody>;

const money = z.union([z.number(), z.string().regex(/^-?\d+(\.\d{1,2})?$/)]).transform((v) => Number(v));

// Money columns are numeric(14,2): an order's lines stay far below that, with room for shipping.
const MAX_LINE = 1e11;
const MAX_LINES_TOTAL = 5e11;
const agorot = (v: number) => Math.round(v * 100);

/**
 * A moment PostgreSQL stores as given and a business record can hold:
 * 1900 to 2999 (the ISO form alone lets through year 0000 and offsets that
 * push 9999 past the end of the calendar).
 */
const instant = () =>
  z.iso.datetime({ offset: true }).refine(
    (v) => {
      const at = Date.parse(v);
      return at >= Date.UTC(1900, 0, 1) && at < Date.UTC(3000, 0, 1);
    },
    { message: 'klient:date.out_of_range' },
  );

export const createProductBody = z
  .object({
    sku: z.string().trim().min(1).max(100),
    name: z.string().trim().min(1).max(300),
    category: z.string().trim().max(100).nullable().optional(),
    price: money
      .refine((v) => Math.abs(v) < MAX_LINE, { message: 'klient:too_big' })
      .nullable()
      .optional(),
  })
  .strict();
export type CreateProductBody = z.infer<typeof createProductBody>;

export const orderItemBody = z
  .object({
    sku: z.string().trim().min(1).max(100),
    name: z.string().trim().min(1).max(300),
    quantity: z.number().positive().max(1_000_000),
    unitPrice: money.refine((v) => v >= 0 && v < 1e11),
  })
  .strict();

export const createOrderBody = z
  .object({
    externalId: z.string().trim().min(1).max(100),
    customerId: z.uuid(),
    placedAt: instant(),
    channel: z.enum(orderChannels),
    branch: z.string().trim().min(1).max(100).nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    items: z
      .array(orderItemBody)
      .min(1)
      .max(500)
      .superRefine((items, ctx) => {
        let sum = 0;
        items.forEach((item, i) => {
          const line = Math.abs(item.unitPrice * item.quantity);
          sum += line;
          if (line >= MAX_LINE) ctx.addIssue({ code: 'custom', path: [i, 'quantity'], message: 'klient:too_big' });
        });
        if (sum >= MAX_LINES_TOTAL) ctx.addIssue({ code: 'custom', message: 'klient:too_big' });
      }),
    // What the order charged besides its lines; the total is the lines, less the discount, plus shipping
    // (prices in Israel include VAT: the tax is what the total holds, not added to it).
    shipping: money.refine((v) => v >= 0 && v < 1e11).optional(),
    discount: money.refine((v) => v >= 0 && v < 1e11).optional(),
    tax: money.refine((v) => v >= 0 && v < 1e11).optional(),
    billingAddress: orderAddressBody.nullable().optional(),
    shippingAddress: orderAddressBody.nullable().optional(),
    paymentStatus: z.enum(paymentStatuses).nullable().optional(),
  })
  .strict();
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const refundBody = z
  .object({
    // At least one agora once rounded to the column's two decimals.
    amount: money
      .refine((v) => agorot(v) >= 1, { message: 'klient:too_small' })
      .refine((v) => v < MAX_LINES_TOTAL, {
        message: 'klient:too_big',
      }),
    reason: z.string().trim().max(500).nullable().optional(),
    externalId: z.string().trim().min(1).max(100).optional(),
    refundedAt: instant().optional(),
  })
  .strict();
export type RefundBody = z.infer<typeof refundBody>;

export const listOrdersQuery = z
  .object({
    customerId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    // The cursor is the id of the last order seen.
    cursor: z.uuid().optional(),
  })
  .strict();

// Replies.

export const productSchema = z.strictObject({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  category: z.string().nullable(),
  price: decimal.nullable(),
});
export const productPageSchema = pageOf(productSchema);

/** An address as kept (jsonb), its parts in jsonb's order: shorter names first. */
export const orderAddressSchema = z.strictObject({
  zip: z.string().optional(),
  city: z.string().optional(),
  name: z.string().optional(),
  phone: z.string().optional(),
  street: z.string().optional(),
  company: z.string().optional(),
  country: z.string().optional(),
  street2: z.string().optional(),
});

export const orderSchema = z.strictObject({
  id: z.uuid(),
  externalId: z.string().nullable(),
  customerId: z.uuid(),
  placedAt: instantReply,
  channel: z.enum(orderChannels),
  branchId: z.uuid().nullable(),
  branchName: z.string().nullable(),
  status: checked(z.enum(['completed', 'partially_refunded', 'refunded', 'cancelled'])),
  currency: z.string(),
  total: decimal,
  shippingTotal: decimal,
  discountTotal: decimal,
  taxTotal: decimal,
  refundedTotal: decimal,
  paymentStatus: z.enum(paymentStatuses).nullable(),
  billingAddress: orderAddressSchema.nullable(),
  shippingAddress: orderAddressSchema.nullable(),
  items: z.array(
    z.strictObject({
      lineNo: z.number().int(),
      sku: z.string(),
      name: z.string(),
      quantity: z.number(),
      unitPrice: decimal,
      total: decimal,
    }),
  ),
});
export const orderPageSchema = pageOf(orderSchema);

/**
 * A created order; one replayed for a retry (its Idempotency-Key) after its
 * customer was erased no longer holds the addresses.
 */
export const createdOrderSchema = orderSchema.extend({
  billingAddress: orderAddressSchema.nullable().optional(),
  shippingAddress: orderAddressSchema.nullable().optional(),
});
