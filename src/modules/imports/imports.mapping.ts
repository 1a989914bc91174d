import { AppError, type FieldError } from '../../platform/errors.ts';
import { orderChannels } from '../commerce/commerce.service.ts';
import {
  type CustomerField,
  customerFields,
  type FixedValue,
  type FixedValueField,
  fixedValueFields,
  type OrderField,
  orderFields,
} from './imports.fields.ts';
import type { ImportKind } from './imports.tables.ts';

export {
  type CustomerField,
  customerFields,
  type FixedValue,
  fixedValueFields,
  type OrderField,
  orderFields,
} from './imports.fields.ts';

export type ImportField = CustomerField | OrderField;
/** Which header of the file feeds each field, or one value for every row (fixedValueFields only). */
export type Mapping = Partial<Record<ImportField, string | FixedValue>>;

export function isFixedValue(source: string | FixedValue | undefined): source is FixedValue {
  return typeof source === 'object' && source !== null;
}

/** The header a mapping names for a field; undefined for a fixed value or no mapping. */
export function headerOf(mapping: Mapping, field: ImportField): string | undefined {
  const source = mapping[field];
  return typeof source === 'string' && source !== '' ? source : undefined;
}

/**
 * Why a fixed value cannot be taken for a field, as a field message key; null when it can. A channel is
 * one of Klient's channels, a currency a three-letter code, a branch a name of up to 100 characters.
 */
export function fixedValueProblem(field: string, value: unknown): 'invalid_type' | 'invalid_value' | null {
  if (!(fixedValueFields as readonly string[]).includes(field)) return 'invalid_type';
  if (typeof value !== 'string') return 'invalid_type';
  const v = value.trim();
  switch (field as FixedValueField) {
    case 'channel':
      return (orderChannels as readonly string[]).includes(v) ? null : 'invalid_value';
    case 'currency':
      return /^[A-Z]{3}$/.test(v) ? null : 'invalid_value';
    default:
      return v.length >= 1 && v.length <= 100 ? null : 'invalid_value';
  }
}

export function fieldsOf(kind: ImportKind): readonly ImportField[] {
  return kind === 'customers' ? customerFields : orderFields;
}

