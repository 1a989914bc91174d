import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { applyCustomerTotals } from '../customers/customers.service.ts';
import type { OrderAddress } from './commerce.tables.ts';

// Shared by one order (commerce.service.ts) and many (commerce.bulk.ts), apart from both so that the
// service can re-export the bulk writers without an import cycle.

/** An address as the orders table keeps it: JSON, or null when it has no part at all. */
export function addressJson(
  address: { [K in keyof OrderAddress]?: string | undefined } | null | undefined,
): string | null {
  if (!address) return null;
  const parts = Object.entries(address).filter(([, v]) => typeof v === 'string' && v !== '');
  return parts.length ? JSON.stringify(Object.fromEntries(parts)) : null;
}

/**
 * Recomputes the order count, net spend (total minus refunds, cancelled
 * orders excluded) and first/last purchase of the given customers from their
 * orders, and writes them to the customer records.
 */
export async function refreshTotals(trx: Trx, ctx: Ctx, customerIds: string[]): Promise<void> {
  if (customerIds.length === 0) return;
  const ids = [...new Set(customerIds)];
  const rows = await trx
    .selectFrom('orders')
    .select([
      'customer_id',
      sql<number>`count(*) filter (where status <> 'cancelled')::int`.as('orders_count'),
      sql<string>`coalesce(sum(total - refunded_total) filter (where status <> 'cancelled'), 0)::text`.as(
        'total_spent',
      ),
      sql<Date | null>`min(placed_at) filter (where status <> 'cancelled')`.as('first_order_at'),
      sql<Date | null>`max(placed_at) filter (where status <> 'cancelled')`.as('last_order_at'),
    ])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', sql<string>`any(${ids}::uuid[])`)
    .groupBy('customer_id')
    .execute();
  const byId = new Map(rows.map((r) => [r.customer_id, r]));
  await applyCustomerTotals(
    trx,
    ctx,
    ids.map((id) => {
      const r = byId.get(id);
      return {
        customerId: id,
        ordersCount: r?.orders_count ?? 0,
        totalSpent: r?.total_spent ?? '0',
        firstOrderAt: r?.first_order_at ?? null,
        lastOrderAt: r?.last_order_at ?? null,
      };
    }),
  );
}
