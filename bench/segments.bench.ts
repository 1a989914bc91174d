/**
 * A segment's live count on PostgreSQL: 100,000 customers with 1,000,000
 * orders, rules in three groups (who they are, what they bought lately, how
 * they may be reached), counted by the segments module (rules checked and
 * compiled into one parameterised query) against the same question written by
 * hand in SQL, in the same run and the same workspace transaction (so row
 * security on both). The goal (issue #14): under 500 ms, and within 2× of the
 * hand-written query. Both must give the same count.
 *
 *   npx tsx bench/segments.bench.ts [--customers 100000] [--orders 1000000] [--runs 7] [--keep] [--reuse]
 *
 * `--reuse` runs on the database an earlier `--keep` left (migrated to the latest first), without seeding again.
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres); makes a fresh
 * database klient_bench_segments and drops it at the end (but with --keep).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { inWorkspace } from '../src/db/tenancy.ts';
import { modules } from '../src/modules/index.ts';
import { previewSegment } from '../src/modules/segments/segments.service.ts';
import { systemCtx } from '../src/platform/context.ts';
import { installModules } from '../src/platform/registry.ts';
import { seedBenchWorkspace } from './fixtures.ts';
import { adminQuery } from './processes.ts';

const { values } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    customers: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '7' },
  },
});
const runs = Number(values.runs);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'klient_bench_segments';
const admin = (query: string) => adminQuery(adminUrl, query);

installModules(modules);
if (!values.reuse) {
  await admin(`drop database if exists ${dbName} with (force)`);
  await admin(`create database ${dbName}`);
}
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const database = await openDatabase({ kind: 'postgres', connectionString: url.toString() });
const db = database.db;

try {
  await migrateToLatest(db as never);
  const kept = values.reuse ? await db.selectFrom('workspaces').select('id').executeTakeFirst() : undefined;
  if (!kept) console.log(`Seeding ${values.customers} customers and ${values.orders} orders ...`);
  const { workspaceId } = kept
    ? { workspaceId: kept.id }
    : await seedBenchWorkspace(database, { customers: Number(values.customers), orders: Number(values.orders) }, (l) =>
        console.log(l),
      );
  for (const table of ['customers', 'orders', 'order_items'])
    await sql`vacuum (analyze) ${sql.table(table)}`.execute(db);
  const ctx = systemCtx(workspaceId);
  const now = new Date();

  // Who they are (VIP or a repeat customer), what they bought lately (spent 400 ₪ in a year, three orders in
  // half a year, or SKU-7 in the last 90 days), and how they may be reached (email or SMS consent).
  const rules = {
    match: 'all' as const,
    rules: [
      {
        match: 'any' as const,
        rules: [
          { field: 'customer.tags', op: 'has_any', value: ['vip'] },
          { field: 'customer.lifecycle_stage', op: 'in', value: ['repeat'] },
        ],
      },
      {
        match: 'any' as const,
        rules: [
          { field: 'orders.spend', op: 'gte', value: 400, withinDays: 365 },
          { field: 'orders.count', op: 'gte', value: 3, withinDays: 180 },
          { field: 'orders.bought_product', op: 'has_any', value: ['SKU-7'], withinDays: 90 },
        ],
      },
      {
        match: 'any' as const,
        rules: [
          { field: 'consent.email', op: 'is_true' },
          { field: 'consent.sms', op: 'is_true' },
        ],
      },
    ],
  };
  const day = 86_400_000;
  const since = (days: number) => new Date(now.getTime() - days * day);
  // The same question as a person would write it: the period's orders aggregated once per customer, then joined.
  const byHand = () =>
    inWorkspace(db, workspaceId, async (trx) => {
      // The same memory as the segment's own query is given.
      await sql`set local work_mem = '64MB'`.execute(trx);
      const { rows } = await sql<{ n: string }>`
        with recent as (
          select o.customer_id,
            sum(o.total - o.refunded_total) filter (where o.placed_at >= ${since(365)}) as spend_year,
            count(*) filter (where o.placed_at >= ${since(180)}) as orders_half
          from orders o
          where o.workspace_id = ${workspaceId} and o.status <> 'cancelled' and o.placed_at >= ${since(365)}
          group by o.customer_id
        ), sku as (
          select distinct o.customer_id
          from orders o join order_items i on i.workspace_id = o.workspace_id and i.order_id = o.id
          where o.workspace_id = ${workspaceId} and o.status <> 'cancelled' and o.placed_at >= ${since(90)}
            and i.sku = 'SKU-7'
        )
        select count(*) as n
        from customers c
        left join recent r on r.customer_id = c.id
        left join sku s on s.customer_id = c.id
        where c.workspace_id = ${workspaceId} and c.status = 'active'
          and ('vip' = any(c.tags) or c.lifecycle_stage = 'repeat')
          and (coalesce(r.spend_year, 0) >= 400 or coalesce(r.orders_half, 0) >= 3 or s.customer_id is not null)
          and (coalesce((c.consents ->> 'email')::boolean, false) or coalesce((c.consents ->> 'sms')::boolean, false))`.execute(
        trx,
      );
      return Number(rows[0]?.n);
    });
  const bySegments = () =>
    inWorkspace(db, workspaceId, async (trx) => (await previewSegment(trx, ctx, rules, now)).count);

  const timed = async (run: () => Promise<number>) => {
    const t0 = performance.now();
    const count = await run();
    return { ms: performance.now() - t0, count };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  // Warm both, then alternate them so that the machine's noise falls on both alike.
  await byHand();
  await bySegments();
  const hand: number[] = [];
  const segments: number[] = [];
  let counts: [number, number] = [0, 0];
  for (let i = 0; i < runs; i++) {
    const h = await timed(byHand);
    const s = await timed(bySegments);
    hand.push(h.ms);
    segments.push(s.ms);
    counts = [h.count, s.count];
  }
  if (counts[0] !== counts[1]) throw new Error(`the counts differ: by hand ${counts[0]}, by the segment ${counts[1]}`);
  const s = median(segments);
  const h = median(hand);
  console.log(`matching customers: ${counts[1]} of ${values.customers}`);
  console.log(
    `segment's live count (rules checked, compiled, counted with the newest 20 read): median ${s.toFixed(0)} ms of ${runs} (goal < 500 ms)`,
  );
  console.log(`the same count by hand in SQL: median ${h.toFixed(0)} ms`);
  console.log(`segment ÷ by hand: ${(s / h).toFixed(2)}× (goal ≤ 2×)`);
} finally {
  await database.close();
  if (!values.keep) await admin(`drop database if exists ${dbName} with (force)`);
}
