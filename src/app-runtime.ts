import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { startEventDispatcher } from './platform/events.ts';
import { type Jobs, startJobs } from './platform/jobs.ts';
import { buildApp } from './server.ts';

export type Runtime = { database: Database; jobs: Jobs; app: FastifyInstance; close(): Promise<void> };

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', connectionString: config.databaseUrl })
    : openDatabase({ kind: 'pglite', dataDir: config.dataDir });
}

/** Opens the database, migrates it, starts the job queue and builds the app: everything `klient start` needs. */
export async function startRuntime(config: Config, database?: Database): Promise<Runtime> {
  const db = database ?? (await openConfiguredDatabase(config));
  try {
    await migrateToLatest(db.db as never);
    const jobs = await startJobs(db);
    const app = await buildApp({
      database: db,
      jobs,
      logLevel: config.logLevel,
      secureCookies: config.secureCookies,
      trustProxy: config.trustProxy,
      pageCacheMb: config.pageCacheMb,
      publicUrl: config.publicUrl,
      webDir: config.webDir,
      mail: {
        smtpUrl: config.smtpUrl,
        from: config.mailFrom,
        leaseSeconds: config.sendLeaseSeconds,
        connections: config.smtpConnections,
      },
    });
    const stopEvents = startEventDispatcher(db.db);
    return {
      database: db,
      jobs,
      app,
      async close() {
        await app.close();
        await stopEvents();
        await jobs.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
