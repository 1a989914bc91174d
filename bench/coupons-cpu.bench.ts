/**
 * What a coupon call costs the server's main thread, without load: calls one
 * after another through Fastify's inject against the database that
 * `bench/coupons.bench.ts --keep` leaves, timed by event-loop utilisation
 * (the thread's busy time, socket writes included, other threads not).
 * Beside it, in the same run, GET /healthz (inject's own cost, no database),
 * GET /api/v1/loyalty/program (an authenticated read of a few statements)
 * and node-postgres on its own (a transaction of two small selects), so a
 * change to the till path shows against them.
 *
 *   npx tsx bench/coupons.bench.ts --members 5000 --seconds 1 --keep
 *   npx tsx bench/coupons-cpu.bench.ts [--calls 400]
 *
 * Uses up `--calls` × 2 of the kept database's unused codes (two rounds, the first a warm-up).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { startRuntime } from '../src/app-runtime.ts';
import { loadConfig } from '../src/config.ts';
import { benchApiKey } from './fixtures.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '400' } } });
const calls = Number(values.calls);
const adminUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
adminUrl.pathname = '/klient_bench_coupons';
const runtime = await startRuntime(
  loadConfig({ ...process.env, DATABASE_URL: adminUrl.toString(), KLIENT_DEMO: '0', LOG_LEVEL: 'warn' }),
);
try {
  const db = runtime.database.db;
  const workspace = await db.selectFrom('workspaces').select('id').executeTakeFirst();
  if (!workspace) throw new Error('no bench database: run bench/coupons.bench.ts with --keep first');
  const key = await benchApiKey(db, workspace.id);
  // Unused codes, each with a member who has not used the campaign yet.
  const free = await sql<{ code: string; customer_id: string }>`
    with c as (select code, row_number() over (order by id) as n from loyalty_coupons where status = 'active'),
      m as (select customer_id, row_number() over (order by customer_id) as n from loyalty_members m
        where not exists (select 1 from loyalty_coupon_uses u where u.customer_id = m.customer_id))
    select c.code, m.customer_id from c join m using (n) limit ${2 * calls}`.execute(db);
  if (free.rows.length < 2 * calls) throw new Error(`only ${free.rows.length} unused codes left: seed again`);
  const basket = { total: '64.00', items: [{ sku: 'KIT-BRK', quantity: 1, unitPrice: '50.00' }] };
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  let used = 0;
  const post = (url: string, extra: object = {}) => {
    const pair = free.rows[used]!;
    const body = { code: pair.code, customerId: pair.customer_id, basket, ...extra };
    return runtime.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
  };
  const kinds: Record<string, () => Promise<LightMyRequestResponse>> = {
    'GET /healthz': () => runtime.app.inject({ method: 'GET', url: '/healthz' }),
    'GET /api/v1/loyalty/program': () => runtime.app.inject({ method: 'GET', url: '/api/v1/loyalty/program', headers }),
    'POST /api/v1/coupons/validate': () => post('/api/v1/coupons/validate'),
    'POST /api/v1/coupons/redeem': async () => {
      const reply = await post('/api/v1/coupons/redeem', { orderId: `CPU-${free.rows[used]!.code}` });
      used++;
      return reply;
    },
  };
  // The baseline under every statement: node-postgres on its own, a transaction of two small selects.
  const pool = runtime.database.pool!;
  kinds['raw pg: begin, 2 selects, commit (no HTTP)'] = async () => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('select $1::int as n', [1]);
      await client.query('select $1::text as t', ['x']);
      await client.query('commit');
    } finally {
      client.release();
    }
    return { statusCode: 200 } as LightMyRequestResponse;
  };
  const rows: string[] = [];
  for (const round of ['warm-up', 'measured']) {
    for (const [name, call] of Object.entries(kinds)) {
      const before = performance.eventLoopUtilization();
      const started = performance.now();
      for (let i = 0; i < calls; i++) {
        const reply = await call();
        if (reply.statusCode >= 300) throw new Error(`${name}: ${reply.statusCode} ${reply.body}`);
      }
      const busy = performance.eventLoopUtilization(before).active / calls;
      const wall = (performance.now() - started) / calls;
      if (round === 'measured') rows.push(`| ${name} | ${busy.toFixed(3)} | ${wall.toFixed(3)} |`);
    }
  }
  console.log(`\n${calls} calls each, one after another\n`);
  console.log('| call | main thread busy (ms/call) | wall (ms/call) |');
  console.log('| --- | --- | --- |');
  for (const row of rows) console.log(row);
} finally {
  await runtime.close();
}
