import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { dropAuditFields, recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { publishEvent } from '../../platform/events.ts';
import { dropIdempotentReplyFields } from '../../platform/idempotency.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { type CustomerHooks, resolveActiveCustomerId } from '../customers/customers.service.ts';
import { findOrCreateBranch, nameOfBranch } from '../locations/locations.service.ts';
import { recordTimelineEvents } from '../timeline/timeline.service.ts';
import { orderPlaced, orderRefunded } from './commerce.events.ts';
import type { CreateOrderBody, CreateProductBody, RefundBody } from './commerce.schemas.ts';
import type { OrderAddress, OrderChannel, PaymentStatus } from './commerce.tables.ts';
import { addressJson, refreshTotals } from './commerce.totals.ts';

// What other modules may use of commerce: this file is its one door (biome.json, docs/decisions.md).
export {
  applyRefundsBulk,
  type BulkOrderInput,
  ensureCatalogue,
  type ImportedRefund,
  insertOrdersBulk,
  newBulkOrderCache,
  refreshTotalsBulk,
  refundProblems,
} from './commerce.bulk.ts';
export { orderChannels } from './commerce.schemas.ts';
export type { OrderAddress, OrderChannel, PaymentStatus } from './commerce.tables.ts';
export { addressJson, refreshTotals };

/** Money is summed in agorot (integers), never in floating point. */
const toAgorot = (value: number | string) => Math.round(Number(value) * 100);
const fromAgorot = (agorot: number) => (agorot / 100).toFixed(2);

export type Order = {
  id: string;
  externalId: string | null;
  customerId: string;
  placedAt: Date;
  channel: OrderChannel;
  branchId: string | null;
  branchName: string | null;
  status: string;
  currency: string;
  total: string;
  /** What the total holds besides the lines (an import from Shopify or WooCommerce brings them). */
  shippingTotal: string;
  discountTotal: string;
  taxTotal: string;
  refundedTotal: string;
  /** Where the source system said the payment stands; null when it did not say. */
  paymentStatus: PaymentStatus | null;
  billingAddress: OrderAddress | null;
  shippingAddress: OrderAddress | null;
  items: { lineNo: number; sku: string; name: string; quantity: number; unitPrice: string; total: string }[];
};

export async function createProduct(trx: Trx, ctx: Ctx, input: CreateProductBody) {
  requirePermission(ctx, 'commerce.write');
  const values = {
    workspace_id: ctx.workspaceId,
    id: newId(),
    sku: input.sku,
    name: input.name,
    category: input.category ?? null,
    price: input.price ?? null,
  };
  const row = await trx
    .insertInto('products')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'sku']).doUpdateSet({
        name: input.name,
        category: input.category ?? null,
        price: input.price ?? null,
        updated_at: new Date(),
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, { action: 'product.saved', entityType: 'product', entityId: row.id, after: input });
  return rowToProduct(row);
}

function rowToProduct(row: { id: string; sku: string; name: string; category: string | null; price: string | null }) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    category: row.category,
    price: row.price === null ? null : Number(row.price).toFixed(2),
  };
}

export async function listProducts(trx: Trx, ctx: Ctx, options: { limit: number; cursor?: string | undefined }) {
  let query = trx.selectFrom('products').selectAll().where('workspace_id', '=', ctx.workspaceId);
  if (options.cursor) query = query.where('sku', '>', options.cursor);
  const rows = await query
    .orderBy('sku')
    .limit(options.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, options.limit, (last) => last.sku);
  return { items: page.map(rowToProduct), nextCursor };
}

/** Products by SKU, created on first sight so an order never waits for a catalogue. */
async function productIdsBySku(trx: Trx, ctx: Ctx, items: { sku: string; name: string; unitPrice: number }[]) {
  const unique = new Map(items.map((i) => [i.sku, i]));
  const rows = await trx
    .insertInto('products')
    .values(
      [...unique.values()].map((i) => ({
        workspace_id: ctx.workspaceId,
        id: newId(),
        sku: i.sku,
        name: i.name,
        price: i.unitPrice,
      })),
    )
    .onConflict((oc) => oc.columns(['workspace_id', 'sku']).doUpdateSet({ sku: sql`excluded.sku` }))
    .returning(['id', 'sku'])
    .execute();
  return new Map(rows.map((r) => [r.sku, r.id]));
}

export async function getOrder(trx: Trx, ctx: Ctx, id: string): Promise<Order> {
  const order = await trx
    .selectFrom('orders')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('ORDER.NOT_FOUND'));
  const branchName = order.branch_id ? await nameOfBranch(trx, ctx, order.branch_id) : null;
  const items = await trx
    .selectFrom('order_items')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('order_id', '=', id)
    .orderBy('line_no')
    .execute();
  return {
    id: order.id,
    externalId: order.external_id,
    customerId: order.customer_id,
    placedAt: order.placed_at,
    channel: order.channel,
    branchId: order.branch_id,
    branchName,
    status: order.status,
    currency: order.currency,
    total: Number(order.total).toFixed(2),
    shippingTotal: Number(order.shipping_total).toFixed(2),
    discountTotal: Number(order.discount_total).toFixed(2),
    taxTotal: Number(order.tax_total).toFixed(2),
    refundedTotal: Number(order.refunded_total).toFixed(2),
    paymentStatus: order.payment_status,
    billingAddress: order.billing_address,
    shippingAddress: order.shipping_address,
    items: items.map((i) => ({
      lineNo: i.line_no,
      sku: i.sku,
      name: i.name,
      quantity: Number(i.quantity),
      unitPrice: Number(i.unit_price).toFixed(2),
      total: Number(i.total).toFixed(2),
    })),
  };
}

