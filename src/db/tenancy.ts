import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

export type WorkspaceId = string & { readonly __brand: 'WorkspaceId' };
/** A query builder bound to one open transaction. */
export type Trx = Kysely<DB>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const embedded = new WeakSet<Kysely<DB>>();

/** Marks a database as embedded (PGlite), where multi-statement queries cannot carry the transaction start. */
export function markEmbedded(db: Kysely<DB>): void {
  embedded.add(db);
}

/** True for the embedded database: one connection, so parallel transactions only queue. */
export function isEmbedded(db: Kysely<DB>): boolean {
  return embedded.has(db);
}

/**
 * Runs fn in a transaction bound to one workspace. Besides the
 * `where workspace_id = ...` every query writes, PostgreSQL's row-level
 * security is the second wall: the transaction runs as `klient_app`, whose
 * policies only see rows of `klient.workspace_id`.
 */
export async function inWorkspace<T>(db: Kysely<DB>, workspaceId: string, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (!UUID.test(workspaceId)) throw new Error('inWorkspace needs a workspace UUID');
  if (embedded.has(db)) {
    return db.transaction().execute(async (trx) => {
      await sql`select set_config('klient.workspace_id', ${workspaceId}, true), set_config('role', 'klient_app', true)`.execute(
        trx,
      );
      return fn(trx);
    });
  }
  // On a server every round trip counts: the transaction starts and binds its
  // workspace in one simple-protocol query (the id is a checked UUID literal).
  return db.connection().execute(async (conn) => {
    await sql
      .raw(
        `begin; select set_config('klient.workspace_id', '${workspaceId}', true), set_config('role', 'klient_app', true)`,
      )
      .execute(conn);
    try {
      const result = await fn(conn);
      await sql.raw('commit').execute(conn);
      return result;
    } catch (error) {
      await sql.raw('rollback').execute(conn);
      throw error;
    }
  });
}

/** A transaction with the owner's rights, for work across workspaces (login, sign-up, migrations, CLI). */
export async function inSystem<T>(db: Kysely<DB>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/**
 * Inside a workspace transaction, runs `fn` with the owner's rights, row
 * security off. Only for a read that must use an index row security forbids:
 * LIKE is not leakproof, so under a policy PostgreSQL will not search the
 * trigram index with it. `fn` must filter by workspace itself, and should
 * return ids only, which the caller then reads back under row security.
 */
export async function withoutRowSecurity<T>(trx: Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  await sql`select set_config('role', 'none', true)`.execute(trx);
  // On failure the transaction rolls back, and the role with it.
  const result = await fn(trx);
  await sql`select set_config('role', 'klient_app', true)`.execute(trx);
  return result;
}

/**
 * The tenancy wall on one table, for every migration that creates a
 * workspace's table: row-level security with the one policy (rows of
 * `klient.workspace_id` only) and the app role's rights. The setting sits in a
 * sub-select so PostgreSQL reads it once per query (an InitPlan), not once per
 * row: on a 100,000-row scan that is the difference between milliseconds and
 * a third of a second. The catalog test (tenancy.test.ts) fails for a
 * workspace table without it.
 */
export async function enableTenantSecurity(db: Kysely<unknown>, table: string, column = 'workspace_id'): Promise<void> {
  await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on ${sql.table(table)} to klient_app
    using (${sql.ref(column)} = (select nullif(current_setting('klient.workspace_id', true), '')::uuid))
    with check (${sql.ref(column)} = (select nullif(current_setting('klient.workspace_id', true), '')::uuid))`.execute(
    db,
  );
  await sql`grant select, insert, update, delete on ${sql.table(table)} to klient_app`.execute(db);
}
