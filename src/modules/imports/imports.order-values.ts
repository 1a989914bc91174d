/** What an order's cells mean: channels, payment statuses, cancellations, addresses and sums of money in their sources' words. */
import type { OrderAddress, OrderChannel, PaymentStatus } from '../commerce/commerce.service.ts';
import { orderChannels } from '../commerce/commerce.service.ts';
import type { ImportField } from './imports.mapping.ts';
import { parseConsent, parseDateTime } from './imports.values.ts';

// Keys lower-cased. Shopify's Source (web, pos, shopify_draft_order…), WooCommerce's created_via, Hebrew words.
const channelAliases: Record<string, OrderChannel> = {
  חנות: 'store',
  סניף: 'store',
  קופה: 'store',
  pos: 'store',
  'point of sale': 'store',
  אתר: 'web',
  אינטרנט: 'web',
  online: 'web',
  'online store': 'web',
  checkout: 'web',
  'store-api': 'web',
  buy_button: 'web',
  אפליקציה: 'app',
  mobile_app: 'app',
  טלפון: 'phone',
  shopify_draft_order: 'phone',
  draft_order: 'phone',
  וואטסאפ: 'whatsapp',
  ווטסאפ: 'whatsapp',
  ואטסאפ: 'whatsapp',
};

// Keys lower-cased, with dashes and spaces as underscores, "wc-" dropped. Shopify's Financial Status values,
// WooCommerce's order statuses (processing and completed are paid; on-hold awaits payment), Hebrew words.
const paymentStatusAliases: Record<string, PaymentStatus> = {
  pending: 'pending',
  pending_payment: 'pending',
  on_hold: 'pending',
  checkout_draft: 'pending',
  authorized: 'authorized',
  authorised: 'authorized',
  paid: 'paid',
  processing: 'paid',
  completed: 'paid',
  complete: 'paid',
  partially_paid: 'partially_paid',
  partially_refunded: 'partially_refunded',
  refunded: 'refunded',
  voided: 'voided',
  void: 'voided',
  expired: 'voided',
  cancelled: 'voided',
  canceled: 'voided',
  failed: 'failed',
  שולם: 'paid',
  שולמה: 'paid',
  הושלם: 'paid',
  הושלמה: 'paid',
  ממתין_לתשלום: 'pending',
  ממתינה_לתשלום: 'pending',
  זוכה: 'refunded',
  זוכתה: 'refunded',
  הוחזר: 'refunded',
  בוטל: 'voided',
  בוטלה: 'voided',
  נכשל: 'failed',
  נכשלה: 'failed',
};

/**
 * The payment status a source's word says, or null for a word it does not know: a shop's own status
 * (a WooCommerce plugin adds some) costs the order nothing, only the status goes unrecorded.
 */
export function paymentStatusOf(raw: string): PaymentStatus | null {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/^wc-/, '')
    .replace(/[-\s]+/g, '_');
  return paymentStatusAliases[key] ?? null;
}

/** The parts of an address, and the import fields that feed them for billing and for shipping. */
export type AddressPart = keyof OrderAddress;
export const billingFields = {
  name: 'billingName',
  company: 'billingCompany',
  street: 'billingAddress1',
  street2: 'billingAddress2',
  city: 'billingCity',
  zip: 'billingZip',
  country: 'billingCountry',
  phone: 'billingPhone',
} as const satisfies Record<AddressPart, ImportField>;
export const shippingFields = {
  name: 'shippingName',
  company: 'shippingCompany',
  street: 'shippingAddress1',
  street2: 'shippingAddress2',
  city: 'shippingCity',
  zip: 'shippingZip',
  country: 'shippingCountry',
  phone: 'shippingPhone',
} as const satisfies Record<AddressPart, ImportField>;
export type AddressField = (typeof billingFields)[AddressPart] | (typeof shippingFields)[AddressPart];
/** Each address field's part, for its length limit. */
export const partOf = new Map<string, AddressPart>(
  [billingFields, shippingFields].flatMap((fields) =>
    (Object.entries(fields) as [AddressPart, AddressField][]).map(([part, field]) => [field, part] as const),
  ),
);
export const addressMax: Record<AddressPart, number> = {
  name: 200,
  company: 200,
  street: 200,
  street2: 200,
  city: 100,
  zip: 20,
  country: 100,
  phone: 50,
};

/** A sum of money as a file writes it: zero or more, at most two decimals, below 10^11. */
export function isMoney(value: number | null): value is number {
  return value !== null && value >= 0 && value < 1e11 && Math.abs(value * 100 - Math.round(value * 100)) <= 1e-6;
}

const cancelledWords = new Set(['cancelled', 'canceled', 'voided', 'failed', 'בוטל', 'בוטלה', 'מבוטל', 'מבוטלת']);

/**
 * Whether a source's column says the order was cancelled: a date (Shopify's
 * "Cancelled at"), yes/כן, or a status (WooCommerce's cancelled or failed;
 * completed, processing, refunded… are not). 1 for cancelled, 0 for not.
 */
export function cancelledOf(raw: string, timeZone: string): number {
  const word = raw.trim().toLowerCase().replace(/^wc-/, '');
  if (cancelledWords.has(word) || parseConsent(word) === true) return 1;
  return parseDateTime(raw, timeZone) ? 1 : 0;
}

export function channelOf(raw: string): OrderChannel | undefined {
  const key = raw.trim().toLowerCase();
  return (orderChannels as readonly string[]).includes(key) ? (key as OrderChannel) : channelAliases[key];
}
