// The embedded database's own thread. PGlite is PostgreSQL compiled to
// WebAssembly: each statement runs synchronously on the thread that calls it.
// Here, that thread is not the one serving HTTP, so a long import statement
// never holds up a request that does not need the database (/healthz, static
// files, a validation error). Plain JavaScript: Node starts it without the
// TypeScript loader. The other side is src/db/embedded.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/** An error as plain data: structured cloning keeps only an Error's message, so SQLSTATE and the rest go by hand. */
function plainError(error) {
  const fields = { message: error instanceof Error ? error.message : String(error) };
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (value === undefined || typeof value === 'function') continue;
      if (key === 'params') continue; // the statement's values stay here: they may hold a person's data
      fields[key] = typeof value === 'object' && value !== null ? String(value) : value;
    }
  }
  return fields;
}

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread');

let pglite;
try {
  pglite = await PGlite.create(workerData.dataDir, { extensions: { pg_trgm } });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: plainError(error) });
}

port.on('message', async (message) => {
  const { id, op } = message;
  try {
    if (op === 'query') {
      const result = await pglite.query(message.sql, message.params);
      port.postMessage({ id, rows: result.rows, affectedRows: result.affectedRows });
    } else if (op === 'exec') {
      const results = await pglite.exec(message.sql);
      port.postMessage({ id, results: results.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows })) });
    } else if (op === 'close') {
      if (!pglite.closed) await pglite.close();
      port.postMessage({ id });
    } else {
      throw new Error(`unknown operation ${op}`);
    }
  } catch (error) {
    port.postMessage({ id, error: plainError(error) });
  }
});
