import { AppError, type FieldError } from '../../platform/errors.ts';
import { type CustomerField, customerFields, type OrderField, orderFields } from './imports.fields.ts';
import type { ImportKind } from './imports.tables.ts';

export { type CustomerField, customerFields, type OrderField, orderFields } from './imports.fields.ts';

export type ImportField = CustomerField | OrderField;
/** Which header of the file feeds each field. */
export type Mapping = Partial<Record<ImportField, string>>;

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

// Names people give these columns in Israeli spreadsheets and exports, in Hebrew and English.
const customerSynonyms: Record<CustomerField, string[]> = {
  externalId: ['מספר לקוח', 'מזהה לקוח', 'קוד לקוח', 'מס לקוח', 'customer id', 'customer number', 'external id', 'id'],
  firstName: ['שם פרטי', 'first name', 'given name', 'שם'],
  lastName: ['שם משפחה', 'last name', 'surname', 'family name'],
  firstNameLatin: ['שם פרטי באנגלית', 'שם פרטי לועזי', 'first name latin', 'first name english', 'latin first name'],
  lastNameLatin: ['שם משפחה באנגלית', 'שם משפחה לועזי', 'last name latin', 'last name english', 'latin last name'],
  email: ['דוא"ל', 'אימייל', 'מייל', 'דואר אלקטרוני', 'email', 'e-mail', 'mail', 'email address'],
  phone: ['טלפון', 'נייד', 'טלפון נייד', 'סלולרי', 'פלאפון', 'phone', 'mobile', 'cell', 'tel', 'phone number'],
  birthday: ['תאריך לידה', 'יום הולדת', 'birthday', 'birth date', 'date of birth', 'dob'],
  city: ['עיר', 'יישוב', 'ישוב', 'city', 'town'],
  tags: ['תגיות', 'תגים', 'תווית', 'tags', 'labels'],
  lifecycleStage: ['שלב', 'שלב לקוח', 'מחזור חיים', 'lifecycle stage', 'lifecycle', 'stage'],
  consentEmail: ['הסכמה לדוא"ל', 'הסכמה למייל', 'דיוור במייל', 'אישור דיוור', 'consent email', 'email consent'],
  consentSms: ['הסכמה ל-SMS', 'הסכמה לסמס', 'אישור SMS', 'consent sms', 'sms consent'],
  consentWhatsapp: ['הסכמה לוואטסאפ', 'הסכמה לווטסאפ', 'אישור וואטסאפ', 'consent whatsapp', 'whatsapp consent'],
};

const orderSynonyms: Record<OrderField, string[]> = {
  externalId: ['מספר הזמנה', 'מזהה הזמנה', 'הזמנה', 'מספר קבלה', 'order id', 'order number', 'order', 'external id'],
  customerExternalId: ['מספר לקוח', 'מזהה לקוח', 'קוד לקוח', 'customer id', 'customer external id', 'customer number'],
  customerEmail: ['דוא"ל לקוח', 'מייל לקוח', 'דוא"ל', 'אימייל', 'customer email', 'email'],
  customerPhone: ['טלפון לקוח', 'נייד לקוח', 'טלפון', 'נייד', 'customer phone', 'phone', 'mobile'],
  placedAt: ['תאריך הזמנה', 'תאריך', 'מועד', 'תאריך רכישה', 'placed at', 'order date', 'date', 'purchased at'],
  channel: ['ערוץ', 'ערוץ מכירה', 'channel', 'sales channel'],
  branch: ['סניף', 'חנות', 'branch', 'store', 'location'],
  sku: ['מק"ט', 'קוד מוצר', 'ברקוד', 'sku', 'product code', 'item code'],
  name: ['שם מוצר', 'מוצר', 'פריט', 'תיאור', 'product name', 'product', 'item', 'description', 'name'],
  quantity: ['כמות', 'יחידות', 'quantity', 'qty', 'units'],
  unitPrice: ['מחיר יחידה', 'מחיר', 'unit price', 'price', 'item price'],
  refundedAmount: [
    'סכום זיכוי',
    'זיכוי',
    'סכום החזר',
    'החזר',
    'refunded amount',
    'refund amount',
    'refunded',
    'refund',
  ],
  refundedAt: ['תאריך זיכוי', 'תאריך החזר', 'refunded at', 'refund date'],
};

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
    const names = [field, ...(synonyms[field] ?? [])].map(normaliseHeader);
    normalised.forEach((header, index) => {
      const rank = names.indexOf(header);
      if (rank !== -1) candidates.push({ field, rank, index });
    });
  }
  candidates.sort((a, b) => a.rank - b.rank || a.index - b.index);
  for (const c of candidates) {
    if (mapping[c.field] !== undefined || taken.has(c.index)) continue;
    mapping[c.field] = headers[c.index]!;
    taken.add(c.index);
  }
  return mapping;
}

/** Guesses what a file holds from its headers: order lines have SKUs and prices. */
export function guessKind(headers: string[]): ImportKind {
  const orders = suggestMapping('orders', headers);
  return orders.sku && (orders.unitPrice || orders.quantity) ? 'orders' : 'customers';
}

/** Field → column index, after checking every mapped header exists and every required field is mapped. */
export type ColumnIndex = Partial<Record<ImportField, number>>;

export function resolveMapping(kind: ImportKind, headers: string[], mapping: Mapping): ColumnIndex {
  const missing: FieldError[] = [];
  const index: ColumnIndex = {};
  for (const [field, header] of Object.entries(mapping) as [ImportField, string][]) {
    if (!header) continue;
    const at = headers.indexOf(header);
    if (at === -1) missing.push({ field: header, message: 'column.missing' });
    else index[field] = at;
  }
  const has = (f: ImportField) => index[f] !== undefined || missing.some((m) => m.field === mapping[f]);
  if (kind === 'orders') {
    for (const f of ['externalId', 'placedAt', 'sku', 'quantity', 'unitPrice'] as const) {
      if (!has(f)) missing.push({ field: f, message: 'column.missing' });
    }
    if (!has('customerExternalId') && !has('customerEmail') && !has('customerPhone')) {
      missing.push({ field: 'customerExternalId', message: 'column.missing' });
    }
  } else if (!(['externalId', 'firstName', 'lastName', 'email', 'phone'] as const).some(has)) {
    missing.push({ field: 'firstName', message: 'column.missing' });
  }
  if (missing.length) {
    throw new AppError('IMPORT.MISSING_COLUMNS', {
      fields: missing,
      extra: { missingColumns: missing.map((m) => m.field) },
    });
  }
  return index;
}
