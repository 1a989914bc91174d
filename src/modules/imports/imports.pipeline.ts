import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Locale } from '../../platform/messages.ts';
import { requirePermission } from '../../platform/permissions.ts';
import {
  applyRefundsBulk,
  type BulkOrderInput,
  ensureCatalogue,
  type ImportedRefund,
  insertOrdersBulk,
  newBulkOrderCache,
  refreshTotalsBulk,
  refundProblems,
} from '../commerce/commerce.service.ts';
import {
  type BulkCustomerOutcome,
  type CustomerKeyIndex,
  findCustomersByKeys,
  upsertCustomersBulk,
} from '../customers/customers.service.ts';
import { findOrCreateBranch } from '../locations/locations.service.ts';
import type { ImportSheet } from './imports.file.ts';
import { headerOf, type ImportField, type Mapping, resolveMapping } from './imports.mapping.ts';
import { importMessage } from './imports.messages.ts';
import type { ImportKind, ImportRowError } from './imports.tables.ts';
import {
  CustomerRowValidator,
  groupOrderLines,
  type OrderGroup,
  orderTotal,
  type RowProblem,
  type ValidCustomerRow,
} from './imports.validate.ts';

/** What one committed batch added: the job adds it to the import's counters in the same transaction. */
export type ImportProgress = {
  processedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  errorRows: number;
  errors: ImportRowError[];
};

export type PipelineInput = {
  db: Kysely<DB>;
  ctx: Ctx;
  kind: ImportKind;
  sheet: ImportSheet;
  mapping: Mapping;
  timeZone: string;
  locale: Locale;
  /** Rows per transaction: small enough that PGlite serves other requests between batches. */
  batchSize?: number;
  /**
   * Order batches in flight at once (orders are independent of each other):
   * on PostgreSQL a second one keeps the server busy while Node prepares.
   */
  concurrency?: number;
  onBatch?: (trx: Trx, progress: ImportProgress) => Promise<void>;
};

const emptyProgress = (): ImportProgress => ({
  processedRows: 0,
  insertedRows: 0,
  updatedRows: 0,
  unchangedRows: 0,
  errorRows: 0,
  errors: [],
});

function add(total: ImportProgress, delta: ImportProgress): void {
  total.processedRows += delta.processedRows;
  total.insertedRows += delta.insertedRows;
  total.updatedRows += delta.updatedRows;
  total.unchangedRows += delta.unchangedRows;
  total.errorRows += delta.errorRows;
}

/**
 * Row problems as the import stores them: the file's column, the reason in the starter's language,
 * and the message code with its values, so that a reader in another language gets it in theirs.
 */
function reportProblems(
  progress: ImportProgress,
  problems: RowProblem[],
  input: Pick<PipelineInput, 'mapping' | 'locale' | 'kind'>,
) {
  const rows = new Set<number>();
  for (const p of problems) {
    rows.add(p.row);
    progress.errors.push({
      row: p.row,
      column: p.field ? (headerOf(input.mapping, p.field) ?? p.field) : null,
      reason: importMessage(p.key, input.locale, { ...p.params, importKind: input.kind }),
      code: p.key,
      ...(p.params ? { params: p.params } : {}),
    } as ImportRowError);
  }
  progress.errorRows += rows.size;
}

/**
 * Parse → validate → write for one import: the rows go in batches, each in
 * its own transaction, written with the customers' and commerce's bulk
 * functions. A batch commits whole or not at all, so every customer and every
 * order is all-or-nothing; a bad row only costs itself (or its order).
 * Returns the import's totals, without the error list.
 */
export async function runImportPipeline(input: PipelineInput): Promise<ImportProgress> {
  const columns = resolveMapping(input.kind, input.sheet.headers, input.mapping);
  const total = emptyProgress();
  const commit = async (write: (trx: Trx) => Promise<ImportProgress>) => {
    await inWorkspace(input.db, input.ctx.workspaceId, async (trx) => {
      const progress = await write(trx);
      await input.onBatch?.(trx, progress);
      add(total, progress);
    });
  };
  if (input.kind === 'customers') await importCustomers(input, columns, commit);
  else await importOrders(input, columns, commit);
  return total;
}

