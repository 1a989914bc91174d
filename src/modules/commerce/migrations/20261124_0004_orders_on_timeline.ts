import { type Kysely, sql } from 'kysely';

/**
 * Orders are on the timeline through klient_order_events, read from the
 * orders themselves, and no longer copied into timeline_events: a copy was a
 * third of what an import wrote, and could drift from the order it copied.
 * An order keeps its number of lines, so its event needs no count of them;
 * the orders index now ends in id, so a customer's newest orders come
 * straight off it in timeline order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from timeline_events where type = 'order.placed'`.execute(db);
  await sql`alter table orders add column items_count int not null default 0`.execute(db);
  await sql`
    update orders o set items_count = x.n
    from (select workspace_id, order_id, count(*)::int as n from order_items group by workspace_id, order_id) x
    where o.workspace_id = x.workspace_id and o.id = x.order_id`.execute(db);
  await sql`drop index orders_customer_idx`.execute(db);
  await sql`create index orders_customer_idx on orders (workspace_id, customer_id, placed_at desc, id desc)`.execute(
    db,
  );
  // Commerce registers it as the timeline source of orders; the customer page reads it too.
  await sql`
    create function klient_order_events(ws uuid, customer uuid)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select o.id, 'order.placed'::text, o.placed_at, o.id,
        jsonb_build_object('total', o.total::text, 'channel', o.channel, 'branchName', b.name,
          'itemsCount', o.items_count)
      from orders o
      left join branches b on b.workspace_id = o.workspace_id and b.id = o.branch_id
      where o.workspace_id = ws and o.customer_id = customer
    $fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    insert into timeline_events (workspace_id, id, customer_id, occurred_at, type, ref_id, data)
    select o.workspace_id, gen_random_uuid(), o.customer_id, o.placed_at, 'order.placed', o.id,
      jsonb_build_object('total', o.total::text, 'channel', o.channel, 'branchName', b.name, 'itemsCount', o.items_count)
    from orders o left join branches b on b.workspace_id = o.workspace_id and b.id = o.branch_id`.execute(db);
  await sql`drop function klient_order_events(uuid, uuid)`.execute(db);
  await sql`drop index orders_customer_idx`.execute(db);
  await sql`create index orders_customer_idx on orders (workspace_id, customer_id, placed_at desc)`.execute(db);
  await sql`alter table orders drop column items_count`.execute(db);
}
