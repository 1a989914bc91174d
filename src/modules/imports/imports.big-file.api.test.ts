import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { startJobs } from '../../platform/jobs.ts';
import { buildApp } from '../../server.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../../test/harness.ts';

/**
 * A big file must never hold the server up: while a CSV of tens of MB is
 * previewed, uploaded and imported, /healthz — asked through a real socket
 * every 20 ms — keeps answering, and the event loop is never blocked for
 * seconds as it was. The file is made here, not committed; the 200 ms goal
 * is a figure of bench/import-file.bench.ts (docs/benchmarks.md), not a bound here.
 */

let t: TestApp;
let ws: TestWorkspace;
let base: string;
let own: { close(): Promise<void> } | null = null;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * On PostgreSQL the worker's shared app; on PGlite a server of its own on a
 * data directory on disk, as `klient start` runs it (the suite's in-memory
 * PGlite copies a growing table's whole file now and then, which a real data
 * directory never does).
 */
beforeAll(async () => {
  if (testDatabaseKind === 'postgres') {
    t = await getTestApp();
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-big-file-'));
    const database = await openDatabase({ kind: 'pglite', dataDir });
    await migrateToLatest(database.db as never);
    const jobs = await startJobs(database);
    const app = await buildApp({ database, jobs, logLevel: 'error' });
    t = { app, database, jobs };
    own = {
      async close() {
        await app.close();
        await jobs.stop();
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  ws = await createTestWorkspace(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  agent.destroy();
  if (own) await own.close();
  // The shared app serves the worker's other files: stop listening, keep it open.
  else await new Promise<void>((resolve) => t.app.server.close(() => resolve()));
});

/**
 * Customers with a wide column nobody maps (notes), so the file is big for its
 * row count; written row by row into one Buffer, leaving no big string behind
 * for the garbage collector to stall the measured part with.
 */
function bigCsv(rows: number): Buffer {
  const filler = 'הערה ארוכה על הלקוח, '.repeat(80);
  const out = Buffer.allocUnsafe(rows * (Buffer.byteLength(filler) + 200));
  let at = out.write('מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל,עיר,הערות פנימיות\n');
  for (let i = 0; i < rows; i++) {
    const phone = `05${String(30000000 + i).padStart(8, '0')}`;
    at += out.write(`BIG-${i},לקוח${i},משפחה${i % 97},${phone},big${i}@example.com,חיפה,"${filler}${i}"\n`, at);
  }
  return out.subarray(0, at);
}

/**
 * Sends a multipart upload from a Buffer, slice by slice as the socket takes
 * it: the client shares the server's process, and must not be what blocks it.
 */
function upload(
  path: string,
  fields: Record<string, string>,
  file: Buffer,
): Promise<{ status: number; body: unknown }> {
  const boundary = `----klientbig${Date.now()}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${ws.apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.write(head);
    let at = 0;
    const pump = () => {
      while (at < file.length) {
        const ok = req.write(file.subarray(at, at + 64 * 1024));
        at += 64 * 1024;
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

function get(path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent, headers: { authorization: `Bearer ${ws.apiKey}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      })
      .on('error', reject);
  });
}

type Probe = {
  maxHealthMs: number;
  p95HealthMs: number;
  answers: number[];
  maxStallMs: number;
  maxBusyStallMs: number;
  probes: number;
};

/**
 * While `work` runs: /healthz through the socket every 20 ms (its slowest
 * answer), and a 10 ms timer's longest delay, in full and counting only the
 * CPU time the process spent in it: a delay the server spent running code is
 * its own doing; one it spent waiting for a core (a machine shared with other
 * test runs) is not.
 */
