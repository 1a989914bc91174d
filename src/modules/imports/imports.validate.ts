import { setImmediate as nextTurn } from 'node:timers/promises';
import { validatePhoneNumberLength } from 'libphonenumber-js';
import {
  type OrderAddress,
  type OrderChannel,
  orderChannels,
  type PaymentStatus,
} from '../commerce/commerce.service.ts';
import {
  type BulkCustomerInput,
  type ConsentChannel,
  type LifecycleStage,
  lifecycleStages,
  normaliseEmail,
  normalisePhone,
} from '../customers/customers.service.ts';
import { type OrderField, orderFields } from './imports.fields.ts';
import type { SheetRow } from './imports.file.ts';
import type { ColumnIndex, ImportField } from './imports.mapping.ts';
import type { MessageParams } from './imports.messages.ts';
import { parseConsent, parseDate, parseDateTime, parseNumber, unguard } from './imports.values.ts';

/** A row-level problem before translation: the file's row, the field it concerns, a message key and its values. */
export type RowProblem = { row: number; field: ImportField | null; key: string; params?: MessageParams };

type Reader = {
  cell(field: ImportField): string | undefined;
  problem(field: ImportField | null, key: string, params?: MessageParams): void;
};

function readerFor(row: SheetRow, columns: ColumnIndex, problems: RowProblem[]): Reader {
  return {
    cell(field) {
      const at = columns[field];
      if (at === undefined) return undefined;
      if (typeof at === 'object') return at.value;
      const raw = row.cells[at]?.trim();
      const value = raw ? unguard(raw) : raw;
      return value ? value : undefined;
    },
    problem(field, key, params) {
      problems.push(params ? { row: row.row, field, key, params } : { row: row.row, field, key });
    },
  };
}

function text(r: Reader, field: ImportField, max: number): string | undefined {
  const value = r.cell(field);
  if (value !== undefined && value.length > max) {
    r.problem(field, 'text.longer_than', { max });
    return undefined;
  }
  return value;
}

/**
 * Why a phone was refused, in words a person can act on: libphonenumber-js
 * tells too short from too long and an unknown country code.
 */
export function phoneProblem(raw: string): { key: string; params: MessageParams } {
  const value = raw.trim();
  if (!/^[\d\s\-+().]+$/.test(value)) return { key: 'phone.not_a_number', params: { value } };
  const input = value.startsWith('00') ? `+${value.slice(2)}` : value;
  const digits = input.replace(/[^\d+]/g, '');
  const phoneKind =
    digits.startsWith('+') && !digits.startsWith('+972')
      ? 'foreign'
      : /^(\+9725|05)/.test(digits)
        ? 'mobile'
        : 'landline';
  switch (validatePhoneNumberLength(input, 'IL')) {
    case 'TOO_SHORT':
      return { key: 'phone.too_short', params: { value, phoneKind } };
    case 'TOO_LONG':
      return { key: 'phone.too_long', params: { value, phoneKind } };
    case 'INVALID_COUNTRY':
      return { key: 'phone.invalid_country', params: { value } };
    case 'NOT_A_NUMBER':
      return { key: 'phone.not_a_number', params: { value } };
    default:
      return { key: 'phone.not_valid', params: { value } };
  }
}

function phone(r: Reader, field: ImportField): string | undefined {
  const value = r.cell(field);
  if (value === undefined) return undefined;
  const normalised = normalisePhone(value);
  if (normalised) return normalised;
  const { key, params } = phoneProblem(value);
  r.problem(field, key, params);
  return undefined;
}

function email(r: Reader, field: ImportField): string | undefined {
  const value = r.cell(field);
  if (value === undefined) return undefined;
  const normalised = normaliseEmail(value);
  if (normalised) return normalised;
  r.problem(field, 'email.not_valid', { value });
  return undefined;
}

