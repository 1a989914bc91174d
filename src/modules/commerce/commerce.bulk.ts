import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { publishEvents } from '../../platform/events.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { findOrCreateBranch, nameOfBranch } from '../locations/locations.service.ts';
import { recordTimelineEvents } from '../timeline/timeline.service.ts';
import { orderPlaced, orderRefunded } from './commerce.events.ts';
import type { OrderAddress, OrderChannel, PaymentStatus } from './commerce.tables.ts';
import { addressJson, refreshTotals } from './commerce.totals.ts';

/**
 * Set-based order writes for imports and the demo: the same orders, lines
 * and products that createOrder writes, for thousands of orders in a few
 * statements. (The timeline shows orders from the orders table itself.)
 */

export type BulkOrderInput = {
  externalId: string;
  /** An active customer (resolve merged ones first). */
  customerId: string;
  placedAt: Date;
  channel: OrderChannel;
  /** Branch name or code; created on first sight, like createOrder does. */
  branch: string | null;
  currency?: string;
  /**
   * What the source system charged, in agorot: the order's total (default: the lines, less the
   * discount, plus shipping) and the shipping, discount and tax it holds.
   */
  amounts?: { total?: number; shipping?: number; discount?: number; tax?: number };
  /** Cancelled in the source system: stored as cancelled (not in the customer's count or spend). */
  cancelled?: boolean | null;
  /** As the source said; a re-import that gives none leaves the stored ones. */
  paymentStatus?: PaymentStatus | null;
  billingAddress?: OrderAddress | null;
  shippingAddress?: OrderAddress | null;
  /** `total` is the line's amount in agorot as the source wrote it (default: quantity × unit price). */
  items: { sku: string; name: string; quantity: number; unitPrice: number; total?: number }[];
};

/** What a long import keeps between batches, so SKUs and branches are looked up once. */
export type BulkOrderCache = { products: Map<string, string>; branches: Map<string, { id: string; name: string }> };

export function newBulkOrderCache(): BulkOrderCache {
  return { products: new Map(), branches: new Map() };
}

/** Money is summed in agorot (integers), exactly as createOrder does. */
const toAgorot = (value: number | string) => Math.round(Number(value) * 100);
const fromAgorot = (agorot: number) => (agorot / 100).toFixed(2);

/** What the catalogue needs from an order: its branch and its lines. */
export type CatalogueInput = Pick<BulkOrderInput, 'branch' | 'items'>;

