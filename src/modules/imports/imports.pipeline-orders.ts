/** The pipeline's order import: lines grouped into orders, their customers found, orders and refunds written, then totals. */
import { inWorkspace } from '../../db/tenancy.ts';
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
import { type CustomerKeyIndex, findCustomersByKeys } from '../customers/customers.service.ts';
import type { ImportField, resolveMapping } from './imports.mapping.ts';
import {
  BatchRunner,
  type Commit,
  emptyProgress,
  type PipelineInput,
  reportProblems,
} from './imports.pipeline-batches.ts';
import type { RowProblem } from './imports.validate.ts';
import { groupOrderLines, type OrderGroup, orderTotal } from './imports.validate-orders.ts';

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

export async function importOrders(input: PipelineInput, columns: ReturnType<typeof resolveMapping>, commit: Commit) {
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