type BulkCustomerError = Extract<BulkCustomerOutcome, { status: 'error' }>['reason'];

type Commit = (write: (trx: Trx) => Promise<ImportProgress>) => Promise<void>;

async function importCustomers(input: PipelineInput, columns: ReturnType<typeof resolveMapping>, commit: Commit) {
  const size = input.batchSize ?? 2000;
  const validator = new CustomerRowValidator(columns);
  const rows = input.sheet.rows;
  // Home branches by the name or code the file gives, found or created once per import.
  const branches = new Map<string, string>();
  const prepare = (start: number) => {
    const problems: RowProblem[] = [];
    const valid: ValidCustomerRow[] = [];
    let duplicates = 0;
    const end = Math.min(start + size, rows.length);
    for (let i = start; i < end; i++) {
      const checked = validator.check(rows[i]!, problems);
      if (checked === 'duplicate') duplicates++;
      else if (checked) valid.push(checked);
    }
    return { count: end - start, problems, valid, duplicates };
  };
  const write = (batch: ReturnType<typeof prepare>) =>
    commit(async (trx) => {
      const progress = emptyProgress();
      progress.processedRows = batch.count;
      progress.unchangedRows = batch.duplicates;
      for (const v of batch.valid) {
        if (v.homeBranch && !branches.has(v.homeBranch)) {
          branches.set(v.homeBranch, await findOrCreateBranch(trx, input.ctx, v.homeBranch));
        }
      }
      const outcomes = await upsertCustomersBulk(
        trx,
        input.ctx,
        batch.valid.map((v) => (v.homeBranch ? { ...v.input, homeBranchId: branches.get(v.homeBranch)! } : v.input)),
        { source: 'import' },
      );
      outcomes.forEach((outcome, i) => {
        const row = batch.valid[i]!;
        if (outcome.status === 'inserted') progress.insertedRows++;
        else if (outcome.status === 'updated') progress.updatedRows++;
        else if (outcome.status === 'unchanged') progress.unchangedRows++;
        if (outcome.status === 'error') {
          batch.problems.push({ row: row.row, field: fieldOfOutcome(outcome.reason, row), key: outcome.reason });
        }
      });
      reportProblems(progress, batch.problems, input);
      return progress;
    });
  // Batches whose customers share no external id, email or phone are written two at a time on
  // PostgreSQL (the rows they update are locked, see upsertCustomersBulk); one that shares a key
  // with a batch in flight waits for it, as it must see the customers that batch creates. The next
  // batch is validated while the database writes.
  const runner = new BatchRunner(input.concurrency ?? 2);
  for (let start = 0; start < rows.length && !runner.failed; start += size) {
    const batch = prepare(start);
    const keys = new Set<string>();
    for (const { input: c } of batch.valid) {
      if (c.externalId) keys.add(`x:${c.externalId}`);
      if (c.email) keys.add(`e:${c.email}`);
      if (c.phone) keys.add(`p:${c.phone}`);
    }
    for (const { homeBranch } of batch.valid) if (homeBranch && !branches.has(homeBranch)) keys.add(`b:${homeBranch}`);
    await runner.run(() => write(batch), keys);
  }
  await runner.finish();
}

/** The column a refused customer row is reported on: the key that matched, or what the role may not change. */
function fieldOfOutcome(reason: BulkCustomerError, row: ValidCustomerRow): ImportField | null {
  const { input } = row;
  switch (reason) {
    case 'permission.create':
    case 'permission.profile':
      return null;
    case 'permission.tags':
      return 'tags';
    case 'permission.consents':
      return input.consents?.email !== undefined
        ? 'consentEmail'
        : input.consents?.sms !== undefined
          ? 'consentSms'
          : 'consentWhatsapp';
    default:
      return input.externalId ? 'externalId' : input.email ? 'email' : 'phone';
  }
}