// Keys compared lower-cased, with dashes and spaces as underscores ("Marketing Qualified Lead").
const stageAliases: Record<string, LifecycleStage> = {
  ליד: 'lead',
  מתעניין: 'lead',
  לקוח: 'customer',
  חוזר: 'repeat',
  לקוח_חוזר: 'repeat',
  נאמן: 'loyal',
  לקוח_נאמן: 'loyal',
  בסיכון: 'at_risk',
  אבוד: 'lost',
  לקוח_אבוד: 'lost',
  // HubSpot's stages, by label and by internal value.
  subscriber: 'lead',
  marketing_qualified_lead: 'lead',
  marketingqualifiedlead: 'lead',
  sales_qualified_lead: 'lead',
  salesqualifiedlead: 'lead',
  opportunity: 'lead',
  evangelist: 'loyal',
  other: 'lead',
};

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
type AddressPart = keyof OrderAddress;
const billingFields = {
  name: 'billingName',
  company: 'billingCompany',
  street: 'billingAddress1',
  street2: 'billingAddress2',
  city: 'billingCity',
  zip: 'billingZip',
  country: 'billingCountry',
  phone: 'billingPhone',
} as const satisfies Record<AddressPart, ImportField>;
const shippingFields = {
  name: 'shippingName',
  company: 'shippingCompany',
  street: 'shippingAddress1',
  street2: 'shippingAddress2',
  city: 'shippingCity',
  zip: 'shippingZip',
  country: 'shippingCountry',
  phone: 'shippingPhone',
} as const satisfies Record<AddressPart, ImportField>;
type AddressField = (typeof billingFields)[AddressPart] | (typeof shippingFields)[AddressPart];
/** Each address field's part, for its length limit. */
const partOf = new Map<string, AddressPart>(
  [billingFields, shippingFields].flatMap((fields) =>
    (Object.entries(fields) as [AddressPart, AddressField][]).map(([part, field]) => [field, part] as const),
  ),
);
const addressMax: Record<AddressPart, number> = {
  name: 200,
  company: 200,
  street: 200,
  street2: 200,
  city: 100,
  zip: 20,
  country: 100,
  phone: 50,
};

const consentColumns: [ImportField, ConsentChannel][] = [
  ['consentEmail', 'email'],
  ['consentSms', 'sms'],
  ['consentWhatsapp', 'whatsapp'],
];

export type ValidCustomerRow = {
  row: number;
  input: BulkCustomerInput;
  /** The home branch by name or code, as the file gives it (the pipeline finds or creates it). */
  homeBranch?: string;
};

/**
 * Validates customer rows in file order. Besides each value, it keeps the
 * file's own keys: a later row that reaches the same person as an earlier
 * one (same external id, or same email or phone without a different external
 * id) is a duplicate when identical and a conflict when not, so the outcome
 * never depends on where batches happen to split the file.
 */
/** An earlier row of the file that reached a customer: its values (as JSON) and its row number. */
type Seen = { externalId: string | undefined; json: string; row: number };

export class CustomerRowValidator {
  private readonly byExternalId = new Map<string, Seen>();
  private readonly byEmail = new Map<string, Seen>();
  private readonly byPhone = new Map<string, Seen>();

  constructor(private readonly columns: ColumnIndex) {}