async function probed<T>(work: () => Promise<T>): Promise<Probe & { result: T }> {
  let running = true;
  const answers: number[] = [];
  const probe: Probe = { maxHealthMs: 0, p95HealthMs: 0, answers, maxStallMs: 0, maxBusyStallMs: 0, probes: 0 };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const wall = now - last;
    probe.maxStallMs = Math.max(probe.maxStallMs, wall - 10);
    probe.maxBusyStallMs = Math.max(probe.maxBusyStallMs, Math.min(wall, (cpu.user + cpu.system) / 1000) - 10);
    last = now;
    lastCpu = process.cpuUsage();
  }, 10);
  const prober = (async () => {
    while (running) {
      const sent = performance.now();
      const res = await get('/healthz');
      expect(res.status).toBe(200);
      answers.push(performance.now() - sent);
      probe.maxHealthMs = Math.max(probe.maxHealthMs, performance.now() - sent);
      probe.probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const result = await work();
    running = false;
    await prober;
    answers.sort((a, b) => a - b);
    probe.p95HealthMs = answers[Math.floor(answers.length * 0.95)] ?? 0;
    return { ...probe, result };
  } finally {
    running = false;
    await prober;
    clearInterval(ticker);
  }
}

const fmt = (p: Probe) =>
  `/healthz max ${p.maxHealthMs.toFixed(0)} ms (p95 ${p.p95HealthMs.toFixed(0)}), loop stall max ${p.maxStallMs.toFixed(0)} ms (on CPU ${p.maxBusyStallMs.toFixed(0)} ms), ${p.probes} probes`;

describe('a big import file', () => {
  it('is previewed, uploaded and imported while /healthz keeps answering (no stall of seconds)', async () => {
    const rows = 10_000;
    const file = bigCsv(rows);
    expect(file.length).toBeGreaterThan(25 * 1024 * 1024);

    // The baseline, same run: the server idle for a few seconds.
    const idle = await probed(() => new Promise((resolve) => setTimeout(resolve, 3000)));

    const rssBefore = process.memoryUsage().rss;
    const preview = await probed(() => upload('/api/v1/imports/preview', {}, file));
    const previewGrowthMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);

    const imported = await probed(async () => {
      const res = await upload('/api/v1/imports', { kind: 'customers' }, file);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const { id } = res.body as { id: string };
      const deadline = Date.now() + 60_000;
      for (;;) {
        const body = (await get(`/api/v1/imports/${id}`)).body as { status: string; processedRows: number };
        if (body.status === 'completed' || body.status === 'failed') return body;
        if (Date.now() > deadline) throw new Error(`import still ${body.status} at row ${body.processedRows}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    console.log(
      [
        `big file: ${(file.length / 1024 / 1024).toFixed(1)} MB, ${rows} rows, ${t.database.kind}`,
        `idle (baseline): ${fmt(idle)}`,
        `preview: ${fmt(preview)}, RSS +${previewGrowthMb.toFixed(0)} MB`,
        `upload and import: ${fmt(imported)}`,
      ].join('\n'),
    );

    const previewBody = preview.result.body as { totalRows: number };
    expect(preview.result.status, JSON.stringify(previewBody)).toBe(200);
    expect(previewBody).toMatchObject({ kind: 'customers', encoding: 'utf-8', totalRowsEstimated: true });
    // An estimate from the head, close to the real count.
    expect(Math.abs(previewBody.totalRows - rows) / rows).toBeLessThan(0.05);
    // The upload itself is in memory (35 MB); the preview adds little beyond it.
    expect(previewGrowthMb).toBeLessThan(200);
    expect(imported.result).toMatchObject({ status: 'completed', totalRows: rows, insertedRows: rows });
    expect(imported.probes).toBeGreaterThan(20);

    // The server never holds its thread for long: the longest stretch it spent running code
    // without a turn for other requests (measured 115–360 ms on a machine at load 8–12, with the
    // database's own statements on PGlite). Before, a preview froze it for seconds and an import
    // ran as one chain for tens of seconds; the bound catches that, and leaves room for a busy CI
    // machine. The 200 ms figure itself is measured by bench/import-file.bench.ts.
    expect(preview.maxBusyStallMs).toBeLessThan(1000);
    expect(imported.maxBusyStallMs).toBeLessThan(1000);
    // /healthz answers within half a second, beyond what the same probe waits on the idle server (a
    // machine shared with other test runs makes any process wait for a core now and then): 95 in
    // a hundred answers over the preview, the upload and the import.
    const slack = Math.max(0, idle.maxHealthMs - 20);
    const all = [...preview.answers, ...imported.answers].sort((a, b) => a - b);
    expect(all[Math.floor(all.length * 0.95)]).toBeLessThan(500 + slack);
  }, 120_000);
});
