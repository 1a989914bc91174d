import { type Compilable, type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { DB } from './schema.ts';

export type WorkspaceId = string & { readonly __brand: 'WorkspaceId' };
/** A query builder bound to one open transaction. */
export type Trx = Kysely<DB>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const embedded = new WeakSet<Kysely<DB>>();

const serverPools = new WeakMap<Kysely<DB>, pg.Pool>();

export function registerServerPool(db: Kysely<DB>, pool: pg.Pool): void {
  serverPools.set(db, pool);
}

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

/** A query parameter that can be written into SQL text with no way to escape it. */
function literal(value: unknown): string | null {
  if (typeof value === 'string' && UUID.test(value)) return `'${value}'`;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return null;
}

/**
 * One read, bound to one workspace, in one round trip on a PostgreSQL server:
 * the workspace binding and the query go as one simple-protocol message, which
 * PostgreSQL runs as one implicit transaction (the local settings end with it,
 * and an error rolls it all back). Only queries whose parameters are all UUIDs
 * or integers qualify (they are written in as literals, which cannot break
 * out of their quotes); anything else, and PGlite, takes `inWorkspace`.
 * For the hottest pages (the customer page): three round trips become one.
 */
export async function readInWorkspace<R>(db: Kysely<DB>, workspaceId: string, query: Compilable<R>): Promise<R[]> {
  const pool = serverPools.get(db);
  const compiled = query.compile();
  const literals = compiled.parameters.map(literal);
  if (!pool || !UUID.test(workspaceId) || literals.some((l) => l === null)) {
    return inWorkspace(db, workspaceId, async (trx) => (await trx.executeQuery(compiled)).rows);
  }
  // Replace $n from the highest number down, so $1 never eats the start of $12.
  let text = compiled.sql;
  for (let i = literals.length; i >= 1; i--) text = text.replaceAll(`$${i}`, literals[i - 1] ?? 'null');
  const results = (await pool.query(
    `select set_config('klient.workspace_id', '${workspaceId}', true), set_config('role', 'klient_app', true); ${text}`,
  )) as unknown as pg.QueryResult[];
  return (results[1]?.rows ?? []) as R[];
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
