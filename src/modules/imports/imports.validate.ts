import { orderChannels } from '../commerce/commerce.schemas.ts';
import type { OrderChannel } from '../commerce/commerce.tables.ts';
import type { BulkCustomerInput } from '../customers/customers.bulk.ts';
import { lifecycleStages } from '../customers/customers.schemas.ts';
import { normaliseEmail, normalisePhone } from '../customers/customers.service.ts';
import type { ConsentChannel, LifecycleStage } from '../customers/customers.tables.ts';
import type { SheetRow } from './imports.file.ts';
import type { ColumnIndex, ImportField } from './imports.mapping.ts';
import { parseConsent, parseDate, parseDateTime, parseNumber } from './imports.values.ts';

/** A row-level problem before translation: the file's row, the field it concerns and a message key. */
export type RowProblem = { row: number; field: ImportField | null; key: string };

type Reader = { cell(field: ImportField): string | undefined; problem(field: ImportField | null, key: string): void };

function readerFor(row: SheetRow, columns: ColumnIndex, problems: RowProblem[]): Reader {
  return {
    cell(field) {
      const at = columns[field];
      if (at === undefined) return undefined;
      const value = row.cells[at]?.trim();
      return value ? value : undefined;
    },
    problem(field, key) {
      problems.push({ row: row.row, field, key });
    },
  };
}

function text(r: Reader, field: ImportField, max: number): string | undefined {
  const value = r.cell(field);
  if (value !== undefined && value.length > max) {
    r.problem(field, 'text.too_long');
    return undefined;
  }
  return value;
}

const stageAliases: Record<string, LifecycleStage> = {
  ליד: 'lead',
  מתעניין: 'lead',
  לקוח: 'customer',
  חוזר: 'repeat',
  'לקוח חוזר': 'repeat',
  נאמן: 'loyal',
  'לקוח נאמן': 'loyal',
  בסיכון: 'at_risk',
  'at risk': 'at_risk',
  אבוד: 'lost',
  'לקוח אבוד': 'lost',
};

const channelAliases: Record<string, OrderChannel> = {
  חנות: 'store',
  סניף: 'store',
  קופה: 'store',
  אתר: 'web',
  אינטרנט: 'web',
  online: 'web',
  אפליקציה: 'app',
  טלפון: 'phone',
  וואטסאפ: 'whatsapp',
  ווטסאפ: 'whatsapp',
  ואטסאפ: 'whatsapp',
};

const consentColumns: [ImportField, ConsentChannel][] = [
  ['consentEmail', 'email'],
  ['consentSms', 'sms'],
  ['consentWhatsapp', 'whatsapp'],
];

export type ValidCustomerRow = { row: number; input: BulkCustomerInput };

/**
 * Validates customer rows in file order. Besides each value, it keeps the
 * file's own keys: a later row that reaches the same person as an earlier
 * one (same external id, or same email or phone without a different external
 * id) is a duplicate when identical and a conflict when not, so the outcome
 * never depends on where batches happen to split the file.
 */
