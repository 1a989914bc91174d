import { type Kysely, sql } from 'kysely';

/**
 * An order keeps who paid and where it went, as the source system wrote
 * them: a billing and a shipping address (name, company, street, city, zip,
 * country, phone; JSON, since a source gives any part of them) and the
 * payment status (Shopify's Financial Status, WooCommerce's order status).
 * The addresses are the person's: an erasure blanks them (commerce's erase
 * hook). The timeline's order event now says the payment status and the
 * city the order was shipped to, read from the order as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table orders
      add column billing_address jsonb,
      add column shipping_address jsonb,
      add column payment_status text check (payment_status in
        ('pending', 'authorized', 'paid', 'partially_paid', 'partially_refunded', 'refunded', 'voided', 'failed'))`.execute(
    db,
  );
  await orderEvents(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await orderEvents(db, false);
  await sql`alter table orders drop column billing_address, drop column shipping_address, drop column payment_status`.execute(
    db,
  );
}

/** klient_order_events (migration 0004), with or without the payment status and shipping city. */
async function orderEvents(db: Kysely<unknown>, withAddresses: boolean): Promise<void> {
  // Only when the order has them, so an order's event reads as before when the source said neither.
  const extra = withAddresses
    ? sql` || jsonb_strip_nulls(jsonb_build_object('paymentStatus', o.payment_status,
          'shipCity', o.shipping_address ->> 'city'))`
    : sql``;
  await sql`
    create or replace function klient_order_events(ws uuid, customer uuid)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select o.id, 'order.placed'::text, o.placed_at, o.id,
        jsonb_build_object('total', o.total::text, 'channel', o.channel, 'branchName', b.name,
          'itemsCount', o.items_count)${extra}
      from orders o
      left join branches b on b.workspace_id = o.workspace_id and b.id = o.branch_id
      where o.workspace_id = ws and o.customer_id = customer
    $fn$`.execute(db);
}
