import { type Kysely, sql } from 'kysely';

/**
 * For a module's migration: puts its events function on every customer's
 * timeline. The function takes `(ws uuid, customer uuid)` and returns
 * `table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)`,
 * one customer's rows, under the caller's row security; it should read
 * through an index on (workspace_id, customer_id, <time>). The customer page
 * and the timeline API are rebuilt from the catalogue, with every source in it.
 *
 *   await registerTimelineSource(db, { name: 'loyalty.points', eventsFunction: 'klient_points_events', module: 'loyalty' });
 */
export async function registerTimelineSource(
  db: Kysely<unknown>,
  source: { name: string; eventsFunction: string; module: string },
): Promise<void> {
  await sql`
    insert into klient_system.timeline_sources (name, events_function, module)
    values (${source.name}, ${source.eventsFunction}, ${source.module})
    on conflict (name) do update set events_function = excluded.events_function, module = excluded.module`.execute(db);
  await sql`select klient_build_timeline()`.execute(db);
}

/** For a module's down migration: takes its source off the timeline again. */
export async function unregisterTimelineSource(db: Kysely<unknown>, name: string): Promise<void> {
  await sql`delete from klient_system.timeline_sources where name = ${name}`.execute(db);
  await sql`select klient_build_timeline()`.execute(db);
}