export class CustomerRowValidator {
  private readonly byExternalId = new Map<string, string>();
  private readonly byEmail = new Map<string, { externalId: string | undefined; json: string }>();
  private readonly byPhone = new Map<string, { externalId: string | undefined; json: string }>();

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
    const email = r.cell('email');
    if (email !== undefined) {
      const normalised = normaliseEmail(email);
      if (normalised) input.email = normalised;
      else r.problem('email', 'email.invalid');
    }
    const phone = r.cell('phone');
    if (phone !== undefined) {
      const normalised = normalisePhone(phone);
      if (normalised) input.phone = normalised;
      else r.problem('phone', 'phone.invalid');
    }
    const birthday = r.cell('birthday');
    if (birthday !== undefined) {
      const date = parseDate(birthday);
      if (date && date >= '1900-01-01' && date <= new Date().toISOString().slice(0, 10)) input.birthday = date;
      else r.problem('birthday', 'date.invalid');
    }
    set('city', text(r, 'city', 100));
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
      else if (list.some((t) => t.length > 50)) r.problem('tags', 'text.too_long');
      else input.tags = list;
    }
    const stage = r.cell('lifecycleStage');
    if (stage !== undefined) {
      const key = stage.toLowerCase().replace(/-/g, '_');
      const value = (lifecycleStages as readonly string[]).includes(key)
        ? (key as LifecycleStage)
        : stageAliases[stage.trim()];
      if (value) input.lifecycleStage = value;
      else r.problem('lifecycleStage', 'stage.invalid');
    }
    for (const [field, channel] of consentColumns) {
      const value = r.cell(field);
      if (value === undefined) continue;
      const granted = parseConsent(value);
      if (granted === null) r.problem(field, 'consent.invalid');
      else input.consents = { ...input.consents, [channel]: granted };
    }
    if (problems.length > before) return null;
    if (!input.firstName && !input.lastName && !input.email && !input.phone && !input.externalId) {
      r.problem('firstName', 'name.required');
      return null;
    }
    return this.remember(row, input, r);
  }

  private remember(row: SheetRow, input: BulkCustomerInput, r: Reader): ValidCustomerRow | 'duplicate' | null {
    const json = JSON.stringify(input);
    const earlier =
      (input.externalId !== undefined ? this.byExternalId.get(input.externalId) : undefined) ??
      this.sameContact(this.byEmail, input.email, input.externalId) ??
      this.sameContact(this.byPhone, input.phone, input.externalId);
    if (earlier !== undefined) {
      if (earlier === json) return 'duplicate';
      r.problem(input.externalId ? 'externalId' : input.email ? 'email' : 'phone', 'row.conflict');
      return null;
    }
    if (input.externalId) this.byExternalId.set(input.externalId, json);
    if (input.email) this.byEmail.set(input.email, { externalId: input.externalId, json });
    if (input.phone) this.byPhone.set(input.phone, { externalId: input.externalId, json });
    return { row: row.row, input };
  }

  private sameContact(
    seen: Map<string, { externalId: string | undefined; json: string }>,
    key: string | undefined,
    externalId: string | undefined,
  ): string | undefined {
    if (key === undefined) return undefined;
    const hit = seen.get(key);
    if (!hit) return undefined;
    if (externalId && hit.externalId && hit.externalId !== externalId) return undefined;
    return hit.json;
  }
}

export type OrderLine = {
  row: number;
  externalId: string;
  customer: { externalId?: string; email?: string; phone?: string };
  placedAt: Date;
  channel: OrderChannel;
  branch: string | null;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  /** What the order has been refunded in all, by the file (an order-level column); null when not given. */
  refundedAmount: number | null;
  refundedAt: Date | null;
};

export type OrderGroup = { externalId: string; lines: OrderLine[] };

/** A sum of money as a file writes it: zero or more, at most two decimals, below 10^11. */
function isMoney(value: number | null): value is number {
  return value !== null && value >= 0 && value < 1e11 && Math.abs(value * 100 - Math.round(value * 100)) <= 1e-6;
}

