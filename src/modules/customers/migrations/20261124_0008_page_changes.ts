import { type Kysely, sql } from 'kysely';

/**
 * Tells every Klient process which customer pages a committed change made
 * stale, so a server may keep pages in memory (customers.page-cache.ts).
 *
 * A statement-level trigger per table that feeds the page sends one
 * notification per statement on the channel `klient_customer_pages`:
 * `<workspace id>:<customer id>,<customer id>,...`, or `<workspace id>:*`
 * when a statement touches more than 100 customers (an import batch, a
 * totals refresh) or a table whose rows every page may show (branches).
 * PostgreSQL sends notifications only when the transaction commits, and a
 * listening session sees its own before the commit returns, which is what
 * gives a server read-your-writes.
 *
 * A module whose table later feeds the page (a timeline source) calls
 * `select klient_watch_customer_pages('its_table', 'customer_id')` in its
 * migration (docs/architecture.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function klient_customer_pages_changed() returns trigger
    language plpgsql as $fn$
    declare
      customer_column text := tg_argv[0];
      changed text := case tg_op when 'INSERT' then 'select * from new_rows'
        when 'DELETE' then 'select * from old_rows'
        else 'select * from old_rows union all select * from new_rows' end;
      r record;
    begin
      if customer_column = '*' then
        for r in execute format('select distinct workspace_id::text as ws from (%s) x', changed) loop
          perform pg_notify('klient_customer_pages', r.ws || ':*');
        end loop;
        return null;
      end if;
      for r in execute format(
        'select workspace_id::text as ws, case when count(distinct %1$I) > 100 then ''*''
           else string_agg(distinct %1$I::text, '','') end as ids
         from (%2$s) x where %1$I is not null group by workspace_id', customer_column, changed) loop
        perform pg_notify('klient_customer_pages', r.ws || ':' || r.ids);
      end loop;
      return null;
    end
    $fn$`.execute(db);

  await sql`
    create function klient_watch_customer_pages(target regclass, customer_column text) returns void
    language plpgsql as $fn$
    declare
      name text := replace(target::text, '.', '_');
    begin
      execute format('create trigger %I after insert on %s referencing new table as new_rows
        for each statement execute function klient_customer_pages_changed(%L)', name || '_pages_insert', target, customer_column);
      execute format('create trigger %I after update on %s referencing old table as old_rows new table as new_rows
        for each statement execute function klient_customer_pages_changed(%L)', name || '_pages_update', target, customer_column);
      execute format('create trigger %I after delete on %s referencing old table as old_rows
        for each statement execute function klient_customer_pages_changed(%L)', name || '_pages_delete', target, customer_column);
    end
    $fn$`.execute(db);

  await sql`select klient_watch_customer_pages('customers', 'id')`.execute(db);
  for (const table of ['customer_identities', 'consent_events', 'timeline_events', 'orders']) {
    await sql`select klient_watch_customer_pages(${table}::regclass, 'customer_id')`.execute(db);
  }
  // An order on the timeline shows its branch's name.
  await sql`select klient_watch_customer_pages('branches', '*')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['customers', 'customer_identities', 'consent_events', 'timeline_events', 'orders', 'branches']) {
    for (const event of ['insert', 'update', 'delete']) {
      await sql.raw(`drop trigger ${table}_pages_${event} on ${table}`).execute(db);
    }
  }
  await sql`drop function klient_watch_customer_pages(regclass, text)`.execute(db);
  await sql`drop function klient_customer_pages_changed()`.execute(db);
}
