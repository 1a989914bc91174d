/**
 * Loyalty accrual on PostgreSQL: points for every order of a workspace with
 * 100,000 members and 1,000,000 orders, through the club's bulk earning (the
 * path an import's order.placed events take), against inserting the same
 * ledger rows — a transaction and two entries per order — with plain
 * batched SQL, measured in the same run. The goal: at most 2× the baseline's
 * time. Then the liability report and a tier review over every member,
 * each against its goal of 3 s.
 *
 *   npx tsx bench/loyalty.bench.ts [--members 100000] [--orders 1000000] [--batch 5000]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * makes a fresh database klient_bench_loyalty and drops it at the end (but with --keep).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { inWorkspace } from '../src/db/tenancy.ts';
import { modules } from '../src/modules/index.ts';
import { maintainLoyalty } from '../src/modules/loyalty/loyalty.jobs.ts';
import { earnForOrdersBulk, reviewTiersBulk } from '../src/modules/loyalty/loyalty.points-bulk.ts';
import { findProgram, saveProgram } from '../src/modules/loyalty/loyalty.program.ts';
import { loyaltyReport } from '../src/modules/loyalty/loyalty.report.ts';
import { programBody } from '../src/modules/loyalty/loyalty.schemas.ts';
import { systemCtx } from '../src/platform/context.ts';
import { newId } from '../src/platform/crypto.ts';
import { installModules } from '../src/platform/registry.ts';
import { seedBenchWorkspace } from './fixtures.ts';
import { adminQuery } from './processes.ts';

const { values } = parseArgs({
  options: {
    // Leaves the database behind for EXPLAIN (drop it by hand: drop database klient_bench_...).
    keep: { type: 'boolean', default: false },
    members: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '5000' },
  },
});
const size = { customers: Number(values.members), orders: Number(values.orders) };
const batch = Number(values.batch);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'klient_bench_loyalty';

const admin = (query: string) => adminQuery(adminUrl, query);

installModules(modules);
await admin(`drop database if exists ${dbName} with (force)`);
await admin(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const database = await openDatabase({ kind: 'postgres', connectionString: url.toString() });
const db = database.db;
const seconds = (t0: number) => (Date.now() - t0) / 1000;

try {
  await migrateToLatest(db as never);
  console.log(`Seeding ${size.customers} customers and ${size.orders} orders ...`);
  const { workspaceId } = await seedBenchWorkspace(database, size, (l) => console.log(l));
  const ctx = systemCtx(workspaceId);
  // Every customer a member since before their first order; a club of three tiers on spend.
  await inWorkspace(db, workspaceId, async (trx) => {
    await saveProgram(
      trx,
      ctx,
      programBody.parse({
        name: 'מועדון',
        expiryMonths: 24,
        tiers: [
          { name: 'כסף', threshold: 0 },
          { name: 'זהב', threshold: 200_000, earnMultiplierPct: 150 },
          { name: 'פלטינה', threshold: 1_000_000, earnMultiplierPct: 200 },
        ],
      }),
    );
    const entry = (await findProgram(trx, ctx))!.tiers[0]!.id;
    await sql`
      insert into loyalty_members (workspace_id, customer_id, source, joined_at, tier_id, tier_since, tier_review_at,
        referral_code, last_activity_at)
      select workspace_id, id, 'import', '2020-01-01', ${entry}::uuid, '2020-01-01', now() + interval '1 month',
        upper(substr(md5(id::text), 1, 10)), '2020-01-01'
      from customers where workspace_id = ${workspaceId}`.execute(trx);
  });
  await sql`analyze`.execute(db);
  console.log(`  members: ${size.customers} enrolled`);

  // Baseline: the same number of ledger rows, in a workspace of their own, by plain batched SQL.
  const other = newId();
  await sql`insert into workspaces (id, name) values (${other}, 'baseline')`.execute(db);
  // The orders in batches, read before either side is timed (keyset pages, by id).
  const batches: { orderId: string; customerId: string; agorot: number; placedAt: Date }[][] = [];
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const rows = await inWorkspace(db, workspaceId, (trx) =>
      trx
        .selectFrom('orders')
        .select(['id', 'customer_id', 'total', 'placed_at'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batch)
        .execute(),
    );
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    batches.push(
      rows.map((o) => ({
        orderId: o.id,
        customerId: o.customer_id,
        agorot: Math.round(Number(o.total) * 100),
        placedAt: o.placed_at,
      })),
    );
  }

  // The rows the club books for an order, with the same columns (and so the same index entries), written plainly.
  const plainly = async (orders: (typeof batches)[number]) => {
    const rows = orders.map((o) => ({
      id: newId(),
      customer_id: o.customerId,
      order_id: o.orderId,
      points: Math.floor(o.agorot / 100),
      spend: o.agorot,
      placed_at: o.placedAt.toISOString(),
    }));
    const json = JSON.stringify(rows);
    await inWorkspace(db, other, async (trx) => {
      await sql`
        insert into loyalty_transactions (workspace_id, id, customer_id, kind, source_key, occurred_at, points,
          spend_agorot, release_at, expires_at, order_id, actor)
        select ${other}::uuid, x.id, x.customer_id, 'earn', 'order:' || x.order_id, x.placed_at, x.points, x.spend,
          x.placed_at + interval '14 days', x.placed_at + interval '24 months', x.order_id, 'system'
        from json_to_recordset(${json}::json) as x(id uuid, customer_id uuid, order_id uuid, points bigint,
          spend bigint, placed_at timestamptz)`.execute(trx);
      await sql`
        insert into loyalty_entries (workspace_id, transaction_id, line_no, account, customer_id, lot_id, amount,
          occurred_at)
        select ${other}::uuid, x.id, 1, 'club.issued', null, null, -x.points - 1, x.placed_at
        from json_to_recordset(${json}::json) as x(id uuid, points bigint, placed_at timestamptz)
        union all
        select ${other}::uuid, x.id, 2, 'member.available', x.customer_id, x.id, x.points + 1, x.placed_at
        from json_to_recordset(${json}::json) as x(id uuid, customer_id uuid, points bigint, placed_at timestamptz)`.execute(
        trx,
      );
    });
  };
  // Batch by batch, the plain insert and the club's earning in turn, so both meet tables and indexes of the same size.
  const now = new Date();
  let baseline = 0;
  let klient = 0;
  let booked = 0;
  for (const [i, orders] of batches.entries()) {
    const t0 = Date.now();
    await plainly(orders);
    baseline += seconds(t0);
    const t1 = Date.now();
    booked += await inWorkspace(db, workspaceId, async (trx) => {
      const program = (await findProgram(trx, ctx))!;
      return earnForOrdersBulk(trx, ctx, program, orders, now);
    });
    klient += seconds(t1);
    if ((i + 1) % 40 === 0) {
      console.log(`  ${(i + 1) * batch} orders: klient ${klient.toFixed(1)} s, plain ${baseline.toFixed(1)} s`);
    }
  }
  console.log(
    `\nloyalty accrual  ${booked} orders, ${size.customers} members: ${klient.toFixed(1)} s | plain batched INSERT ${baseline.toFixed(1)} s | ratio ${(klient / baseline).toFixed(2)}× (goal ≤ 2×)`,
  );

  const check = await sql<{ drift: string }>`
    select count(*) as drift from loyalty_members m
    where m.workspace_id = ${workspaceId} and m.available + m.pending <> (
      select coalesce(sum(e.amount), 0) from loyalty_entries e
      where e.workspace_id = m.workspace_id and e.customer_id = m.customer_id)`.execute(db);
  if (Number(check.rows[0]?.drift) !== 0)
    throw new Error(`${check.rows[0]?.drift} members' sums differ from the ledger`);

  // The report and a review of every member, twice: at once after the import (its rows not yet vacuumed, so
  // index-only reads still visit the table), and after VACUUM (ANALYZE), as autovacuum leaves a table soon after
  // a bulk insert: what a club's owner meets on any later day.
  for (const when of ['right after the import', 'after VACUUM (ANALYZE)']) {
    if (when !== 'right after the import') {
      for (const table of ['loyalty_entries', 'loyalty_transactions', 'loyalty_members']) {
        await sql`vacuum (analyze) ${sql.table(table)}`.execute(db);
      }
    }
    const t2 = Date.now();
    const report = await inWorkspace(db, workspaceId, (trx) => loyaltyReport(trx, ctx, now));
    const reportSeconds = seconds(t2);
    console.log(
      `liability report ${reportSeconds.toFixed(2)} s (goal < 3 s), ${when}: ${report.liability.points} points, ${report.liability.amount} ₪`,
    );
    // Every member's tier comes up for review at once (as at the end of a calendar-year club's year).
    await sql`update loyalty_members set tier_review_at = now() where workspace_id = ${workspaceId}`.execute(db);
    const t3 = Date.now();
    const reviewed = await inWorkspace(db, workspaceId, async (trx) =>
      reviewTiersBulk(trx, ctx, (await findProgram(trx, ctx))!, new Date()),
    );
    const reviewSeconds = seconds(t3);
    console.log(`tier review      ${reviewed} members in ${reviewSeconds.toFixed(2)} s (goal < 3 s), ${when}`);
  }
  // The hourly job's first run after the import: every lot past its 24 months expired (in bulk, a chunk of members at a time).
  const t4 = Date.now();
  const maintained = await maintainLoyalty(db, new Date(), { workspaceId });
  const maintainSeconds = seconds(t4);
  console.log(
    `hourly job       ${maintained} member steps (release and expiry in bulk) in ${maintainSeconds.toFixed(1)} s`,
  );
} finally {
  await database.close();
  if (!values.keep) await admin(`drop database if exists ${dbName} with (force)`);
}
