import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * Saved segments and their members. A segment keeps its rules as JSON (checked
 * against the fields every module declares, src/platform/segment-fields.ts)
 * and, as of its last refresh, the customers who matched: a campaign sends to
 * that list, and the list says since when each one has been in it. A name is
 * unique in a workspace whatever its case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table segments (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null check (length(name) between 1 and 120),
      description text check (length(description) <= 1000),
      rules jsonb not null,
      schedule text not null default 'daily' check (schedule in ('manual', 'hourly', 'daily')),
      customer_count integer not null default 0 check (customer_count >= 0),
      refreshed_at timestamptz,
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index segments_name_key on segments (workspace_id, lower(name))`.execute(db);
  await enableTenantSecurity(db, 'segments');

  await sql`
    create table segment_members (
      workspace_id uuid not null references workspaces(id),
      segment_id uuid not null,
      customer_id uuid not null,
      added_at timestamptz not null,
      primary key (workspace_id, segment_id, customer_id),
      foreign key (workspace_id, segment_id) references segments (workspace_id, id) on delete cascade,
      foreign key (workspace_id, customer_id) references customers (workspace_id, id)
    )`.execute(db);
  await sql`create index segment_members_customer_idx on segment_members (workspace_id, customer_id)`.execute(db);
  await enableTenantSecurity(db, 'segment_members');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table segment_members`.execute(db);
  await sql`drop table segments`.execute(db);
}
