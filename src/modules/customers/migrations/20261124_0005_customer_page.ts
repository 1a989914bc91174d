import { type Kysely, sql } from 'kysely';

/**
 * The customer page (profile, identities, consent history and the newest 21
 * timeline events, recorded ones and orders) as one PL/pgSQL function. It is
 * the most opened page, and a function's plan is cached for its connection: PostgreSQL plans the query
 * once instead of on every call (measured with pgbench on 100,000 customers /
 * 1,000,000 orders: 1,307 → 3,168 pages/s; docs/decisions.md). It binds the
 * workspace and the klient_app role itself, as inWorkspace does, and puts
 * both back as it found them before it returns, so row security walls it in
 * whichever connection or transaction calls it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function klient_customer_page(ws uuid, customer uuid) returns json
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

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function klient_customer_page(uuid, uuid)`.execute(db);
}
