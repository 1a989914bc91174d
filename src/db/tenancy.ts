import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

export type WorkspaceId = string & { readonly __brand: 'WorkspaceId' };
export type Trx = Transaction<DB>;
export type Db = Kysely<DB> | Transaction<DB>;

/**
 * Runs fn in a transaction bound to one workspace. Besides the
 * `where workspace_id = ...` every query writes, PostgreSQL's row-level
 * security is the second wall: the transaction runs as `klient_app`, whose
 * policies only see rows of `klient.workspace_id`.
 */
export async function inWorkspace<T>(db: Kysely<DB>, workspaceId: string, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('klient.workspace_id', ${workspaceId}, true), set_config('role', 'klient_app', true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

/** A transaction with the owner's rights, for work across workspaces (login, sign-up, migrations, CLI). */
export async function inSystem<T>(db: Kysely<DB>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
