import type { Messages } from '../../i18n/messages.ts';
import type { commerceEn } from './commerce.en.ts';

export const commerceHe: Messages<typeof commerceEn> = {
  orderChannels: {
    store: 'בחנות',
    web: 'באתר',
    app: 'באפליקציה',
    phone: 'בטלפון',
    whatsapp: 'בוואטסאפ',
  },
  orderDetails: {
    fields: {
      paymentStatus: 'סטטוס תשלום',
      billingName: 'חיוב: שם',
      billingCompany: 'חיוב: חברה',
      billingAddress1: 'חיוב: כתובת',
      billingAddress2: 'חיוב: כתובת, שורה 2',
      billingCity: 'חיוב: עיר',
      billingZip: 'חיוב: מיקוד',
      billingCountry: 'חיוב: ארץ',
      billingPhone: 'חיוב: טלפון',
      shippingName: 'משלוח: שם',
      shippingCompany: 'משלוח: חברה',
      shippingAddress1: 'משלוח: כתובת',
      shippingAddress2: 'משלוח: כתובת, שורה 2',
      shippingCity: 'משלוח: עיר',
      shippingZip: 'משלוח: מיקוד',
      shippingCountry: 'משלוח: ארץ',
      shippingPhone: 'משלוח: טלפון',
    },
    fixedValue: 'ערך קבוע לכל השורות',
    fixedValueFor: '{{field}}: ערך לכל השורות',
    fixedValuePlaceholder: 'הערך שכל השורות יקבלו',
    paymentStatuses: {
      pending: 'ממתין לתשלום',
      authorized: 'התשלום אושר',
      paid: 'שולם',
      partially_paid: 'שולם חלקית',
      partially_refunded: 'זוכה חלקית',
      refunded: 'זוכה',
      voided: 'בוטל',
      failed: 'התשלום נכשל',
    },
    shippedTo: 'משלוח ל{{city}}',
  },
  timeline: {
    types: {
      order_placed: 'הזמנה',
      order_refunded: 'החזר כספי',
    },
    orderSummary_one: '{{total}} · פריט אחד',
    orderSummary_two: '{{total}} · {{count}} פריטים',
    orderSummary_many: '{{total}} · {{count}} פריטים',
    orderSummary_other: '{{total}} · {{count}} פריטים',
    at: 'ב{{branch}}',
    via: '{{channel}}',
  },
};