const orderIdByExternalId = (trx: Trx, ctx: Ctx, externalId: string) =>
  trx
    .selectFrom('orders')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('external_id', '=', externalId);

/**
 * Creates an order, idempotent by externalId: the same externalId again
 * returns the order already stored (created: false) and changes nothing.
 */
export async function createOrder(
  trx: Trx,
  ctx: Ctx,
  input: CreateOrderBody,
): Promise<{ order: Order; created: boolean }> {
  requirePermission(ctx, 'commerce.write');
  const existing = await orderIdByExternalId(trx, ctx, input.externalId).executeTakeFirst();
  if (existing) return { order: await getOrder(trx, ctx, existing.id), created: false };

  const customerId = await resolveActiveCustomerId(trx, ctx, input.customerId);
  if (!customerId) {
    throw new AppError('ORDER.CUSTOMER_NOT_FOUND', {
      fields: [{ field: 'customerId', message: 'customer.not_found' }],
    });
  }
  const branchId = input.branch ? await findOrCreateBranch(trx, ctx, input.branch) : null;
  const products = await productIdsBySku(trx, ctx, input.items);
  const lines = input.items.map((item, index) => {
    const totalAgorot = Math.round(toAgorot(item.unitPrice) * item.quantity);
    return { ...item, lineNo: index + 1, totalAgorot };
  });
  const itemsAgorot = lines.reduce((sum, l) => sum + l.totalAgorot, 0);
  const shipping = toAgorot(input.shipping ?? 0);
  const discount = toAgorot(input.discount ?? 0);
  if (discount > itemsAgorot + shipping) {
    throw new AppError('VALIDATION', { fields: [{ field: 'discount', message: 'too_big' }] });
  }
  const totalAgorot = itemsAgorot - discount + shipping;
  const id = newId();
  const placedAt = new Date(input.placedAt);
  const inserted = await trx
    .insertInto('orders')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      external_id: input.externalId,
      customer_id: customerId,
      placed_at: placedAt,
      channel: input.channel,
      branch_id: branchId,
      currency: input.currency ?? 'ILS',
      total: fromAgorot(totalAgorot),
      shipping_total: fromAgorot(shipping),
      discount_total: fromAgorot(discount),
      tax_total: fromAgorot(toAgorot(input.tax ?? 0)),
      items_count: lines.length,
      billing_address: addressJson(input.billingAddress),
      shipping_address: addressJson(input.shippingAddress),
      payment_status: input.paymentStatus ?? null,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('external_id', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    // A concurrent retry won the race: answer as the retry would have been answered.
    const winner = await orderIdByExternalId(trx, ctx, input.externalId).executeTakeFirstOrThrow();
    return { order: await getOrder(trx, ctx, winner.id), created: false };
  }
  await trx
    .insertInto('order_items')
    .values(
      lines.map((l) => ({
        workspace_id: ctx.workspaceId,
        order_id: id,
        line_no: l.lineNo,
        product_id: products.get(l.sku) ?? null,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        total: fromAgorot(l.totalAgorot),
      })),
    )
    .execute();
  const order = await getOrder(trx, ctx, id);
  await refreshTotals(trx, ctx, [customerId]);
  await recordAudit(trx, ctx, { action: 'order.created', entityType: 'order', entityId: id, after: order });
  await publishEvent(trx, ctx, orderPlaced, {
    orderId: id,
    externalId: input.externalId,
    customerId,
    total: order.total,
    placedAt: order.placedAt,
  });
  return { order, created: true };
}