/** One order-line row: the order's fields and the line's. Null when a problem was recorded. */
export function checkOrderLine(
  row: SheetRow,
  columns: ColumnIndex,
  timeZone: string,
  problems: RowProblem[],
): OrderLine | null {
  const before = problems.length;
  const r = readerFor(row, columns, problems);
  const externalId = text(r, 'externalId', 100);
  if (r.cell('externalId') === undefined) r.problem('externalId', 'required');
  const customer: OrderLine['customer'] = {};
  const customerExternalId = text(r, 'customerExternalId', 100);
  if (customerExternalId) customer.externalId = customerExternalId;
  const email = r.cell('customerEmail');
  if (email !== undefined) {
    const normalised = normaliseEmail(email);
    if (normalised) customer.email = normalised;
    else r.problem('customerEmail', 'email.invalid');
  }
  const phone = r.cell('customerPhone');
  if (phone !== undefined) {
    const normalised = normalisePhone(phone);
    if (normalised) customer.phone = normalised;
    else r.problem('customerPhone', 'phone.invalid');
  }
  if (!customerExternalId && email === undefined && phone === undefined) {
    const field = columns.customerExternalId !== undefined ? 'customerExternalId' : null;
    r.problem(
      field ?? (columns.customerEmail !== undefined ? 'customerEmail' : 'customerPhone'),
      'customer.key_required',
    );
  }
  const placedRaw = r.cell('placedAt');
  const placedAt = placedRaw === undefined ? null : parseDateTime(placedRaw, timeZone);
  if (placedRaw === undefined) r.problem('placedAt', 'required');
  else if (!placedAt) r.problem('placedAt', 'date.invalid');
  const channelRaw = r.cell('channel');
  let channel: OrderChannel = 'store';
  if (channelRaw !== undefined) {
    const key = channelRaw.toLowerCase();
    const value = (orderChannels as readonly string[]).includes(key)
      ? (key as OrderChannel)
      : channelAliases[channelRaw.trim()];
    if (value) channel = value;
    else r.problem('channel', 'channel.invalid');
  }
  const branch = text(r, 'branch', 100) ?? null;
  const sku = text(r, 'sku', 100);
  if (r.cell('sku') === undefined) r.problem('sku', 'required');
  const name = text(r, 'name', 300) ?? sku;
  const quantityRaw = r.cell('quantity');
  const quantity = quantityRaw === undefined ? null : parseNumber(quantityRaw);
  if (quantity === null || quantity <= 0 || quantity > 1_000_000 || Math.round(quantity * 1000) !== quantity * 1000) {
    r.problem('quantity', quantityRaw === undefined ? 'required' : 'quantity.invalid');
  }
  const priceRaw = r.cell('unitPrice');
  const unitPrice = priceRaw === undefined ? null : parseNumber(priceRaw);
  if (!isMoney(unitPrice)) r.problem('unitPrice', priceRaw === undefined ? 'required' : 'price.invalid');
  const refundRaw = r.cell('refundedAmount');
  const refundedAmount = refundRaw === undefined ? null : parseNumber(refundRaw);
  if (refundRaw !== undefined && !isMoney(refundedAmount)) r.problem('refundedAmount', 'price.invalid');
  const refundedAtRaw = r.cell('refundedAt');
  const refundedAt = refundedAtRaw === undefined ? null : parseDateTime(refundedAtRaw, timeZone);
  if (refundedAtRaw !== undefined && !refundedAt) r.problem('refundedAt', 'date.invalid');
  if (
    problems.length > before ||
    !externalId ||
    !placedAt ||
    !sku ||
    !name ||
    quantity === null ||
    unitPrice === null
  ) {
    return null;
  }
  return {
    row: row.row,
    externalId,
    customer,
    placedAt,
    channel,
    branch,
    sku,
    name,
    quantity,
    unitPrice,
    refundedAmount,
    refundedAt,
  };
}

/** What every line of one order must agree on. */
function orderHead(line: OrderLine): string {
  return JSON.stringify([
    line.customer,
    line.placedAt.getTime(),
    line.channel,
    line.branch,
    line.refundedAmount,
    line.refundedAt?.getTime() ?? null,
  ]);
}

/**
 * Groups order lines by the order's external id (wherever its rows are in the
 * file). An order with any bad row, or rows that disagree on the customer,
 * date, channel or branch, is rejected whole: its other rows get a problem too.
 */
export function groupOrderLines(
  rows: SheetRow[],
  columns: ColumnIndex,
  timeZone: string,
  problems: RowProblem[],
): { orders: OrderGroup[]; rejectedRows: number } {
  const groups = new Map<string, { lines: OrderLine[]; bad: boolean }>();
  const order: string[] = [];
  for (const row of rows) {
    const line = checkOrderLine(row, columns, timeZone, problems);
    const at = columns.externalId;
    const key = line?.externalId ?? (at === undefined ? undefined : row.cells[at]?.trim());
    if (!key) continue;
    let group = groups.get(key);
    if (!group) {
      group = { lines: [], bad: false };
      groups.set(key, group);
      order.push(key);
    }
    if (!line) {
      group.bad = true;
      continue;
    }
    const first = group.lines[0];
    if (first && orderHead(first) !== orderHead(line)) {
      problems.push({ row: row.row, field: 'externalId', key: 'row.conflict' });
      group.bad = true;
      continue;
    }
    group.lines.push(line);
  }
  const orders: OrderGroup[] = [];
  let rejectedRows = 0;
  for (const key of order) {
    const group = groups.get(key)!;
    if (group.bad) {
      for (const line of group.lines) problems.push({ row: line.row, field: 'externalId', key: 'order.rejected' });
      rejectedRows += group.lines.length;
    } else if (group.lines.length > 0) {
      // A refund is of the order's own money: never more than its lines add up to.
      const total = group.lines.reduce((sum, l) => sum + Math.round(l.unitPrice * 100 * l.quantity), 0);
      const refund = group.lines[0]!.refundedAmount;
      if (refund !== null && Math.round(refund * 100) > total) {
        for (const line of group.lines)
          problems.push({ row: line.row, field: 'refundedAmount', key: 'refund.exceeds_total' });
        rejectedRows += group.lines.length;
      } else {
        orders.push({ externalId: key, lines: group.lines });
      }
    }
  }
  return { orders, rejectedRows };
}