  /** The valid input, 'duplicate' for a repeat of an earlier row, or null with problems recorded. */
  check(row: SheetRow, problems: RowProblem[]): ValidCustomerRow | 'duplicate' | null {
    const before = problems.length;
    const r = readerFor(row, this.columns, problems);
    const input: BulkCustomerInput = {};
    const set = <K extends keyof BulkCustomerInput>(key: K, value: BulkCustomerInput[K] | undefined) => {
      if (value !== undefined) input[key] = value;
    };
    set('externalId', text(r, 'externalId', 100));
    set('firstName', text(r, 'firstName', 100));
    set('lastName', text(r, 'lastName', 100));
    set('firstNameLatin', text(r, 'firstNameLatin', 100));
    set('lastNameLatin', text(r, 'lastNameLatin', 100));
    // A full name fills the first and last name the file does not give: "נועה בר לב" → נועה / בר לב.
    const fullName = text(r, 'fullName', 200);
    if (fullName !== undefined) {
      const [first, ...rest] = fullName.split(/\s+/);
      if (input.firstName === undefined && input.lastName === undefined) {
        if (first) input.firstName = first.slice(0, 100);
        if (rest.length) input.lastName = rest.join(' ').slice(0, 100);
      }
    }
    set('email', email(r, 'email'));
    set('phone', phone(r, 'phone'));
    const birthday = r.cell('birthday');
    if (birthday !== undefined) {
      const date = parseDate(birthday) ?? parseDateTime(birthday, 'UTC')?.toISOString().slice(0, 10) ?? null;
      if (!date) r.problem('birthday', 'date.not_valid', { value: birthday });
      else if (date < '1900-01-01' || date > new Date().toISOString().slice(0, 10)) {
        r.problem('birthday', 'birthday.out_of_range', { value: birthday });
      } else input.birthday = date;
    }
    set('street', text(r, 'street', 200));
    set('city', text(r, 'city', 100));
    set('zip', text(r, 'zip', 20));
    const company = text(r, 'company', 200);
    if (company !== undefined) input.attributes = { company };
    set('note', text(r, 'note', 5000));
    const homeBranch = text(r, 'homeBranch', 100);
    const tags = r.cell('tags');
    if (tags !== undefined) {
      const list = [
        ...new Set(
          tags
            .split(/[,;|]/)
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ];
      if (list.length > 50) r.problem('tags', 'tags.too_many');
      else if (list.some((t) => t.length > 50)) r.problem('tags', 'text.longer_than', { max: 50 });
      else input.tags = list;
    }
    const stage = r.cell('lifecycleStage');
    if (stage !== undefined) {
      const key = stage
        .trim()
        .toLowerCase()
        .replace(/[-\s]+/g, '_');
      const value = (lifecycleStages as readonly string[]).includes(key) ? (key as LifecycleStage) : stageAliases[key];
      if (value) input.lifecycleStage = value;
      else r.problem('lifecycleStage', 'stage.not_valid', { value: stage });
    }
    for (const [field, channel] of consentColumns) {
      const value = r.cell(field);
      if (value === undefined) continue;
      const granted = parseConsent(value);
      if (granted === null) r.problem(field, 'consent.not_valid', { value });
      else input.consents = { ...input.consents, [channel]: granted };
    }
    // "Unsubscribed from all email" (HubSpot): yes revokes email consent; no says nothing about consent.
    const optOut = r.cell('emailOptOut');
    if (optOut !== undefined) {
      const unsubscribed = parseConsent(optOut);
      if (unsubscribed === null) r.problem('emailOptOut', 'consent.not_valid', { value: optOut });
      else if (unsubscribed) input.consents = { ...input.consents, email: false };
    }
    if (problems.length > before) return null;
    // Nobody can find or reach a customer without a name, an email or a phone: such a row may only
    // update a customer the file names by external id, never create an empty one.
    const reachable = input.firstName || input.lastName || input.firstNameLatin || input.lastNameLatin;
    if (!reachable && !input.email && !input.phone) {
      if (!input.externalId) {
        r.problem(null, 'customer.unreachable');
        return null;
      }
      input.mustExist = true;
    }
    return this.remember(row, input, r, homeBranch);
  }

  private remember(
    row: SheetRow,
    input: BulkCustomerInput,
    r: Reader,
    homeBranch: string | undefined,
  ): ValidCustomerRow | 'duplicate' | null {
    const json = JSON.stringify([input, homeBranch]);
    const earlier =
      (input.externalId !== undefined ? this.byExternalId.get(input.externalId) : undefined) ??
      this.sameContact(this.byEmail, input.email, input.externalId) ??
      this.sameContact(this.byPhone, input.phone, input.externalId);
    if (earlier !== undefined) {
      if (earlier.json === json) return 'duplicate';
      const field = input.externalId ? 'externalId' : input.email ? 'email' : 'phone';
      r.problem(field, 'customer.contradicts', { row: earlier.row, value: r.cell(field) ?? '' });
      return null;
    }
    const seen: Seen = { externalId: input.externalId, json, row: row.row };
    if (input.externalId) this.byExternalId.set(input.externalId, seen);
    if (input.email) this.byEmail.set(input.email, seen);
    if (input.phone) this.byPhone.set(input.phone, seen);
    return homeBranch ? { row: row.row, input, homeBranch } : { row: row.row, input };
  }

  private sameContact(seen: Map<string, Seen>, key: string | undefined, externalId: string | undefined) {
    if (key === undefined) return undefined;
    const hit = seen.get(key);
    if (!hit) return undefined;
    if (externalId && hit.externalId && hit.externalId !== externalId) return undefined;
    return hit;
  }
}

/** What one order is, from the fields that belong to the order rather than to a line. */
export type OrderHead = {
  customer: { externalId?: string; email?: string; phone?: string };
  placedAt: Date;
  channel: OrderChannel;
  branch: string | null;
  currency: string | null;
  /** Money in agorot; null when the file does not give it. */
  shipping: number | null;
  discount: number | null;
  tax: number | null;
  total: number | null;
  /** What the order has been refunded in all, by the file; null when not given. */
  refundedAmount: number | null;
  refundedAt: Date | null;
  /** Cancelled in the source (not counted in the customer's orders or spend); null when the file does not say. */
  cancelled: boolean | null;
  /** As the source said; null when the file does not say (or says a word Klient does not know). */
  paymentStatus: PaymentStatus | null;
  billingAddress: OrderAddress | null;
  shippingAddress: OrderAddress | null;
};

export type OrderLine = {
  row: number;
  externalId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  /** The line's amount in agorot, as the file gives it (or quantity × unit price). */
  total: number;
};

export type OrderGroup = { externalId: string; head: OrderHead; lines: OrderLine[] };

/** A sum of money as a file writes it: zero or more, at most two decimals, below 10^11. */
function isMoney(value: number | null): value is number {
  return value !== null && value >= 0 && value < 1e11 && Math.abs(value * 100 - Math.round(value * 100)) <= 1e-6;
}

/** The lines' own fields (exports such as Shopify's write the rest on an order's first row only); every other order field belongs to the order. */
const lineFields = ['externalId', 'sku', 'name', 'quantity', 'unitPrice', 'lineTotal'] as const;
type HeadField = Exclude<OrderField, (typeof lineFields)[number]>;
const headFields = orderFields.filter(
  (field): field is HeadField => !(lineFields as readonly string[]).includes(field),
);
type HeadValue = string | number | null;
/** The order-level values a row gives, as the order keeps them. */
type HeadValues = Partial<Record<HeadField, HeadValue>>;

/** One row's order-level values (those it gives) and its line, or null for the line when a problem was recorded. */
type CheckedRow = {
  row: number;
  key: string | undefined;
  head: HeadValues;
  /** The line (its externalId filled in when grouped), or null when the row has a problem. */
  line: OrderLine | null;
};

const cancelledWords = new Set(['cancelled', 'canceled', 'voided', 'failed', 'בוטל', 'בוטלה', 'מבוטל', 'מבוטלת']);

/**
 * Whether a source's column says the order was cancelled: a date (Shopify's
 * "Cancelled at"), yes/כן, or a status (WooCommerce's cancelled or failed;
 * completed, processing, refunded… are not). 1 for cancelled, 0 for not.
 */
function cancelledOf(raw: string, timeZone: string): number {
  const word = raw.trim().toLowerCase().replace(/^wc-/, '');
  if (cancelledWords.has(word) || parseConsent(word) === true) return 1;
  return parseDateTime(raw, timeZone) ? 1 : 0;
}

function channelOf(raw: string): OrderChannel | undefined {
  const key = raw.trim().toLowerCase();
  return (orderChannels as readonly string[]).includes(key) ? (key as OrderChannel) : channelAliases[key];
}

/** One order-level value as the order keeps it (money in agorot, times in ms); undefined with a problem recorded. */
function headValue(field: HeadField, raw: string, r: Reader, timeZone: string): HeadValue | undefined {
  const part = partOf.get(field);
  if (part) {
    // An address as written (a phone too: it is the address's, not a key to find the customer by).
    if (raw.length <= addressMax[part]) return raw;
    r.problem(field, 'text.longer_than', { max: addressMax[part] });
    return undefined;
  }
  switch (field) {
    case 'customerExternalId':
    case 'branch':
      if (raw.length <= 100) return raw;
      r.problem(field, 'text.longer_than', { max: 100 });
      return undefined;
    case 'customerEmail':
      return email(r, field);
    case 'customerPhone':
      return phone(r, field);
    case 'placedAt':
    case 'refundedAt': {
      const at = parseDateTime(raw, timeZone);
      if (at) return at.getTime();
      r.problem(field, 'date.not_valid', { value: raw });
      return undefined;
    }
    case 'cancelled':
      return cancelledOf(raw, timeZone);
    case 'paymentStatus':
      return paymentStatusOf(raw);
    case 'channel': {
      const channel = channelOf(raw);
      if (channel) return channel;
      r.problem(field, 'channel.not_valid', { value: raw });
      return undefined;
    }
    case 'currency': {
      const code = raw.trim().toUpperCase();
      if (/^[A-Z]{3}$/.test(code)) return code;
      r.problem(field, 'currency.not_valid', { value: raw });
      return undefined;
    }
    default: {
      const n = parseNumber(raw);
      if (isMoney(n)) return Math.round(n * 100);
      r.problem(field, 'number.not_valid', { value: raw });
      return undefined;
    }
  }
}

function checkOrderRow(row: SheetRow, columns: ColumnIndex, timeZone: string, problems: RowProblem[]): CheckedRow {
  const before = problems.length;
  const r = readerFor(row, columns, problems);
  const key = text(r, 'externalId', 100);
  if (r.cell('externalId') === undefined) r.problem('externalId', 'cell.required', { field: 'externalId' });
  const head: CheckedRow['head'] = {};
  for (const field of headFields) {
    const raw = r.cell(field);
    if (raw === undefined) continue;
    const value = headValue(field, raw, r, timeZone);
    if (value !== undefined) head[field] = value;
  }
  // The line. A product without a SKU (Shopify allows it) is known by its name.
  const name = text(r, 'name', 300);
  const sku = text(r, 'sku', 100) ?? name?.slice(0, 100);
  if (!sku) r.problem('sku', 'cell.required', { field: 'sku' });
  const quantityRaw = r.cell('quantity');
  const quantity = quantityRaw === undefined ? null : parseNumber(quantityRaw);
  const quantityOk =
    quantity !== null && quantity > 0 && quantity <= 1_000_000 && Math.round(quantity * 1000) === quantity * 1000;
  if (quantityRaw === undefined) r.problem('quantity', 'cell.required', { field: 'quantity' });
  else if (!quantityOk) r.problem('quantity', 'quantity.not_valid', { value: quantityRaw });
  const priceRaw = r.cell('unitPrice');
  const lineRaw = r.cell('lineTotal');
  const price = priceRaw === undefined ? null : parseNumber(priceRaw);
  const lineTotal = lineRaw === undefined ? null : parseNumber(lineRaw);
  if (priceRaw !== undefined && !isMoney(price)) r.problem('unitPrice', 'number.not_valid', { value: priceRaw });
  if (lineRaw !== undefined && !isMoney(lineTotal)) r.problem('lineTotal', 'number.not_valid', { value: lineRaw });
  if (priceRaw === undefined && lineRaw === undefined) {
    const field = columns.unitPrice !== undefined ? 'unitPrice' : 'lineTotal';
    r.problem(field, 'cell.required', { field });
  }
  if (problems.length > before || !sku || !quantityOk || quantity === null)
    return { row: row.row, key, head, line: null };
  // The line total as the file writes it wins (WooCommerce gives only that); the unit price is then derived.
  const total = isMoney(lineTotal) ? Math.round(lineTotal * 100) : Math.round(Math.round(price! * 100) * quantity);
  const unitPrice = isMoney(price) ? price : Math.round(total / quantity) / 100;
  const line: OrderLine = { row: row.row, externalId: '', sku, name: name ?? sku, quantity, unitPrice, total };
  return { row: row.row, key, head, line };
}

/** Who the order's first row names as the customer, for a problem that concerns the customer key. */
function customerField(columns: ColumnIndex): ImportField {
  if (columns.customerExternalId !== undefined) return 'customerExternalId';
  return columns.customerEmail !== undefined ? 'customerEmail' : 'customerPhone';
}

/**
 * Groups order rows by the order's external id (wherever its rows are in the
 * file). The order-level fields (customer, date, channel, branch, money) are
 * taken from the rows that give them, so an export that writes them on the
 * first row only (Shopify) imports whole; a later row that gives another value
 * contradicts the earlier one and is reported naming the column and both
 * values. An order with any bad row is rejected whole: its other rows get a
 * problem too.
 */
export async function groupOrderLines(
  rows: SheetRow[],
  columns: ColumnIndex,
  timeZone: string,
  problems: RowProblem[],
): Promise<{ orders: OrderGroup[]; rejectedRows: number }> {
  const groups = new Map<string, Group>();
  // The value as the file writes it, for a message that quotes it.
  const rawOf = (row: SheetRow, field: HeadField) => {
    const at = columns[field]!;
    return typeof at === 'object' ? at.value : unguard(row.cells[at]?.trim() ?? '');
  };
  let checkedRows = 0;
  for (const row of rows) {
    // A file's worth of rows is seconds of work: other requests get a turn every few thousand.
    if (++checkedRows % 2000 === 0) await nextTurn();
    const before = problems.length;
    const checked = checkOrderRow(row, columns, timeZone, problems);
    const at = columns.externalId;
    const key = checked.key ?? (typeof at === 'number' ? row.cells[at]?.trim() : undefined);
    if (!key) continue;
    let group = groups.get(key);
    if (!group) {
      // Most orders take every order-level value from their first row: its values are the order's.
      group = { lines: [], first: row, values: checked.head, from: null, troubled: null, bad: false };
      groups.set(key, group);
    } else {
      for (const name in checked.head) {
        const field = name as HeadField;
        const value = checked.head[field]!;
        if (!(field in group.values)) {
          group.values[field] = value;
          group.from ??= {};
          group.from[field] = row;
        } else if (group.values[field] !== value) {
          const earlier = group.from?.[field] ?? group.first;
          problems.push({
            row: row.row,
            field,
            key: 'order.contradicts',
            params: { value: rawOf(row, field), earlier: rawOf(earlier, field), row: earlier.row },
          });
        }
      }
    }
    if (problems.length > before) {
      group.troubled ??= new Set();
      group.troubled.add(row.row);
      group.bad = true;
    } else if (!checked.line) group.bad = true;
    else {
      checked.line.externalId = key;
      group.lines.push(checked.line);
    }
  }
  const orders: OrderGroup[] = [];
  let rejectedRows = 0;
  for (const [key, group] of groups) {
    const first = group.first.row;
    const h = group.values;
    if (!group.bad && h.placedAt === undefined) {
      problems.push({ row: first, field: 'placedAt', key: 'order.required_field', params: { field: 'placedAt' } });
      group.troubled ??= new Set();
      group.troubled.add(first);
      group.bad = true;
    }
    if (!group.bad && !h.customerExternalId && !h.customerEmail && !h.customerPhone) {
      problems.push({ row: first, field: customerField(columns), key: 'order.customer_key_required' });
      group.troubled ??= new Set();
      group.troubled.add(first);
      group.bad = true;
    }
    if (group.bad) {
      rejectedRows += reject(group, 'externalId', 'order.rejected', problems);
      continue;
    }
    const customer: OrderHead['customer'] = {};
    if (h.customerExternalId) customer.externalId = h.customerExternalId as string;
    if (h.customerEmail) customer.email = h.customerEmail as string;
    if (h.customerPhone) customer.phone = h.customerPhone as string;
    const head: OrderHead = {
      customer,
      placedAt: new Date(h.placedAt as number),
      channel: (h.channel as OrderChannel | undefined) ?? 'store',
      branch: (h.branch as string | undefined) ?? null,
      currency: (h.currency as string | undefined) ?? null,
      shipping: (h.shipping as number | undefined) ?? null,
      discount: (h.discount as number | undefined) ?? null,
      tax: (h.tax as number | undefined) ?? null,
      total: (h.total as number | undefined) ?? null,
      refundedAmount: (h.refundedAmount as number | undefined) ?? null,
      refundedAt: h.refundedAt === undefined ? null : new Date(h.refundedAt as number),
      cancelled: h.cancelled === undefined ? null : h.cancelled === 1,
      paymentStatus: (h.paymentStatus as PaymentStatus | null | undefined) ?? null,
      billingAddress: addressOf(h, billingFields),
      shippingAddress: addressOf(h, shippingFields),
    };
    // A refund is of the order's own money: never more than its total.
    if (head.refundedAmount !== null && head.refundedAmount > orderTotal(head, group.lines)) {
      rejectedRows += reject(group, 'refundedAmount', 'refund.exceeds_total', problems);
      continue;
    }
    orders.push({ externalId: key, head, lines: group.lines });
  }
  return { orders, rejectedRows };
}

/** The address the order-level values give, or null when they give no part of it. */
function addressOf(h: HeadValues, fields: Record<AddressPart, HeadField>): OrderAddress | null {
  const address: OrderAddress = {};
  for (const [part, field] of Object.entries(fields) as [AddressPart, HeadField][]) {
    const value = h[field];
    if (typeof value === 'string' && value !== '') address[part] = value;
  }
  return Object.keys(address).length ? address : null;
}

/** An order's rows while the file is read. */
type Group = {
  lines: OrderLine[];
  /** The order's first row: the order-level values come from it unless `from` names a later one. */
  first: SheetRow;
  values: HeadValues;
  from: Partial<Record<HeadField, SheetRow>> | null;
  /** Rows with a problem of their own (made on the first one): the rest of a rejected order get the reason. */
  troubled: Set<number> | null;
  bad: boolean;
};

/** Reports every line of a rejected order (its rows with a problem of their own have one); returns its row count. */
function reject(group: Group, field: ImportField, key: string, problems: RowProblem[]): number {
  for (const line of group.lines) if (!group.troubled?.has(line.row)) problems.push({ row: line.row, field, key });
  return group.lines.length + (group.troubled?.size ?? 0);
}

/**
 * The order's total in agorot: the file's own figure when it gives one (it
 * already holds shipping, discounts and any taxes on top, as the source system
 * counted them); otherwise the lines, less the discount, plus shipping (prices
 * in Israel include VAT, so the tax column is not added again).
 */
export function orderTotal(head: OrderHead, lines: { total: number }[]): number {
  if (head.total !== null) return head.total;
  const items = lines.reduce((sum, l) => sum + l.total, 0);
  return Math.max(0, items - (head.discount ?? 0) + (head.shipping ?? 0));
}