export async function refundOrder(trx: Trx, ctx: Ctx, orderId: string, input: RefundBody) {
  requirePermission(ctx, 'commerce.write');
  const order = await trx
    .selectFrom('orders')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', orderId)
    .forUpdate()
    .executeTakeFirstOrThrow(() => new AppError('ORDER.NOT_FOUND'));
  if (input.externalId) {
    const seen = await trx
      .selectFrom('refunds')
      .select(['id', 'order_id'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('external_id', '=', input.externalId)
      .executeTakeFirst();
    // The same refund sent again changes nothing; its id on another order is a conflict, not a silent no-op.
    if (seen && seen.order_id !== orderId) {
      throw new AppError('ORDER.REFUND_ID_TAKEN', { fields: [{ field: 'externalId', message: 'invalid' }] });
    }
    if (seen) return getOrder(trx, ctx, orderId);
  }
  const refunded = toAgorot(order.refunded_total) + toAgorot(input.amount);
  if (refunded > toAgorot(order.total)) {
    throw new AppError('ORDER.REFUND_EXCEEDS_TOTAL', { fields: [{ field: 'amount', message: 'too_big' }] });
  }
  const refundId = newId();
  const refundedAt = input.refundedAt ? new Date(input.refundedAt) : new Date();
  await trx
    .insertInto('refunds')
    .values({
      workspace_id: ctx.workspaceId,
      id: refundId,
      order_id: orderId,
      external_id: input.externalId ?? null,
      amount: input.amount,
      reason: input.reason ?? null,
      refunded_at: refundedAt,
    })
    .execute();
  await trx
    .updateTable('orders')
    .set({
      refunded_total: fromAgorot(refunded),
      status: refunded === toAgorot(order.total) ? 'refunded' : 'partially_refunded',
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', orderId)
    .execute();
  await recordTimelineEvents(trx, ctx, [
    {
      customerId: order.customer_id,
      type: 'order.refunded',
      occurredAt: refundedAt,
      refId: orderId,
      data: { amount: fromAgorot(toAgorot(input.amount)), reason: input.reason ?? null },
    },
  ]);
  await refreshTotals(trx, ctx, [order.customer_id]);
  await recordAudit(trx, ctx, {
    action: 'order.refunded',
    entityType: 'order',
    entityId: orderId,
    before: { refundedTotal: order.refunded_total },
    after: { refundedTotal: fromAgorot(refunded), amount: input.amount },
  });
  await publishEvent(trx, ctx, orderRefunded, {
    orderId,
    customerId: order.customer_id,
    amount: fromAgorot(toAgorot(input.amount)),
  });
  return getOrder(trx, ctx, orderId);
}

export async function listOrders(
  trx: Trx,
  ctx: Ctx,
  options: { customerId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  let query = trx.selectFrom('orders').select('id').where('workspace_id', '=', ctx.workspaceId);
  if (options.customerId) query = query.where('customer_id', '=', options.customerId);
  if (options.cursor) query = query.where('id', '<', options.cursor);
  const ids = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(ids, options.limit, (last) => last.id);
  const items = [];
  for (const { id } of page) items.push(await getOrder(trx, ctx, id));
  return { items, nextCursor };
}

/** What commerce does when a customer is merged, exported or erased (declared in commerce.module.ts). */
export const commerceCustomerHooks: CustomerHooks = {
  async merge(trx, ctx, { survivorId, mergedId }) {
    await trx
      .updateTable('orders')
      .set({ customer_id: survivorId })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', mergedId)
      .execute();
    await refreshTotals(trx, ctx, [survivorId, mergedId]);
  },
  async export(trx, ctx, customerId) {
    const { items } = await listOrders(trx, ctx, { customerId, limit: 100_000 });
    return { orders: items };
  },
  // Orders and their amounts stay (the business's books); what identifies the person goes: the free text
  // staff wrote about them, the addresses, and the copies of those kept with the order (its audit entries
  // and the stored reply to a create that may be retried).
  async erase(trx, ctx, customerId) {
    await sql`
      update refunds r set reason = null
      from orders o
      where r.workspace_id = ${ctx.workspaceId} and o.workspace_id = ${ctx.workspaceId}
        and r.order_id = o.id and o.customer_id = ${customerId} and r.reason is not null`.execute(trx);
    const addressed = await trx
      .updateTable('orders')
      .set({ billing_address: null, shipping_address: null })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .returning('id')
      .execute();
    const ids = addressed.map((o) => o.id);
    if (ids.length === 0) return;
    await dropAuditFields(trx, ctx, 'order', ids, ['billingAddress', 'shippingAddress']);
    await dropIdempotentReplyFields(trx, ctx, ids, ['billingAddress', 'shippingAddress']);
  },
};

/** An order line as the loyalty club's earning rules read it: its product, the product's category, its total in agorot. */
export type OrderLineForRules = {
  orderId: string;
  productId: string | null;
  sku: string;
  category: string | null;
  totalAgorot: number;
};

/** The lines of many orders in one query, each with its product's category (for purchase earning rules). */
export async function orderLinesOf(trx: Trx, ctx: Ctx, orderIds: readonly string[]): Promise<OrderLineForRules[]> {
  if (orderIds.length === 0) return [];
  const rows = await trx
    .selectFrom('order_items as i')
    .leftJoin('products as p', (join) =>
      join.onRef('p.workspace_id', '=', 'i.workspace_id').onRef('p.id', '=', 'i.product_id'),
    )
    .select(['i.order_id', 'i.product_id', 'i.sku', 'p.category', 'i.total'])
    .where('i.workspace_id', '=', ctx.workspaceId)
    .where('i.order_id', '=', sql<string>`any(${[...new Set(orderIds)]}::uuid[])`)
    .execute();
  return rows.map((r) => ({
    orderId: r.order_id,
    productId: r.product_id,
    sku: r.sku,
    category: r.category,
    totalAgorot: toAgorot(r.total),
  }));
}
