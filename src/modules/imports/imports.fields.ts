/** The fields a file's columns can feed; the web app's mapping screen offers the same. */
export const customerFields = [
  'externalId',
  'firstName',
  'lastName',
  'firstNameLatin',
  'lastNameLatin',
  'email',
  'phone',
  'birthday',
  'city',
  'tags',
  'lifecycleStage',
  'consentEmail',
  'consentSms',
  'consentWhatsapp',
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
  'sku',
  'name',
  'quantity',
  'unitPrice',
  'refundedAmount',
  'refundedAt',
] as const;
export type OrderField = (typeof orderFields)[number];
