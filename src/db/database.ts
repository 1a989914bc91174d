import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { acquireDataDirLock } from './lock.ts';
import type { DB } from './schema.ts';
import { markEmbedded } from './tenancy.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export type Database = {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** The raw PGlite instance (embedded mode only): pg-boss and COPY-less bulk paths use it. */
  pglite: PGlite | undefined;
  /** The pg pool (server mode only). */
  pool: pg.Pool | undefined;
  connectionString: string | undefined;
  close(): Promise<void>;
};

// int8 (counts, sums of ints) as numbers on pg, as PGlite already returns them;
// numeric stays a decimal string on both, because money is never a float.
pg.types.setTypeParser(20, (value) => Number(value));

export type OpenDatabaseOptions =
  | { kind: 'postgres'; connectionString: string; max?: number }
  | { kind: 'pglite'; dataDir: string | undefined };

/** Opens the one database: PGlite in a locked data directory, or a PostgreSQL pool. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 20 });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      pglite: undefined,
      pool,
      connectionString: options.connectionString,
      close: () => db.destroy(),
    };
  }
  const release = options.dataDir ? acquireDataDirLock(options.dataDir) : () => undefined;
  try {
    const pglite = await PGlite.create(options.dataDir ? `file://${options.dataDir}/pgdata` : 'memory://', {
      extensions: { pg_trgm },
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    markEmbedded(db);
    return {
      db,
      kind: 'pglite',
      pglite,
      pool: undefined,
      connectionString: undefined,
      close: async () => {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
