import { type Kysely, sql } from 'kysely';

/**
 * What segment rules read of the orders (commerce.segment-fields.ts): the
 * orders of a period, by date with the customer and the amounts (a count or
 * spend over the last N days is an index-only range scan, not the whole
 * table), and the order lines of given SKUs (a product bought). Measured in
 * bench/segments.bench.ts (docs/benchmarks.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index orders_period_idx on orders (workspace_id, placed_at) include (customer_id, status, total, refunded_total)`.execute(
    db,
  );
  await sql`create index order_items_sku_idx on order_items (workspace_id, sku) include (order_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index order_items_sku_idx`.execute(db);
  await sql`drop index orders_period_idx`.execute(db);
}
