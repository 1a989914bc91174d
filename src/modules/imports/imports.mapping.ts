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
import { normaliseHeader, synonymsOf } from './imports.synonyms.ts';
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
