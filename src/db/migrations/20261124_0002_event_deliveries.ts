import { type Kysely, sql } from 'kysely';

/** Which subscriber has handled which domain event: exactly-once delivery without a racy cursor. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table event_deliveries (
      workspace_id uuid not null references workspaces(id),
      event_id uuid not null,
      subscriber text not null,
      delivered_at timestamptz not null default now(),
      primary key (workspace_id, event_id, subscriber),
      foreign key (workspace_id, event_id) references domain_events(workspace_id, id)
    )`.execute(db);
  await sql`create index domain_events_type_idx on domain_events (workspace_id, type, id)`.execute(db);
  await sql`alter table event_deliveries enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on event_deliveries to klient_app
    using (workspace_id = (select nullif(current_setting('klient.workspace_id', true), '')::uuid))
    with check (workspace_id = (select nullif(current_setting('klient.workspace_id', true), '')::uuid))`.execute(db);
  await sql`grant select, insert, update, delete on event_deliveries to klient_app`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
