import { defineModule } from '../../platform/module.ts';
import { commerceMigrations } from './commerce.migrations.ts';
import { commerceRoutes } from './commerce.routes.ts';
import { commerceSegmentFields } from './commerce.segment-fields.ts';
import { commerceCustomerHooks } from './commerce.service.ts';

/** Commerce: products, orders with their lines, refunds, and each customer's totals. */
export const commerceModule = defineModule({
  name: 'commerce',
  segmentFields: commerceSegmentFields,
  migrations: commerceMigrations,
  permissions: {
    'commerce.read': ['owner', 'admin', 'agent', 'marketer', 'analyst'],
    'commerce.write': ['owner', 'admin'],
  },
  errors: {
    'ORDER.NOT_FOUND': { status: 404, he: 'ההזמנה לא נמצאה', en: 'Order not found' },
    'ORDER.CUSTOMER_NOT_FOUND': {
      status: 400,
      he: 'הלקוח של ההזמנה לא נמצא',
      en: "The order's customer was not found",
    },
    'ORDER.REFUND_EXCEEDS_TOTAL': {
      status: 422,
      he: 'סכום הזיכוי גדול מהיתרה שלא זוכתה בהזמנה',
      en: 'The refund is larger than what is left to refund on the order',
    },
    'ORDER.REFUND_ID_TAKEN': {
      status: 409,
      he: 'מזהה הזיכוי כבר שימש לזיכוי בהזמנה אחרת',
      en: 'This refund id was already used for a refund on another order',
    },
  },
  timeline: {
    // A refund's reason is free text.
    recorded: { 'order.refunded': { personalData: true } },
    // klient_order_events (migrations 0004, 0015): the orders themselves; the erase hook blanks their addresses.
    sources: { 'commerce.orders': { eventTypes: ['order.placed'] } },
  },
  routes: async (api, { db }) => {
    await api.register(commerceRoutes, { db });
  },
  customerHooks: commerceCustomerHooks,
});
