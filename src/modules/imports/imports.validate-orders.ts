/** Order rows: each one checked, then grouped into orders by external id, and an order's total. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { OrderAddress, OrderChannel, PaymentStatus } from '../commerce/commerce.service.ts';
import { type OrderField, orderFields } from './imports.fields.ts';
import type { ColumnIndex, ImportField } from './imports.mapping.ts';
import {
  type AddressPart,
  addressMax,
  billingFields,
  cancelledOf,
  channelOf,
  isMoney,
  partOf,
  paymentStatusOf,
  shippingFields,
} from './imports.order-values.ts';
import type { SheetRow } from './imports.sheet.ts';
import { email, phone, type Reader, type RowProblem, readerFor, text } from './imports.validate.ts';
import { parseDateTime, parseNumber, unguard } from './imports.values.ts';

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
