import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../db/tenancy.ts';

/**
 * Failed logins are counted per email and client address in one table, for
 * emails that have accounts and emails that have none alike, so the answers
 * cannot tell the two apart: not after a restart, and not behind a load
 * balancer, where every server of one database now reads the same count
 * (the unknown emails' counts were kept in each server's memory).
 *
 * A login happens before any workspace is known, so this is a system table:
 * no workspace_id, no link to users or workspaces, read and written only in
 * `inSystem`. It lives in its own schema, `klient_system`, as pg-boss's
 * tables live in `pgboss`: the tenancy catalog test (src/db/tenancy.test.ts)
 * holds every table of `public` to the tenant rules, which a table keyed by
 * email cannot meet. The app role `klient_app`, which workspace transactions
 * run as, gets no rights on the schema, so no workspace can read or write it.
 *
 * The email is kept as the sha256 hex of its normalised form (trimmed,
 * lower-cased), never as typed: the table holds nobody's address in clear.
 * Rows whose last failure is a day old mean nothing (loginPolicy.forgetAfterH);
 * each failed attempt deletes a few of them, found by `last_failed_at`.
 *
 * The old per-account rows are dropped, not carried over: their counts last
 * minutes, and keying them by email would need each user's email at the time
 * of the failure. At worst an address under a wait when this migration runs
 * gets its free tries again once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create schema if not exists klient_system`.execute(db);
  await sql`revoke all on schema klient_system from public`.execute(db);
  await sql`
    create table klient_system.login_throttles (
      email_hash text not null check (email_hash ~ '^[0-9a-f]{64}$'),
      address text not null,
      failures int not null,
      checked int not null,
      blocked_until timestamptz,
      last_failed_at timestamptz not null,
      primary key (email_hash, address)
    )`.execute(db);
  await sql`create index login_throttles_last_failed_at on klient_system.login_throttles (last_failed_at)`.execute(db);
  await sql`drop table login_throttles`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
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
  await sql`drop table klient_system.login_throttles`.execute(db);
  // The schema stays: other system tables live there too (the timeline catalogue).
}
