import { type Kysely, sql } from 'kysely';

/**
 * Timeline sources become one catalogue, `klient_system.timeline_sources`: each row names a
 * module's events function (`(ws uuid, customer uuid) returns table (id, type,
 * occurred_at, ref_id, data)`). Both readers of the timeline are generated
 * from it by `klient_build_timeline()`: the customer page function
 * (`klient_customer_page`, the same statement as migration 0009's, one
 * newest-21 branch per source) and `klient_timeline_rows`, which the timeline
 * API pages through. A module's migration registers its source with
 * `registerTimelineSource` (timeline.catalogue.ts) and no longer rewrites the
 * page function, so the last one to do so cannot drop the others'. Each
 * build tells every server to forget the customer pages it keeps in memory.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Not a workspace's table: the schema's own, in the schema of such tables, where the app role has no rights.
  await sql`create schema if not exists klient_system`.execute(db);
  await sql`revoke all on schema klient_system from public`.execute(db);
  await sql`
    create table klient_system.timeline_sources (
      name text primary key,
      events_function text not null,
      module text not null
    )`.execute(db);
  await sql`
    insert into klient_system.timeline_sources (name, events_function, module) values
      ('commerce.orders', 'klient_order_events', 'commerce'),
      ('customers.events', 'klient_customer_events', 'customers')`.execute(db);
  await sql`
    create function klient_build_timeline() returns void
    language plpgsql as $build$
    declare
      page_parts text := '';
      row_parts text := '';
      source record;
    begin
      for source in select events_function from klient_system.timeline_sources order by name loop
        page_parts := page_parts || format($part$
            union all
            (select e.id, e.type, e.occurred_at, e.ref_id, e.data from %I(c.workspace_id, c.id) e
              order by e.occurred_at desc, e.id desc limit 21)$part$, source.events_function);
        row_parts := row_parts || format($part$
        union all
        (select e.id, e.type, e.occurred_at, e.ref_id, e.data from %I(ws, customer) e
          where after_at is null or (e.occurred_at, e.id) < (after_at, after_id)
          order by e.occurred_at desc, e.id desc limit lim)$part$, source.events_function);
      end loop;

      execute format($page$
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
              order by e.occurred_at desc, e.id desc limit 21)%s
            order by occurred_at desc, id desc limit 21
          ) t))
      into result
      from customers c
      where c.workspace_id = ws and c.id = customer;
      perform set_config('role', previous_role, true), set_config('klient.workspace_id', previous_workspace, true);
      return result;
    end
    $fn$$page$, page_parts);

      -- Newest first after (after_at, after_id); lim null is every row. Each part is cut on its own,
      -- so each reads only its newest rows through its index.
      execute format($rows$
    create or replace function klient_timeline_rows(ws uuid, customer uuid, after_at timestamptz, after_id uuid, lim int)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select t.id, t.type, t.occurred_at, t.ref_id, t.data from (
        (select e.id, e.type, e.occurred_at, e.ref_id, e.data from timeline_events e
          where e.workspace_id = ws and e.customer_id = customer
            and (after_at is null or (e.occurred_at, e.id) < (after_at, after_id))
          order by e.occurred_at desc, e.id desc limit lim)%s
      ) t
      order by t.occurred_at desc, t.id desc limit lim
    $fn$$rows$, row_parts);
      -- Every server forgets the pages it keeps: they were built without (or with) this source.
      perform pg_notify('klient_customer_pages', '*');
    end
    $build$`.execute(db);
  await sql`select klient_build_timeline()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function klient_timeline_rows(uuid, uuid, timestamptz, uuid, int)`.execute(db);
  await sql`drop function klient_build_timeline()`.execute(db);
  await sql`drop table klient_system.timeline_sources`.execute(db);
  // klient_customer_page stays as last built: the same statement migration 0009 made for these two sources.
}
