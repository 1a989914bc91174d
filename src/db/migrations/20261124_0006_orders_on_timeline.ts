import { type Kysely, sql } from 'kysely';

/**
 * Orders are on the timeline through klient_order_events, read from the
 * orders themselves, and no longer copied into timeline_events: a copy was a
 * third of what an import wrote, and could drift from the order it copied.
 * The orders index now ends in id too, so a customer's newest orders come
 * straight off it in timeline order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from timeline_events where type = 'order.placed'`.execute(db);
  await sql`drop index orders_customer_idx`.execute(db);
  await sql`create index orders_customer_idx on orders (workspace_id, customer_id, placed_at desc, id desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index orders_customer_idx`.execute(db);
  await sql`create index orders_customer_idx on orders (workspace_id, customer_id, placed_at desc)`.execute(db);
  await sql`
    insert into timeline_events (workspace_id, id, customer_id, occurred_at, type, ref_id, data)
    select o.workspace_id, gen_random_uuid(), o.customer_id, e.occurred_at, e.type, e.ref_id, e.data
    from orders o, klient_order_events(o.workspace_id, o.customer_id) e
    where e.id = o.id`.execute(db);
}
