import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded.ts';
import { acquireDataDirLock } from './lock.ts';
import type { DB } from './schema.ts';
import { markEmbedded } from './tenancy.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export type Database = {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** The embedded database on its own thread (embedded mode only): the job queue and the benchmarks' baseline use it. */
  pglite: EmbeddedDatabase | undefined;
  /** The pg pool (server mode only). */
  pool: pg.Pool | undefined;
  connectionString: string | undefined;
  /** PostgreSQL's LISTEN/NOTIFY (server mode only; PGlite has one process, nobody else to hear from). */
  notifications: Notifications | undefined;
  close(): Promise<void>;
};

/**
 * Notifications from every connection of this process. Once a channel is
 * heard, every pooled connection LISTENs on it before its next query, so a
 * transaction's own notifications arrive before its commit returns; one
 * standing connection hears the other processes' and tells whether none
 * can have been missed (`live`).
 */
export type Notifications = {
  hear(channel: string, onMessage: (payload: string) => void, onLive: (live: boolean) => void): void;
  readonly live: boolean;
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
    const notifications = poolNotifications(pool, options.connectionString);
    return {
      db,
      kind: 'postgres',
      pglite: undefined,
      pool,
      connectionString: options.connectionString,
      notifications,
      close: async () => {
        notifications.stop();
        await db.destroy();
      },
    };
  }
  const release = options.dataDir ? acquireDataDirLock(options.dataDir) : () => undefined;
  try {
    const pglite = await startEmbeddedDatabase(options.dataDir ? `file://${options.dataDir}/pgdata` : 'memory://');
    // The dialect asks its client for query() and close() only, which the embedded database answers as PGlite does.
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite as unknown as PGlite) });
    markEmbedded(db);
    return {
      db,
      kind: 'pglite',
      pglite,
      pool: undefined,
      connectionString: undefined,
      notifications: undefined,
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

type Hearer = { onMessage: (payload: string) => void; onLive: (live: boolean) => void };

function poolNotifications(pool: pg.Pool, connectionString: string): Notifications & { stop(): void } {
  const hearers = new Map<string, Hearer[]>();
  const listenedBy = new WeakMap<pg.Client, number>();
  let standing: pg.Client | undefined;
  let live = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (message: pg.Notification) => {
    for (const hearer of hearers.get(message.channel) ?? []) hearer.onMessage(message.payload ?? '');
  };
  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    for (const list of hearers.values()) for (const hearer of list) hearer.onLive(value);
  };
  const listenSql = () => [...hearers.keys()].map((channel) => `listen ${pg.escapeIdentifier(channel)}`).join('; ');

  // A connection lost while idle (a restart of PostgreSQL) leaves the pool, which makes a new one when asked.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('notification', deliver));
  // 'acquire' fires before the client is handed out, so this LISTEN is queued ahead of the caller's query.
  pool.on('acquire', (client) => {
    if (hearers.size === 0 || listenedBy.get(client) === hearers.size) return;
    listenedBy.set(client, hearers.size);
    client.query(listenSql()).catch(() => {});
  });

  const connectStanding = async () => {
    if (stopped) return;
    // Named, so an operator sees it in pg_stat_activity (and a test can cut it off).
    const client = new pg.Client({ connectionString, application_name: `klient-listener-${process.pid}` });
    const lost = () => {
      if (standing !== client) return;
      standing = undefined;
      setLive(false);
      client.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => void connectStanding(), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', deliver);
    standing = client;
    try {
      await client.connect();
      await client.query(listenSql());
      if (standing === client && !stopped) setLive(true);
    } catch {
      lost();
    }
  };

  return {
    hear(channel, onMessage, onLive) {
      const fresh = !hearers.has(channel);
      hearers.set(channel, [...(hearers.get(channel) ?? []), { onMessage, onLive }]);
      if (!fresh) return;
      // The standing connection starts over with every channel, unheard until it listens again.
      const previous = standing;
      standing = undefined;
      setLive(false);
      previous?.end().catch(() => {});
      clearTimeout(retry);
      void connectStanding();
    },
    get live() {
      return live;
    },
    stop() {
      stopped = true;
      clearTimeout(retry);
      setLive(false);
      const client = standing;
      standing = undefined;
      client?.end().catch(() => {});
    },
  };
}
