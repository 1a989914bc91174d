import { z } from 'zod';

export const orderChannels = ['store', 'web', 'app', 'phone', 'whatsapp'] as const;

const money = z.union([z.number(), z.string().regex(/^-?\d+(\.\d{1,2})?$/)]).transform((v) => Number(v));

export const createProductBody = z
  .object({
    sku: z.string().trim().min(1).max(100),
    name: z.string().trim().min(1).max(300),
    category: z.string().trim().max(100).nullable().optional(),
    price: money.nullable().optional(),
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
    placedAt: z.iso.datetime({ offset: true }),
    channel: z.enum(orderChannels),
    branch: z.string().trim().min(1).max(100).nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    items: z.array(orderItemBody).min(1).max(500),
    // What the order charged besides its lines; the total is the lines, less the discount, plus shipping
    // (prices in Israel include VAT: the tax is what the total holds, not added to it).
    shipping: money.refine((v) => v >= 0 && v < 1e11).optional(),
    discount: money.refine((v) => v >= 0 && v < 1e11).optional(),
    tax: money.refine((v) => v >= 0 && v < 1e11).optional(),
  })
  .strict();
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const refundBody = z
  .object({
    amount: money.refine((v) => v > 0),
    reason: z.string().trim().max(500).nullable().optional(),
    externalId: z.string().trim().min(1).max(100).optional(),
    refundedAt: z.iso.datetime({ offset: true }).optional(),
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