async function productIds(trx: Trx, ctx: Ctx, orders: CatalogueInput[], cache: BulkOrderCache) {
  const unknown = new Map<string, { sku: string; name: string; price: number }>();
  for (const order of orders) {
    for (const item of order.items) {
      if (!cache.products.has(item.sku) && !unknown.has(item.sku)) {
        unknown.set(item.sku, { sku: item.sku, name: item.name, price: item.unitPrice });
      }
    }
  }
  if (unknown.size === 0) return;
  // In SKU order, so two writers adding the same new products wait for each other instead of deadlocking.
  const records = [...unknown.values()]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .map((p) => ({ id: newId(), sku: p.sku, name: p.name, price: p.price }));
  await sql`
    insert into products (workspace_id, id, sku, name, price)
    select ${ctx.workspaceId}::uuid, x.id, x.sku, x.name, x.price
    from json_to_recordset(${JSON.stringify(records)}::json) as x(id uuid, sku text, name text, price numeric)
    on conflict (workspace_id, sku) do nothing`.execute(trx);
  const rows = await trx
    .selectFrom('products')
    .select(['id', 'sku'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('sku', '=', sql<string>`any(${[...unknown.keys()]}::text[])`)
    .execute();
  for (const row of rows) cache.products.set(row.sku, row.id);
}

async function branchIds(trx: Trx, ctx: Ctx, orders: CatalogueInput[], cache: BulkOrderCache) {
  for (const order of orders) {
    if (order.branch && !cache.branches.has(order.branch)) {
      const id = await findOrCreateBranch(trx, ctx, order.branch);
      const name = await nameOfBranch(trx, ctx, id);
      if (name === null) throw new Error(`branch ${id} vanished while importing`);
      cache.branches.set(order.branch, { id, name });
    }
  }
}

/**
 * Creates the products and branches these orders name, ahead of writing the
 * orders: a long import does it once, so its order batches only read them.
 */
export async function ensureCatalogue(
  trx: Trx,
  ctx: Ctx,
  orders: CatalogueInput[],
  cache: BulkOrderCache,
): Promise<void> {
  requirePermission(ctx, 'commerce.write');
  await productIds(trx, ctx, orders, cache);
  await branchIds(trx, ctx, orders, cache);
}

/**
 * A re-imported order's address: the file's when it gives one, else the stored one. An address is the
 * person's, so it is taken only for the customer the order already belongs to (never onto an erased
 * person's order that the file now ties to someone else).
 */
const keptAddress = (column: 'billing_address' | 'shipping_address') => {
  const c = sql.raw(column);
  return sql`case when o.customer_id = excluded.customer_id then coalesce(excluded.${c}, o.${c}) else o.${c} end`;
};

/**
 * Writes orders by externalId: one not stored yet is inserted; one stored
 * before (a re-import) takes the file's channel, branch, currency and money
 * when they differ (and its payment status and addresses when the file gives them), and then its lines
 * too; one the file repeats unchanged is
 * left as it is. A corrected total below what the order has already been
 * refunded is refused (`refused`). Each order and its lines go in together or
 * not at all (the caller's transaction). Customer totals are not touched: call
 * refreshTotalsBulk for the customers once the orders are in.
 */
export async function insertOrdersBulk(
  trx: Trx,
  ctx: Ctx,
  orders: BulkOrderInput[],
  cache: BulkOrderCache = newBulkOrderCache(),
): Promise<{ inserted: boolean[]; updated: boolean[]; refused: Map<string, string>; customerIds: string[] }> {
  requirePermission(ctx, 'commerce.write');
  const inserted = orders.map(() => false);
  const updated = orders.map(() => false);
  const refused = new Map<string, string>();
  if (orders.length === 0) return { inserted, updated, refused, customerIds: [] };
  // Orders stored before (a re-import) are skipped by the insert itself (on conflict do nothing), which
  // answers with the ones it wrote; asking first cost a lookup per order on every import.
  const seen = new Set<string>();
  const fresh: { index: number; id: string; order: BulkOrderInput; total: number; lines: number[] }[] = [];
  orders.forEach((order, index) => {
    if (seen.has(order.externalId)) return;
    seen.add(order.externalId);
    const lines = order.items.map((item) => item.total ?? Math.round(toAgorot(item.unitPrice) * item.quantity));
    const a = order.amounts ?? {};
    const items = lines.reduce((x, y) => x + y, 0);
    const total = a.total ?? Math.max(0, items - (a.discount ?? 0) + (a.shipping ?? 0));
    fresh.push({ index, id: newId(), order, total, lines });
  });
  if (fresh.length === 0) return { inserted, updated, refused, customerIds: [] };
  await ensureCatalogue(
    trx,
    ctx,
    fresh.map((f) => f.order),
    cache,
  );

  const orderRecords = fresh.map((f) => ({
    id: f.id,
    external_id: f.order.externalId,
    customer_id: f.order.customerId,
    placed_at: f.order.placedAt.toISOString(),
    channel: f.order.channel,
    branch_id: f.order.branch ? (cache.branches.get(f.order.branch)?.id ?? null) : null,
    currency: f.order.currency ?? 'ILS',
    total: fromAgorot(f.total),
    shipping_total: fromAgorot(f.order.amounts?.shipping ?? 0),
    discount_total: fromAgorot(f.order.amounts?.discount ?? 0),
    tax_total: fromAgorot(f.order.amounts?.tax ?? 0),
    items_count: f.order.items.length,
    status: f.order.cancelled ? 'cancelled' : 'completed',
    payment_status: f.order.paymentStatus ?? null,
    billing_address: addressJson(f.order.billingAddress),
    shipping_address: addressJson(f.order.shippingAddress),
  }));
  // Orders stored before (a re-import) take the file's figures only when they differ, and never a total
  // below what they have been refunded; the insert answers with what it wrote (xmax = 0: a new row).
  const written = await sql<{ id: string; external_id: string; inserted: boolean }>`
    insert into orders as o (workspace_id, id, external_id, customer_id, placed_at, channel, branch_id, currency,
      total, shipping_total, discount_total, tax_total, items_count, status, payment_status, billing_address,
      shipping_address)
    select ${ctx.workspaceId}::uuid, x.id, x.external_id, x.customer_id, x.placed_at, x.channel, x.branch_id,
      x.currency, x.total, x.shipping_total, x.discount_total, x.tax_total, x.items_count, x.status,
      x.payment_status, x.billing_address::jsonb, x.shipping_address::jsonb
    from json_to_recordset(${JSON.stringify(orderRecords)}::json) as x(
      id uuid, external_id text, customer_id uuid, placed_at timestamptz, channel text, branch_id uuid,
      currency text, total numeric, shipping_total numeric, discount_total numeric, tax_total numeric,
      items_count int, status text, payment_status text, billing_address text, shipping_address text)
    on conflict (workspace_id, external_id) where external_id is not null do update set
      channel = excluded.channel, branch_id = excluded.branch_id, currency = excluded.currency,
      total = excluded.total, shipping_total = excluded.shipping_total, discount_total = excluded.discount_total,
      tax_total = excluded.tax_total, items_count = excluded.items_count,
      payment_status = coalesce(excluded.payment_status, o.payment_status),
      billing_address = ${keptAddress('billing_address')},
      shipping_address = ${keptAddress('shipping_address')},
      status = case
        when o.status = 'cancelled' or o.refunded_total = 0 then o.status
        when o.refunded_total >= excluded.total then 'refunded'
        else 'partially_refunded' end
    where (o.channel, o.branch_id, o.currency, o.total, o.shipping_total, o.discount_total, o.tax_total,
        o.items_count, o.payment_status, o.billing_address, o.shipping_address)
      is distinct from (excluded.channel, excluded.branch_id, excluded.currency, excluded.total,
        excluded.shipping_total, excluded.discount_total, excluded.tax_total, excluded.items_count,
        coalesce(excluded.payment_status, o.payment_status), ${keptAddress('billing_address')},
        ${keptAddress('shipping_address')})
      and excluded.total >= o.refunded_total
    returning o.id, o.external_id, (xmax = 0) as inserted`.execute(trx);
  const byExternalId = new Map(written.rows.map((r) => [r.external_id, r]));
  const done: ((typeof fresh)[number] & { storedId: string })[] = [];
  const changed: string[] = [];
  for (const f of fresh) {
    const row = byExternalId.get(f.order.externalId);
    if (!row) continue;
    done.push({ ...f, storedId: row.id });
    if (row.inserted) inserted[f.index] = true;
    else {
      updated[f.index] = true;
      changed.push(row.id);
    }
  }
  // A stored order the file says is (or is no longer) cancelled takes that status.
  const said = fresh.filter((f) => typeof f.order.cancelled === 'boolean' && !inserted[f.index]);
  if (said.length) {
    const json = JSON.stringify(said.map((f) => ({ external_id: f.order.externalId, cancelled: f.order.cancelled })));
    const recast = await sql<{ external_id: string }>`
      update orders o set status = case
          when x.cancelled then 'cancelled'
          when o.refunded_total = 0 then 'completed'
          when o.refunded_total >= o.total then 'refunded'
          else 'partially_refunded' end
      from json_to_recordset(${json}::json) as x(external_id text, cancelled boolean)
      where o.workspace_id = ${ctx.workspaceId} and o.external_id = x.external_id
        and (o.status = 'cancelled') is distinct from x.cancelled
      returning o.external_id`.execute(trx);
    const recastIds = new Set(recast.rows.map((r) => r.external_id));
    for (const f of said) if (recastIds.has(f.order.externalId)) updated[f.index] = true;
  }
  // A corrected order gets the file's lines in place of the ones it had.
  if (changed.length) {
    await trx
      .deleteFrom('order_items')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('order_id', '=', sql<string>`any(${changed}::uuid[])`)
      .execute();
  }
  // Rare (a re-import that lowers a refunded order's total): say which were refused, and why.
  if (written.rows.length < fresh.length) {
    const skipped = fresh.filter((f) => !byExternalId.has(f.order.externalId));
    const stored = await trx
      .selectFrom('orders')
      .select(['external_id', 'refunded_total'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('external_id', '=', sql<string>`any(${skipped.map((f) => f.order.externalId)}::text[])`)
      .execute();
    const refundedOf = new Map(stored.map((o) => [o.external_id, toAgorot(o.refunded_total)]));
    for (const f of skipped) {
      const refunded = refundedOf.get(f.order.externalId);
      if (refunded !== undefined && f.total < refunded) refused.set(f.order.externalId, fromAgorot(refunded));
    }
  }

  const itemRecords = done.flatMap((f) =>
    f.order.items.map((item, i) => ({
      order_id: f.storedId,
      line_no: i + 1,
      product_id: cache.products.get(item.sku) ?? null,
      sku: item.sku,
      name: item.name,
      quantity: item.quantity,
      unit_price: item.unitPrice,
      total: fromAgorot(f.lines[i]!),
    })),
  );
  if (itemRecords.length) {
    await sql`
      insert into order_items (workspace_id, order_id, line_no, product_id, sku, name, quantity, unit_price, total)
      select ${ctx.workspaceId}::uuid, x.order_id, x.line_no, x.product_id, x.sku, x.name, x.quantity,
        x.unit_price, x.total
      from json_to_recordset(${JSON.stringify(itemRecords)}::json) as x(
        order_id uuid, line_no int, product_id uuid, sku text, name text, quantity numeric, unit_price numeric,
        total numeric)`.execute(trx);
  }
  // New orders are news for other modules (loyalty earns on them), as an order made through the API is.
  await publishEvents(
    trx,
    ctx,
    orderPlaced,
    done
      .filter((f) => inserted[f.index] && !f.order.cancelled)
      .map((f) => ({
        orderId: f.storedId,
        externalId: f.order.externalId,
        customerId: f.order.customerId,
        total: fromAgorot(f.total),
        placedAt: f.order.placedAt,
      })),
  );
  return { inserted, updated, refused, customerIds: [...new Set(done.map((f) => f.order.customerId))] };
}

/**
 * Recomputes the stored totals (count, net spend, first and last order) of
 * many customers from their orders, the same figures refreshTotals writes.
 */
export async function refreshTotalsBulk(trx: Trx, ctx: Ctx, customerIds: string[]): Promise<void> {
  await refreshTotals(trx, ctx, customerIds);
}

/** An order's refunded total as an import file gives it, with the order's total by the same file. */
export type ImportedRefund = { externalId: string; refunded: string; refundedAt: Date | null; total?: string };

/**
 * The orders among these that already exist and whose refunded total the
 * file would lower or push past their total: an import adds refunds, it never
 * undoes one. Locks those orders until the batch commits.
 */
export async function refundProblems(
  trx: Trx,
  ctx: Ctx,
  refunds: ImportedRefund[],
): Promise<Map<string, 'refund.below_recorded' | 'refund.exceeds_total'>> {
  const problems = new Map<string, 'refund.below_recorded' | 'refund.exceeds_total'>();
  if (refunds.length === 0) return problems;
  const stored = await trx
    .selectFrom('orders')
    .select(['external_id', 'total', 'refunded_total'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('external_id', '=', sql<string>`any(${refunds.map((r) => r.externalId)}::text[])`)
    .orderBy('id')
    .forUpdate()
    .execute();
  const byExternalId = new Map(stored.map((o) => [o.external_id, o]));
  for (const refund of refunds) {
    const order = byExternalId.get(refund.externalId);
    if (!order) continue;
    const wanted = toAgorot(refund.refunded);
    if (wanted < toAgorot(order.refunded_total)) problems.set(refund.externalId, 'refund.below_recorded');
    else if (wanted > toAgorot(refund.total ?? order.total)) problems.set(refund.externalId, 'refund.exceeds_total');
  }
  return problems;
}

/**
 * Brings each order's refunded total up to what the file says, with one
 * refund for the difference (an `order.refunded` event on the customer's
 * timeline, as POST /orders/:id/refunds makes): importing the same file
 * again refunds nothing more. Check refundProblems first. Returns the
 * orders refunded (by external id).
 */
export async function applyRefundsBulk(trx: Trx, ctx: Ctx, refunds: ImportedRefund[]): Promise<Set<string>> {
  requirePermission(ctx, 'commerce.write');
  if (refunds.length === 0) return new Set();
  const orders = await trx
    .selectFrom('orders')
    .select(['id', 'external_id', 'customer_id', 'total', 'refunded_total'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('external_id', '=', sql<string>`any(${refunds.map((r) => r.externalId)}::text[])`)
    .execute();
  const byExternalId = new Map(orders.map((o) => [o.external_id, o]));
  const records = refunds.flatMap((refund) => {
    const order = byExternalId.get(refund.externalId);
    if (!order) return [];
    const wanted = toAgorot(refund.refunded);
    const difference = wanted - toAgorot(order.refunded_total);
    if (difference <= 0 || wanted > toAgorot(order.total)) return [];
    return [
      {
        id: newId(),
        external_id: refund.externalId,
        order_id: order.id,
        customer_id: order.customer_id,
        amount: fromAgorot(difference),
        refunded_total: fromAgorot(wanted),
        status: wanted === toAgorot(order.total) ? 'refunded' : 'partially_refunded',
        refunded_at: (refund.refundedAt ?? new Date()).toISOString(),
      },
    ];
  });
  if (records.length === 0) return new Set();
  const json = JSON.stringify(records);
  await sql`
    insert into refunds (workspace_id, id, order_id, amount, reason, refunded_at)
    select ${ctx.workspaceId}::uuid, x.id, x.order_id, x.amount, 'import', x.refunded_at
    from json_to_recordset(${json}::json) as x(id uuid, order_id uuid, amount numeric, refunded_at timestamptz)`.execute(
    trx,
  );
  await sql`
    update orders o set refunded_total = x.refunded_total,
      status = case when o.status = 'cancelled' then o.status else x.status end
    from json_to_recordset(${json}::json) as x(order_id uuid, refunded_total numeric, status text)
    where o.workspace_id = ${ctx.workspaceId} and o.id = x.order_id`.execute(trx);
  await recordTimelineEvents(
    trx,
    ctx,
    records.map((r) => ({
      customerId: r.customer_id,
      type: 'order.refunded',
      occurredAt: new Date(r.refunded_at),
      refId: r.order_id,
      data: { amount: r.amount, reason: 'import' },
    })),
  );
  await publishEvents(
    trx,
    ctx,
    orderRefunded,
    records.map((r) => ({ orderId: r.order_id, customerId: r.customer_id, amount: r.amount })),
  );
  return new Set(records.map((r) => r.external_id));
}
