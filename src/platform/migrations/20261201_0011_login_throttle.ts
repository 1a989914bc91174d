import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../db/tenancy.ts';

/**
 * Failed logins are counted per account and client address, so a stranger's
 * wrong passwords slow down only the stranger's address, never the owner on
 * their own machine. The counters on the user row (one per account, written
 * read-then-write, so parallel attempts were lost) go.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table login_throttles (
      workspace_id uuid not null references workspaces(id),
      user_id uuid not null,
      address text not null,
      failures int not null,
      checked int not null,
      blocked_until timestamptz,
      last_failed_at timestamptz not null,
      primary key (workspace_id, user_id, address),
      foreign key (workspace_id, user_id) references users(workspace_id, id) on delete cascade
    )`.execute(db);
  await enableTenantSecurity(db, 'login_throttles');
  await sql`alter table users drop column failed_logins, drop column locked_until`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column failed_logins int not null default 0, add column locked_until timestamptz`.execute(
    db,
  );
  await sql`drop table login_throttles`.execute(db);
}
