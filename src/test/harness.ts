import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type Database, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { inWorkspace } from '../db/tenancy.ts';
import { createApiKey, createWorkspace } from '../platform/auth.service.ts';
import { randomToken } from '../platform/crypto.ts';
import { type Jobs, startJobs } from '../platform/jobs.ts';
import type { Role } from '../platform/platform.tables.ts';
import { buildApp } from '../server.ts';

export type TestApp = { app: FastifyInstance; database: Database; jobs: Jobs };

let shared: Promise<TestApp> | undefined;

/**
 * Jobs that run nothing, for a second app a test builds beside the shared one. Given the shared app's jobs, such
 * an app would add its own workers to every queue, with handlers on its own database; once the test closed that
 * database, those workers would go on taking other files' jobs (an import, a message) and fail them.
 */
export const noJobs: Jobs = {
  send: async () => null,
  sendWithin: async () => null,
  declare: async () => undefined,
  work: async () => undefined,
  schedule: async () => undefined,
  unschedule: async () => undefined,
  stop: async () => undefined,
};

export const testDatabaseKind = process.env.KLIENT_TEST_PG_URL ? 'postgres' : 'pglite';

export async function openTestDatabase(): Promise<Database> {
  const url = process.env.KLIENT_TEST_PG_URL;
  const database = url
    ? await openDatabase({ kind: 'postgres', connectionString: url, max: 10 })
    : await openDatabase({ kind: 'pglite', dataDir: undefined });
  await migrateToLatest(database.db as never);
  return database;
}

/** One database, job queue and app per test worker; tests isolate themselves by workspace. */
export function getTestApp(): Promise<TestApp> {
  shared ??= (async () => {
    const database = await openTestDatabase();
    const jobs = await startJobs(database);
    // Behind a proxy, as tests give each simulated client its own X-Forwarded-For address.
    const app = await buildApp({ database, jobs, logLevel: 'error', trustProxy: true });
    await app.ready();
    return { app, database, jobs };
  })();
  return shared;
}

export type TestWorkspace = {
  workspaceId: string;
  ownerId: string;
  ownerEmail: string;
  ownerPassword: string;
  apiKey: string;
  /** An API key with the given role, made on demand. */
  keyFor(role: Role): Promise<string>;
  /** Sends a request with the owner's API key (or the given one). */
  request(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
};

/** A fresh workspace with its owner and an owner API key. */
export async function createTestWorkspace(t: TestApp, name = 'עסק לבדיקה'): Promise<TestWorkspace> {
  const ownerEmail = `owner-${randomToken(6).toLowerCase()}@example.com`;
  const ownerPassword = 'correct horse battery';
  const { workspaceId, ownerId } = await createWorkspace(t.database.db, {
    name,
    ownerName: 'בעלת העסק',
    ownerEmail,
    ownerPassword,
  });
  const keyFor = async (role: Role) =>
    (
      await inWorkspace(t.database.db, workspaceId, (trx) =>
        createApiKey(
          trx,
          { workspaceId, actor: { type: 'user', id: ownerId, role: 'owner', name: 'test' } },
          { name: role, role },
        ),
      )
    ).key;
  const apiKey = await keyFor('owner');
  return {
    workspaceId,
    ownerId,
    ownerEmail,
    ownerPassword,
    apiKey,
    keyFor,
    request: ({ key, headers, ...options }) =>
      t.app.inject({ ...options, headers: { authorization: `Bearer ${key ?? apiKey}`, ...headers } }),
  };
}
