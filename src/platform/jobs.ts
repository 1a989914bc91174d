import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';

export type JobHandler<T extends object> = (data: T) => Promise<void>;
export type Jobs = {
  send<T extends object>(queue: string, data: T, options?: PgBoss.SendOptions): Promise<string | null>;
  work<T extends object>(queue: string, handler: JobHandler<T>): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Background work on pg-boss, on PostgreSQL and on PGlite alike. PGlite is one
 * connection: pg-boss's SQL goes through Kysely's connection queue so it never
 * lands inside a transaction another request has open.
 */
export async function startJobs(database: Database): Promise<Jobs> {
  const boss = database.pglite ? new PgBoss({ db: { executeSql: pgliteExecutor(database) } }) : newPgBoss(database);
  boss.on('error', (error) => console.error('[jobs]', error));
  await boss.start();
  const queues = new Set<string>();
  // Two processes starting at once (two servers, two test workers) may create
  // the same queue together; PostgreSQL then reports a deadlock or a duplicate.
  // Both mean "someone else is creating it": look again after a moment.
  const ensureQueue = async (queue: string) => {
    for (let attempt = 1; !queues.has(queue); attempt++) {
      try {
        if (!(await boss.getQueue(queue))) await boss.createQueue(queue);
        queues.add(queue);
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
      }
    }
  };
  return {
    async send(queue, data, options) {
      await ensureQueue(queue);
      return boss.send(queue, data, options ?? {});
    },
    async work(queue, handler) {
      await ensureQueue(queue);
      await boss.work<object>(queue, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) await handler(job.data as never);
      });
    },
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 5000 }),
  };
}

function newPgBoss(database: Database): PgBoss {
  if (!database.connectionString) throw new Error('pg-boss needs a connection string on PostgreSQL');
  return new PgBoss({ connectionString: database.connectionString, max: 4 });
}

function pgliteExecutor(database: Database) {
  const pglite = database.pglite;
  if (!pglite) throw new Error('not an embedded database');
  return (text: string, values?: unknown[]) =>
    database.db.connection().execute(async () => {
      if (values && values.length > 0) {
        const result = await pglite.query(text, values);
        return { rows: result.rows as unknown[] };
      }
      // pg-boss sends multi-statement scripts without values: only the simple protocol runs them.
      const results = await pglite.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as unknown[] };
    });
}
