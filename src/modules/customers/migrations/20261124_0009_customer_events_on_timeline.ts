import { type Kysely, sql } from 'kysely';

/**
 * `customer.created` and `consent.changed` on the timeline are read from the
 * customer row and the consent history themselves (`klient_customer_events`,
 * registered by the customers module as a timeline source), as orders are
 * since migration 0004, instead of being copied into `timeline_events`. A
 * customer import wrote two timeline rows per customer for them.
 *
 * The customer row learns who created it (`created_by`, taken from the
 * copies before they go). The customer page function reads the new source.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers add column created_by text`.execute(db);
  await sql`
    update customers c set created_by = e.data->>'by'
    from timeline_events e
    where e.workspace_id = c.workspace_id and e.customer_id = c.id and e.type = 'customer.created'
      and e.data ? 'by'`.execute(db);
  await sql`delete from timeline_events where type in ('customer.created', 'consent.changed')`.execute(db);

  await sql`
    create function klient_customer_events(ws uuid, customer uuid)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select c.id, 'customer.created'::text, c.created_at, c.id,
        case when c.erased_at is not null then '{"erased": true}'::jsonb
          else jsonb_build_object('source', c.source, 'by', c.created_by) end
      from customers c
      where c.workspace_id = ws and c.id = customer
      union all
      select e.id, 'consent.changed'::text, e.occurred_at, e.id,
        jsonb_build_object('channel', e.channel, 'status', e.status, 'source', e.source)
      from consent_events e
      where e.workspace_id = ws and e.customer_id = customer
    $fn$`.execute(db);

  await pageFunction(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await pageFunction(db, false);
  await sql`
    insert into timeline_events (workspace_id, id, customer_id, occurred_at, type, ref_id, data)
    select c.workspace_id, gen_random_uuid(), c.id, c.created_at, 'customer.created', null,
      jsonb_build_object('source', c.source, 'by', c.created_by)
    from customers c`.execute(db);
  await sql`
    insert into timeline_events (workspace_id, id, customer_id, occurred_at, type, ref_id, data)
    select e.workspace_id, gen_random_uuid(), e.customer_id, e.occurred_at, 'consent.changed', e.id,
      jsonb_build_object('channel', e.channel, 'status', e.status, 'source', e.source)
    from consent_events e`.execute(db);
  await sql`drop function klient_customer_events(uuid, uuid)`.execute(db);
  await sql`alter table customers drop column created_by`.execute(db);
}

/** The page function of migration 0005, with or without the customer's own events as a source. */
async function pageFunction(db: Kysely<unknown>, withCustomerEvents: boolean): Promise<void> {
  const customerEvents = withCustomerEvents
    ? sql`union all
            (select e.id, e.type, e.occurred_at, e.ref_id, e.data from klient_customer_events(c.workspace_id, c.id) e
              order by e.occurred_at desc, e.id desc limit 21)`
    : sql``;
  await sql`
    create or replace function klient_customer_page(ws uuid, customer uuid) returns json
    language plpgsql volatile as $fn$
    declare
      result json;
      previous_role text := current_setting('role');
      previous_workspace text := coalesce(current_setting('klient.workspace_id', true), '');
    begin
      perform set_config('klient.workspace_id', ws::text, true), set_config('role', 'klient_app', true);
      select json_build_object(
        'customer', to_jsonb(c) - 'search_text',
        'identities', (
          select coalesce(json_agg(json_build_object('id', i.id, 'kind', i.kind, 'value', i.value,
            'source', i.source, 'createdAt', i.created_at) order by i.created_at), '[]'::json)
          from customer_identities i where i.workspace_id = c.workspace_id and i.customer_id = c.id),
        'consents', (
          select coalesce(json_agg(json_build_object('id', e.id, 'channel', e.channel, 'status', e.status,
            'source', e.source, 'textShown', e.text_shown, 'recordedBy', e.recorded_by, 'occurredAt', e.occurred_at)
            order by e.occurred_at desc, e.id desc), '[]'::json)
          from consent_events e where e.workspace_id = c.workspace_id and e.customer_id = c.id),
        'timeline', (
          select coalesce(json_agg(t order by t.occurred_at desc, t.id desc), '[]'::json)
          from (
            (select e.id, e.type, e.occurred_at, e.ref_id, e.data from timeline_events e
              where e.workspace_id = c.workspace_id and e.customer_id = c.id
              order by e.occurred_at desc, e.id desc limit 21)
            union all
            (select o.id, o.type, o.occurred_at, o.ref_id, o.data from klient_order_events(c.workspace_id, c.id) o
              order by o.occurred_at desc, o.id desc limit 21)
            ${customerEvents}
            order by occurred_at desc, id desc limit 21
          ) t))
      into result
      from customers c
      where c.workspace_id = ws and c.id = customer;
      perform set_config('role', previous_role, true), set_config('klient.workspace_id', previous_workspace, true);
      return result;
    end
    $fn$`.execute(db);
}