/**
 * Import batches in flight, at most `limit` at once. A batch that names keys
 * starts only after the running batches that share one of them are done.
 * The first failure stops new batches; finish() rethrows it.
 */
class BatchRunner {
  readonly #running = new Map<Promise<void>, Set<string>>();
  #failure: { error: unknown } | null = null;

  constructor(readonly limit: number) {}

  get failed(): boolean {
    return this.#failure !== null;
  }

  async run(write: () => Promise<void>, keys: Set<string> = new Set()): Promise<void> {
    for (const [task, taken] of this.#running) {
      for (const key of keys) {
        if (taken.has(key)) {
          await task;
          break;
        }
      }
    }
    while (this.#running.size >= this.limit) await Promise.race(this.#running.keys());
    if (this.#failure) return;
    const task: Promise<void> = write()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#running.delete(task));
    this.#running.set(task, keys);
  }

  async finish(): Promise<void> {
    await Promise.all(this.#running.keys());
    if (this.#failure) throw this.#failure.error;
  }
}

/** The order's customer, by the keys the file gives (external id, then email, then phone). */
function resolveCustomer(
  group: OrderGroup,
  index: CustomerKeyIndex,
):
  | { id: string }
  | { problem: 'order.customer_not_found' | 'order.customer_ambiguous'; field: ImportField; value: string } {
  const key = group.head.customer;
  if (key.externalId) {
    const ids = index.byExternalId.get(key.externalId);
    if (ids?.[0]) return { id: ids[0] };
  }
  for (const [field, value, map] of [
    ['customerEmail', key.email, index.byEmail],
    ['customerPhone', key.phone, index.byPhone],
  ] as const) {
    if (!value) continue;
    const ids = map.get(value) ?? [];
    if (ids.length > 1) return { problem: 'order.customer_ambiguous', field, value };
    if (ids[0]) return { id: ids[0] };
  }
  const [field, value] = key.externalId
    ? (['customerExternalId', key.externalId] as const)
    : key.email
      ? (['customerEmail', key.email] as const)
      : (['customerPhone', key.phone ?? ''] as const);
  return { problem: 'order.customer_not_found', field, value };
}

async function importOrders(input: PipelineInput, columns: ReturnType<typeof resolveMapping>, commit: Commit) {
  // Orders, refunds, products and branches are all commerce writes: a role without them imports none.
  requirePermission(input.ctx, 'commerce.write');
  const size = input.batchSize ?? 2000;
  const problems: RowProblem[] = [];
  const { orders } = await groupOrderLines(input.sheet.rows, columns, input.timeZone, problems);
  // Rows rejected by validation are reported (and counted as processed) before anything is written.
  if (problems.length) {
    await commit(async () => {
      const progress = emptyProgress();
      reportProblems(progress, problems, input);
      progress.processedRows = progress.errorRows;
      return progress;
    });
  }
  const cache = newBulkOrderCache();
  // Products and branches first, in one transaction, so concurrent order batches only read them.
  await inWorkspace(input.db, input.ctx.workspaceId, (trx) =>
    ensureCatalogue(
      trx,
      input.ctx,
      orders.map((g) => ({ branch: g.head.branch, items: g.lines })),
      cache,
    ),
  );
  const touched = new Set<string>();
  const writeBatch = (batch: OrderGroup[], lines: number) =>
    commit(async (trx) => {
      const progress = emptyProgress();
      progress.processedRows = lines;
      const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
      const heads = batch.map((g) => g.head.customer);
      const index = await findCustomersByKeys(trx, input.ctx, {
        externalIds: distinct(heads.map((h) => h.externalId)),
        emails: distinct(heads.map((h) => h.email)),
        phones: distinct(heads.map((h) => h.phone)),
      });
      const batchProblems: RowProblem[] = [];
      const ready: { group: OrderGroup; order: BulkOrderInput }[] = [];
      for (const group of batch) {
        const customer = resolveCustomer(group, index);
        if ('problem' in customer) {
          for (const line of group.lines) {
            batchProblems.push({
              row: line.row,
              field: customer.field,
              key: customer.problem,
              params: { field: customer.field, value: customer.value },
            });
          }
          continue;
        }
        const { head } = group;
        ready.push({
          group,
          order: {
            externalId: group.externalId,
            customerId: customer.id,
            placedAt: head.placedAt,
            channel: head.channel,
            branch: head.branch,
            ...(head.currency ? { currency: head.currency } : {}),
            cancelled: head.cancelled,
            paymentStatus: head.paymentStatus,
            billingAddress: head.billingAddress,
            shippingAddress: head.shippingAddress,
            amounts: {
              total: orderTotal(head, group.lines),
              shipping: head.shipping ?? 0,
              discount: head.discount ?? 0,
              tax: head.tax ?? 0,
            },
            items: group.lines.map((l) => ({
              sku: l.sku,
              name: l.name,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              total: l.total,
            })),
          },
        });
      }
      // Refunds (an order-level column): an order whose stored refund the file would lower or push past
      // its total is reported, and not imported or changed.
      const refundOf = (g: OrderGroup): ImportedRefund | null => {
        const { head } = g;
        return head.refundedAmount === null
          ? null
          : {
              externalId: g.externalId,
              refunded: (head.refundedAmount / 100).toFixed(2),
              refundedAt: head.refundedAt,
              total: (orderTotal(head, g.lines) / 100).toFixed(2),
            };
      };
      const refunds = ready.map((r) => refundOf(r.group)).filter((r): r is ImportedRefund => r !== null);
      const refused = await refundProblems(trx, input.ctx, refunds);
      const writable = ready.filter(({ group }) => {
        const problem = refused.get(group.externalId);
        if (!problem) return true;
        for (const line of group.lines) batchProblems.push({ row: line.row, field: 'refundedAmount', key: problem });
        return false;
      });
      const written = await insertOrdersBulk(
        trx,
        input.ctx,
        writable.map((r) => r.order),
        cache,
      );
      const refunded = await applyRefundsBulk(
        trx,
        input.ctx,
        refunds.filter((r) => !refused.has(r.externalId) && !written.refused.has(r.externalId)),
      );
      writable.forEach((r, i) => {
        const lines = r.group.lines.length;
        const below = written.refused.get(r.group.externalId);
        if (below !== undefined) {
          const value = (orderTotal(r.group.head, r.group.lines) / 100).toFixed(2);
          for (const line of r.group.lines) {
            batchProblems.push({
              row: line.row,
              field: 'total',
              key: 'order.total_below_refunded',
              params: { value, earlier: below },
            });
          }
          return;
        }
        touched.add(r.order.customerId);
        if (written.inserted[i]) progress.insertedRows += lines;
        else if (written.updated[i] || refunded.has(r.group.externalId)) progress.updatedRows += lines;
        else progress.unchangedRows += lines;
      });
      reportProblems(progress, batchProblems, input);
      return progress;
    });
  const runner = new BatchRunner(input.concurrency ?? 2);
  let start = 0;
  while (start < orders.length && !runner.failed) {
    let end = start;
    let lines = 0;
    while (end < orders.length && lines < size) lines += orders[end++]!.lines.length;
    const batch = orders.slice(start, end);
    await runner.run(() => writeBatch(batch, lines));
    start = end;
  }
  await runner.finish();
  // Totals once at the end, from the orders themselves, for every customer the file reached.
  // The chunks share no customer, so on PostgreSQL two run at once.
  const ids = [...touched];
  const refresh = new BatchRunner(input.concurrency ?? 2);
  for (let i = 0; i < ids.length && !refresh.failed; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    await refresh.run(() =>
      inWorkspace(input.db, input.ctx.workspaceId, (trx) => refreshTotalsBulk(trx, input.ctx, chunk)),
    );
  }
  await refresh.finish();
}
