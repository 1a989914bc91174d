import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../db/tenancy.ts';

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
  await enableTenantSecurity(db, 'event_deliveries');
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