/** Headers compared without case, spaces, punctuation or Hebrew gershayim: "דוא״ל" = 'דוא"ל' = "דואל". */
export function normaliseHeader(header: string): string {
  return header
    .toLowerCase()
    .replace(/[\s_\-.'"״׳`()[\]:/\\*#]/g, '')
    .trim();
}

// Names people give these columns in Israeli spreadsheets and in the exports of the systems shops move from,
// in Hebrew and English: Shopify's customers and orders exports ("Accepts Email Marketing", "Lineitem sku",
// "Default Address Zip"), WooCommerce's Customer / Order CSV Export (billing_phone, item_quantity,
// order_total) and HubSpot's contacts export ("Record ID", "Phone Number", "Unsubscribed from all email").
// Headers are compared normalised (normaliseHeader), so billing_phone = "Billing Phone". The earlier a name
// in its list, the stronger the match (suggestMapping).
//
// Hebrew headers of those exports (searched for, 2026-12-01): WooCommerce's Customer/Order CSV Export writes
// its column keys as they are in every language (SkyVerge's CSV_Export_Format_Definition::
// get_predefined_formats: 'billing_phone' => 'billing_phone', no __()), so a Hebrew site's order export has
// the English headers listed here. WooCommerce's own Analytics downloads (the customers report) do translate
// theirs (woocommerce/woocommerce, Admin/API/Reports/Customers/Controller::get_export_columns: __( 'Name',
// 'woocommerce' )…), but their he_IL strings live on translate.wordpress.org, which could not be read from
// here; no source was found either for Shopify or HubSpot writing localised export headers. So no Hebrew
// header of these systems is listed: the Hebrew names below are what people call the columns in their own
// spreadsheets, not a system's translation.
const customerSynonyms: Record<CustomerField, string[]> = {
  externalId: [
    'מספר לקוח',
    'מזהה לקוח',
    'קוד לקוח',
    'מס לקוח',
    'customer id',
    'customer number',
    'external id',
    'record id',
    'contact id',
    'user id',
    'id',
  ],
  firstName: ['שם פרטי', 'first name', 'given name', 'billing first name', 'שם'],
  lastName: ['שם משפחה', 'last name', 'surname', 'family name', 'billing last name'],
  firstNameLatin: ['שם פרטי באנגלית', 'שם פרטי לועזי', 'first name latin', 'first name english', 'latin first name'],
  lastNameLatin: ['שם משפחה באנגלית', 'שם משפחה לועזי', 'last name latin', 'last name english', 'latin last name'],
  fullName: ['שם מלא', 'שם הלקוח', 'full name', 'customer name', 'name', 'contact name', 'billing name'],
  email: ['דוא"ל', 'אימייל', 'מייל', 'דואר אלקטרוני', 'email', 'e-mail', 'mail', 'email address', 'billing email'],
  phone: [
    'טלפון',
    'נייד',
    'טלפון נייד',
    'סלולרי',
    'פלאפון',
    'phone',
    'mobile',
    'cell',
    'tel',
    'phone number',
    'mobile phone number',
    'billing phone',
    'default address phone',
  ],
  birthday: ['תאריך לידה', 'יום הולדת', 'birthday', 'birth date', 'date of birth', 'dob'],
  street: [
    'רחוב',
    'כתובת',
    'כתובת מגורים',
    'street',
    'address',
    'street address',
    'address1',
    'address 1',
    'default address address1',
    'billing address 1',
  ],
  city: ['עיר', 'יישוב', 'ישוב', 'city', 'town', 'default address city', 'billing city'],
  zip: ['מיקוד', 'zip', 'zip code', 'postal code', 'postcode', 'default address zip', 'billing postcode'],
  company: [
    'חברה',
    'שם חברה',
    'עסק',
    'שם העסק',
    'company',
    'company name',
    'organization',
    'default address company',
    'billing company',
  ],
  homeBranch: ['סניף בית', 'סניף', 'חנות', 'home branch', 'branch', 'store', 'preferred store'],
  note: ['הערות', 'הערה', 'note', 'notes', 'customer note'],
  tags: ['תגיות', 'תגים', 'תווית', 'tags', 'labels'],
  lifecycleStage: ['שלב', 'שלב לקוח', 'מחזור חיים', 'lifecycle stage', 'lifecycle', 'stage'],
  consentEmail: [
    'הסכמה לדוא"ל',
    'הסכמה למייל',
    'דיוור במייל',
    'אישור דיוור',
    'consent email',
    'email consent',
    'accepts email marketing',
    'accepts marketing',
    'email marketing consent',
  ],
  consentSms: [
    'הסכמה ל-SMS',
    'הסכמה לסמס',
    'אישור SMS',
    'consent sms',
    'sms consent',
    'accepts sms marketing',
    'sms marketing consent',
  ],
  consentWhatsapp: ['הסכמה לוואטסאפ', 'הסכמה לווטסאפ', 'אישור וואטסאפ', 'consent whatsapp', 'whatsapp consent'],
  emailOptOut: [
    'הוסר מדיוור',
    'הסרה מדיוור',
    'unsubscribed from all email',
    'email opt out',
    'opted out of all email',
    'unsubscribed',
  ],
};

const orderSynonyms: Record<OrderField, string[]> = {
  externalId: [
    'מספר הזמנה',
    'מזהה הזמנה',
    'הזמנה',
    'מספר קבלה',
    'order id',
    'order number',
    'order',
    'external id',
    'order name',
    'order no',
    'number',
    'name',
  ],
  customerExternalId: ['מספר לקוח', 'מזהה לקוח', 'קוד לקוח', 'customer id', 'customer external id', 'customer number'],
  customerEmail: ['דוא"ל לקוח', 'מייל לקוח', 'דוא"ל', 'אימייל', 'customer email', 'email', 'billing email'],
  customerPhone: ['טלפון לקוח', 'נייד לקוח', 'טלפון', 'נייד', 'customer phone', 'phone', 'mobile', 'billing phone'],
  placedAt: [
    'תאריך הזמנה',
    'תאריך',
    'מועד',
    'תאריך רכישה',
    'placed at',
    'order date',
    'date',
    'purchased at',
    'created at',
    'date created',
  ],
  channel: ['ערוץ', 'ערוץ מכירה', 'channel', 'sales channel', 'source', 'source name', 'created via'],
  branch: ['סניף', 'חנות', 'branch', 'store', 'location', 'pos location'],
  currency: ['מטבע', 'currency', 'order currency'],
  sku: ['מק"ט', 'קוד מוצר', 'ברקוד', 'sku', 'product code', 'item code', 'lineitem sku', 'item sku'],
  name: [
    'שם מוצר',
    'מוצר',
    'פריט',
    'תיאור',
    'product name',
    'lineitem name',
    'item name',
    'product',
    'item',
    'description',
    'name',
  ],
  quantity: ['כמות', 'יחידות', 'quantity', 'qty', 'units', 'lineitem quantity', 'item quantity'],
  unitPrice: ['מחיר יחידה', 'מחיר', 'unit price', 'price', 'item price', 'lineitem price'],
  lineTotal: ['סה"כ שורה', 'סכום שורה', 'line total', 'line subtotal', 'item subtotal', 'item total'],
  shipping: ['משלוח', 'דמי משלוח', 'shipping', 'shipping total', 'shipping cost', 'delivery'],
  discount: ['הנחה', 'סכום הנחה', 'discount', 'discount amount', 'discount total', 'cart discount'],
  tax: ['מע"מ', 'מס', 'tax', 'taxes', 'tax total', 'vat'],
  total: ['סה"כ', 'סה"כ הזמנה', 'סכום הזמנה', 'סה"כ לתשלום', 'total', 'order total', 'grand total'],
  refundedAmount: [
    'סכום זיכוי',
    'זיכוי',
    'סכום החזר',
    'החזר',
    'refunded amount',
    'refund amount',
    'refunded',
    'refund',
    'refunded total',
  ],
  refundedAt: ['תאריך זיכוי', 'תאריך החזר', 'refunded at', 'refund date'],
  // Shopify's "Cancelled at" (a date when cancelled), WooCommerce's status (cancelled, failed, completed…).
  cancelled: [
    'בוטל',
    'תאריך ביטול',
    'סטטוס הזמנה',
    'סטטוס',
    'cancelled at',
    'canceled at',
    'cancelled',
    'order status',
    'status',
  ],
  // Shopify's "Financial Status" (paid, partially_refunded…), WooCommerce's status (completed, processing…).
  paymentStatus: [
    'סטטוס תשלום',
    'מצב תשלום',
    'סטטוס הזמנה',
    'סטטוס',
    'financial status',
    'payment status',
    'order status',
    'status',
  ],
  // Shopify's "Billing Name", "Billing Address1"… and WooCommerce's billing_full_name, billing_address_1…
  billingName: ['שם לחיוב', 'billing name', 'billing full name'],
  billingCompany: ['חברה לחיוב', 'billing company'],
  billingAddress1: ['כתובת לחיוב', 'billing address1', 'billing address 1', 'billing street'],
  billingAddress2: ['billing address2', 'billing address 2'],
  billingCity: ['עיר לחיוב', 'billing city'],
  billingZip: ['מיקוד לחיוב', 'billing zip', 'billing postcode', 'billing postal code'],
  billingCountry: ['ארץ לחיוב', 'billing country', 'billing country code'],
  billingPhone: ['טלפון לחיוב', 'billing phone'],
  shippingName: ['שם למשלוח', 'shipping name', 'shipping full name'],
  shippingCompany: ['חברה למשלוח', 'shipping company'],
  shippingAddress1: ['כתובת למשלוח', 'shipping address1', 'shipping address 1', 'shipping street'],
  shippingAddress2: ['shipping address2', 'shipping address 2'],
  shippingCity: ['עיר למשלוח', 'shipping city'],
  shippingZip: ['מיקוד למשלוח', 'shipping zip', 'shipping postcode', 'shipping postal code'],
  shippingCountry: ['ארץ למשלוח', 'shipping country', 'shipping country code'],
  shippingPhone: ['טלפון למשלוח', 'shipping phone'],
};

/**
 * Fields that may read a column another field already reads: WooCommerce's billing_phone is both the
 * customer's phone and the billing address's, and its status says both the payment and a cancellation.
 */
const sharingFields = new Set<ImportField>(['billingPhone', 'shippingPhone', 'cancelled']);

/**
 * WooCommerce's order export (Customer/Order CSV Export's default columns) by headers no other system
 * writes together. It has no channel column: every order in it was placed on the web shop.
 */
function isWooCommerceOrderExport(normalised: string[]): boolean {
  const has = new Set(normalised);
  return ['orderid', 'ordernumber', 'billingfirstname', 'itemsku'].every((h) => has.has(h));
}

function synonymsOf(kind: ImportKind): Record<string, string[]> {
  return kind === 'customers' ? customerSynonyms : orderSynonyms;
}

/** Guesses which header feeds each field; each header is used once, the closest name winning. */
export function suggestMapping(kind: ImportKind, headers: string[]): Mapping {
  const synonyms = synonymsOf(kind);
  const normalised = headers.map((h) => normaliseHeader(h));
  const mapping: Mapping = {};
  const taken = new Set<number>();
  // Rank by synonym position across all fields, so "מספר לקוח" goes to externalId before "שם" grabs anything.
  const candidates: { field: ImportField; rank: number; index: number }[] = [];
  for (const field of fieldsOf(kind)) {
    // A file written with Klient's own keys matches first ("externalId", "unitPrice"); a one-word key is a
    // word like any other, after the synonyms: "name" is a product name only when no "Lineitem name" is.
    const own = /[A-Z]/.test(field);
    const names = (own ? [field, ...(synonyms[field] ?? [])] : [...(synonyms[field] ?? []), field]).map(
      normaliseHeader,
    );
    normalised.forEach((header, index) => {
      const rank = names.indexOf(header);
      if (rank !== -1) candidates.push({ field, rank, index });
    });
  }
  candidates.sort((a, b) => a.rank - b.rank || a.index - b.index);
  for (const c of candidates) {
    if (sharingFields.has(c.field) || mapping[c.field] !== undefined || taken.has(c.index)) continue;
    mapping[c.field] = headers[c.index]!;
    taken.add(c.index);
  }
  // Then the fields that may share a column, each with its closest name, taken or not.
  for (const c of candidates) {
    if (!sharingFields.has(c.field) || mapping[c.field] !== undefined) continue;
    mapping[c.field] = headers[c.index]!;
    taken.add(c.index);
  }
  if (kind === 'orders' && mapping.channel === undefined && isWooCommerceOrderExport(normalised)) {
    (mapping as Partial<Record<OrderField, string | FixedValue>>).channel = { value: 'web' };
  }
  // One "name" column and no last name (WooCommerce's customers report, many spreadsheets): a full name.
  if (kind === 'customers') {
    const customers = mapping as Partial<Record<CustomerField, string>>;
    if (customers.firstName && !customers.lastName && !customers.fullName) {
      if (['שם', 'name'].includes(normaliseHeader(customers.firstName))) {
        customers.fullName = customers.firstName;
        delete customers.firstName;
      }
    }
  }
  return mapping;
}

/** Guesses what a file holds from its headers: order lines have SKUs or product names, and prices or quantities. */
export function guessKind(headers: string[]): ImportKind {
  const orders = suggestMapping('orders', headers);
  return orders.sku && (orders.unitPrice || orders.quantity || orders.lineTotal) ? 'orders' : 'customers';
}

/**
 * Field → column index (or the fixed value every row takes), after checking every mapped header exists
 * and every required field is mapped.
 */
export type ColumnIndex = Partial<Record<ImportField, number | FixedValue>>;

/** What a mapping lacks: a field none of the file's columns feeds, or a header the file does not have. */
export type MappingProblem =
  | { field: ImportField; key: 'column.required' | 'column.required_customer' | 'column.required_price' }
  | { field: ImportField; key: 'column.not_in_file'; header: string };

export function resolveMapping(kind: ImportKind, headers: string[], mapping: Mapping): ColumnIndex {
  const problems: MappingProblem[] = [];
  const index: ColumnIndex = {};
  const known = new Set<string>(fieldsOf(kind));
  for (const [field, source] of Object.entries(mapping) as [ImportField, string | FixedValue][]) {
    if (!source || !known.has(field)) continue;
    if (isFixedValue(source)) {
      // Checked where the mapping comes in (the API); one stored before is taken as it is.
      if (fixedValueProblem(field, source.value) === null) index[field] = { value: source.value.trim() };
      continue;
    }
    const at = headers.indexOf(source);
    if (at === -1) problems.push({ field, key: 'column.not_in_file', header: source });
    else index[field] = at;
  }
  // A field mapped to a header the file lacks is reported as such, not again as unmapped.
  const has = (f: ImportField) => mapping[f] !== undefined && mapping[f] !== '';
  if (kind === 'orders') {
    for (const field of ['externalId', 'placedAt', 'sku', 'quantity'] as const) {
      if (!has(field)) problems.push({ field, key: 'column.required' });
    }
    if (!has('unitPrice') && !has('lineTotal')) problems.push({ field: 'unitPrice', key: 'column.required_price' });
    if (!has('customerExternalId') && !has('customerEmail') && !has('customerPhone')) {
      problems.push({ field: 'customerEmail', key: 'column.required_customer' });
    }
  } else if (!(['externalId', 'firstName', 'lastName', 'fullName', 'email', 'phone'] as const).some(has)) {
    problems.push({ field: 'firstName', key: 'column.required_customer' });
  }
  if (problems.length) {
    throw new AppError('IMPORT.MISSING_COLUMNS', {
      fields: problems.map((p): FieldError => ({ field: p.field, message: p.key })),
      extra: {
        missingColumns: problems.map((p) => p.field),
        mappingProblems: problems,
        importKind: kind,
      },
    });
  }
  return index;
}
