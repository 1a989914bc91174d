import { type Kysely, sql } from 'kysely';

/** The audit log screen lists a workspace's changes newest first, a page at a time. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_log_at_idx on audit_log (workspace_id, at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index audit_log_at_idx`.execute(db);
}
