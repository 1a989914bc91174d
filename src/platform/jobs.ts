import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { Trx } from '../db/tenancy.ts';

export type JobHandler<T extends object> = (data: T) => Promise<void>;
export type ScheduleOptions = { tz?: string };
export type Jobs = {
  send<T extends object>(queue: string, data: T, options?: PgBoss.SendOptions): Promise<string | null>;
  /**
   * Enqueues as part of the caller's transaction: the job exists if, and only
   * if, that transaction commits (an outbox without the outbox table). The
   * queue must be known to this process first (`declare`, `work` or `schedule`),
   * since creating one cannot happen inside somebody else's transaction.
   */
  sendWithin<T extends object>(trx: Trx, queue: string, data: T, options?: PgBoss.SendOptions): Promise<string | null>;
  /** Makes sure the queue exists, so `sendWithin` may use it. */
  declare(queue: string): Promise<void>;
  work<T extends object>(queue: string, handler: JobHandler<T>): Promise<void>;
  /**
   * Sends `data` to `queue` on a cron schedule (pg-boss's own: one job per
   * tick across every server, in the time zone given, UTC by default).
   * Scheduling the same queue again replaces its schedule.
   */
  schedule<T extends object>(queue: string, cron: string, data: T, options?: ScheduleOptions): Promise<void>;
  unschedule(queue: string): Promise<void>;
  stop(): Promise<void>;
};

export type JobsOptions = {
  /** How often schedules are looked at, in seconds (pg-boss: 1–45; default 30). Tests make it 1. */
  scheduleCheckSeconds?: number;
};

const PGBOSS_SCHEMA = 'pgboss';

/**
 * Background work on pg-boss, on PostgreSQL and on PGlite alike. PGlite is one
 * connection: pg-boss's SQL goes through Kysely's connection queue so it never
 * lands inside a transaction another request has open.
 */
export async function startJobs(database: Database, options: JobsOptions = {}): Promise<Jobs> {
  const timing = options.scheduleCheckSeconds
    ? {
        cronMonitorIntervalSeconds: options.scheduleCheckSeconds,
        cronWorkerIntervalSeconds: options.scheduleCheckSeconds,
      }
    : {};
  const boss = database.pglite
    ? new PgBoss({ db: { executeSql: pgliteExecutor(database) }, schema: PGBOSS_SCHEMA, ...timing })
    : newPgBoss(database, timing);
  boss.on('error', (error) => console.error('[jobs]', error));
  await boss.start();
  await retried(() => grantEnqueue(database));
  const queues = new Set<string>();
  // Two processes starting at once (two servers, two test workers) may create
  // the same queue together; PostgreSQL then reports a deadlock or a duplicate.
  // Both mean "someone else is creating it": look again after a moment.
  const ensureQueue = async (queue: string) => {
    if (queues.has(queue)) return;
    await retried(async () => {
      if (!(await boss.getQueue(queue))) await boss.createQueue(queue);
    });
    queues.add(queue);
  };
  return {
    async send(queue, data, sendOptions) {
      await ensureQueue(queue);
      return boss.send(queue, data, sendOptions ?? {});
    },
    async sendWithin(trx, queue, data, sendOptions) {
      if (!queues.has(queue)) throw new Error(`queue ${queue} is not declared: declare it when the server starts`);
      return boss.send(queue, data, { ...sendOptions, db: transactionExecutor(trx) });
    },
    declare: ensureQueue,
    async work(queue, handler) {
      await ensureQueue(queue);
      await boss.work<object>(queue, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) await handler(job.data as never);
      });
    },
    async schedule(queue, cron, data, scheduleOptions) {
      await ensureQueue(queue);
      await boss.schedule(queue, cron, data, { tz: scheduleOptions?.tz ?? 'UTC' });
    },
    unschedule: (queue) => boss.unschedule(queue),
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 5000 }),
  };
}

/** Runs `fn` again after a moment when another process did the same at the same time (see ensureQueue). */
async function retried(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

/**
 * A workspace transaction runs as `klient_app`, which sees no table of its own
 * accord: to enqueue inside it, it may add a job and read the queue's
 * settings, and nothing else of pg-boss's (it reads back only the new id).
 */
async function grantEnqueue(database: Database): Promise<void> {
  const statements = [
    `grant usage on schema ${PGBOSS_SCHEMA} to klient_app`,
    `grant select on ${PGBOSS_SCHEMA}.queue to klient_app`,
    `grant insert, select (id) on ${PGBOSS_SCHEMA}.job to klient_app`,
  ];
  for (const statement of statements) await database.db.executeQuery(CompiledQuery.raw(statement));
}

/** pg-boss's SQL on the caller's open transaction. */
function transactionExecutor(trx: Trx) {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

function newPgBoss(database: Database, timing: object): PgBoss {
  if (!database.connectionString) throw new Error('pg-boss needs a connection string on PostgreSQL');
  return new PgBoss({ connectionString: database.connectionString, max: 4, schema: PGBOSS_SCHEMA, ...timing });
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
