import type { OrderChannel } from '../commerce/commerce.service.ts';

/** The fields a file's columns can feed; the web app's mapping screen offers the same. */
export const customerFields = [
  'externalId',
  'firstName',
  'lastName',
  'firstNameLatin',
  'lastNameLatin',
  'fullName',
  'email',
  'phone',
  'birthday',
  'street',
  'city',
  'zip',
  'company',
  'homeBranch',
  'note',
  'tags',
  'lifecycleStage',
  'consentEmail',
  'consentSms',
  'consentWhatsapp',
  'emailOptOut',
] as const;
export type CustomerField = (typeof customerFields)[number];

export const orderFields = [
  'externalId',
  'customerExternalId',
  'customerEmail',
  'customerPhone',
  'placedAt',
  'channel',
  'branch',
  'currency',
  'sku',
  'name',
  'quantity',
  'unitPrice',
  'lineTotal',
  'shipping',
  'discount',
  'tax',
  'total',
  'refundedAmount',
  'refundedAt',
  'cancelled',
  'paymentStatus',
  'billingName',
  'billingCompany',
  'billingAddress1',
  'billingAddress2',
  'billingCity',
  'billingZip',
  'billingCountry',
  'billingPhone',
  'shippingName',
  'shippingCompany',
  'shippingAddress1',
  'shippingAddress2',
  'shippingCity',
  'shippingZip',
  'shippingCountry',
  'shippingPhone',
] as const;
export type OrderField = (typeof orderFields)[number];

/**
 * Fields a mapping may give one value for every row instead of a column
 * ({ "channel": { "value": "web" } }): what a whole file shares, such as the
 * channel of a web shop's export that has no channel column.
 */
export const fixedValueFields = ['channel', 'branch', 'currency', 'homeBranch'] as const;
export type FixedValueField = (typeof fixedValueFields)[number];
/** A field's value for every row of the file, in place of a column. */
export type FixedValue = { value: string };

// Every channel once (a Record over the union fails to compile when a channel is added or dropped).
const channels: Record<OrderChannel, true> = { store: true, web: true, app: true, phone: true, whatsapp: true };
/** The channels a fixed channel may be, for the mapping screen (which does not load the server's schemas). */
export const fixedChannels = Object.keys(channels) as OrderChannel[];
