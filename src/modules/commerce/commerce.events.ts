import { z } from 'zod';
import { defineEvent } from '../../platform/events.ts';

/** A decimal amount in shekels, as orders keep it ("42.00"); never a float. */
const money = z.string().regex(/^-?\d+(\.\d{1,2})?$/);

/** What the commerce module announces; loyalty earns on order.placed and takes back on order.refunded. */
export const orderPlaced = defineEvent(
  'order.placed',
  z.object({
    orderId: z.uuid(),
    externalId: z.string(),
    customerId: z.uuid(),
    total: money,
    // When the customer bought (an imported order's date, not the import's); events stored before it was added lack it.
    placedAt: z.coerce.date().optional(),
  }),
);
export const orderRefunded = defineEvent(
  'order.refunded',
  z.object({ orderId: z.uuid(), customerId: z.uuid(), amount: money }),
);
