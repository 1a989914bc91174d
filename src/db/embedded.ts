import { Worker } from 'node:worker_threads';

export type EmbeddedResult = { rows: unknown[]; affectedRows?: number | undefined };

/**
 * The embedded PostgreSQL (PGlite), run on a thread of its own
 * (src/db/pglite-worker.js). PGlite runs a statement synchronously on the
 * thread that calls it, and an import's batch can take a second: on the
 * server's thread, every request waited that long, even /healthz. Here the
 * server's thread only waits for answers. It is still one session: callers
 * serialise their transactions (Kysely's driver and the job queue's executor do).
 */
export type EmbeddedDatabase = {
  query(sql: string, params?: unknown[]): Promise<EmbeddedResult>;
  /** Runs a multi-statement script by the simple protocol (no parameters); one result per statement. */
  exec(sql: string): Promise<EmbeddedResult[]>;
  close(): Promise<void>;
  readonly closed: boolean;
};

type Reply = {
  id: number;
  rows?: unknown[];
  affectedRows?: number;
  results?: EmbeddedResult[];
  error?: Record<string, unknown> & { message: string };
};
type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

/** The database's error as it was raised, SQLSTATE and all, so callers tell faults apart as on PostgreSQL. */
function revive(fields: Record<string, unknown> & { message: string }): Error {
  const { message, stack: _stack, ...rest } = fields;
  return Object.assign(new Error(message), rest);
}

/** Starts PGlite on its own thread, in `dataDir` (`file://…` or `memory://`), once it is ready. */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir } });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  let failure: Error | undefined;

  // The thread keeps the process alive only while a statement is on its way.
  worker.unref();
  const settle = () => {
    if (pending.size === 0) worker.unref();
  };
  const failAll = (error: Error) => {
    failure ??= error;
    closed = true;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const onReady = (message: { ready?: boolean; error?: Reply['error'] }) => {
      worker.off('error', onError);
      if (message.ready) return resolve();
      void worker.terminate();
      reject(revive(message.error ?? { message: 'the embedded database did not start' }));
    };
    const onError = (error: Error) => reject(error);
    worker.once('message', onReady);
    worker.once('error', onError);
  });

  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    settle();
    if (reply.error) waiting.reject(revive(reply.error));
    else waiting.resolve(reply);
  });
  worker.on('error', (error) => {
    console.error('[database] the embedded database failed:', error);
    failAll(error);
  });
  worker.on('exit', (code) => {
    if (!closed) console.error(`[database] the embedded database's thread stopped (exit code ${code})`);
    failAll(new Error(`the embedded database's thread stopped (exit code ${code})`));
  });

  const send = (message: { op: string; sql?: string; params?: unknown[] }) =>
    new Promise<Reply>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      try {
        worker.postMessage({ id, ...message });
      } catch (error) {
        // A value that cannot cross threads (a function, a class with private state) is the caller's bug.
        pending.delete(id);
        settle();
        reject(error as Error);
      }
    });

  return {
    async query(sql, params) {
      const reply = await send({ op: 'query', sql, params: params ?? [] });
      return { rows: reply.rows ?? [], affectedRows: reply.affectedRows };
    },
    async exec(sql) {
      return (await send({ op: 'exec', sql })).results ?? [];
    },
    async close() {
      if (closed) return;
      await send({ op: 'close' });
      closed = true;
      failure = new Error('the embedded database is closed');
      await worker.terminate();
    },
    get closed() {
      return closed;
    },
  };
}
