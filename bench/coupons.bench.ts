/**
 * The coupon API a till calls, on PostgreSQL: 50 concurrent clients, each
 * validating a member's single-use code against a basket and redeeming it
 * for an order (POST /api/v1/coupons/validate, then /redeem, each code once),
 * against a bare Fastify POST route under the same load, measured in the
 * same run. The goal: p99 under 15 ms. A club of 60,000 members, each with a
 * code of a members-only pool campaign (one use per member).
 *
 *   npx tsx bench/coupons.bench.ts [--members 60000] [--seconds 15] [--concurrency 50]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and wrk
 * (Debian's package; without it Node's fetch drives the load); makes a fresh database
 * klient_bench_coupons and drops it at the end (but with --keep).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { inWorkspace } from '../src/db/tenancy.ts';
import { modules } from '../src/modules/index.ts';
import { addPoolCodes, createCampaign } from '../src/modules/loyalty/loyalty.coupons.campaigns.ts';
import { findProgram, saveProgram } from '../src/modules/loyalty/loyalty.program.ts';
import { createCampaignBody } from '../src/modules/loyalty/loyalty.rewards.schemas.ts';
import { programBody } from '../src/modules/loyalty/loyalty.schemas.ts';
import { installModules } from '../src/platform/registry.ts';
import { benchApiKey, seedBenchWorkspace } from './fixtures.ts';
import { fmt, type LoadResult, load } from './load.ts';
import { adminQuery, startChild } from './processes.ts';
import { hasWrk, type WrkRequest, wrkLoad } from './wrk.ts';

const { values } = parseArgs({
  options: {
    // Leaves the database behind for EXPLAIN (drop it by hand: drop database klient_bench_...).
    keep: { type: 'boolean', default: false },
    members: { type: 'string', default: '60000' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '50' },
  },
});
const members = Number(values.members);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'klient_bench_coupons';
const admin = (query: string) => adminQuery(adminUrl, query);

installModules(modules);
await admin(`drop database if exists ${dbName} with (force)`);
await admin(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const database = await openDatabase({ kind: 'postgres', connectionString: url.toString() });
const db = database.db;
await migrateToLatest(db as never);
console.log(`Seeding ${members} members with a code each ...`);
const { workspaceId } = await seedBenchWorkspace(database, { customers: members, orders: members }, (l) =>
  console.log(l),
);
const owner = await db
  .selectFrom('users')
  .select('id')
  .where('workspace_id', '=', workspaceId)
  .executeTakeFirstOrThrow();
const ctx = { workspaceId, actor: { type: 'user' as const, id: owner.id, role: 'owner' as const, name: 'bench' } };
const pairs = await inWorkspace(db, workspaceId, async (trx) => {
  await saveProgram(trx, ctx, programBody.parse({ name: 'מועדון', tiers: [{ name: 'חבר', threshold: 0 }] }));
  const entry = (await findProgram(trx, ctx))!.tiers[0]!.id;
  await sql`
    insert into loyalty_members (workspace_id, customer_id, source, joined_at, tier_id, tier_since, tier_review_at,
      referral_code, last_activity_at)
    select workspace_id, id, 'import', '2020-01-01', ${entry}::uuid, '2020-01-01', now() + interval '1 month',
      upper(substr(md5(id::text), 1, 10)), '2020-01-01'
    from customers where workspace_id = ${workspaceId}`.execute(trx);
  const now = new Date();
  const campaign = await createCampaign(
    trx,
    ctx,
    createCampaignBody.parse({
      name: 'חורף חם',
      kind: 'percent_discount',
      percentOff: 10,
      maxDiscount: '30.00',
      minBasket: '40.00',
      mode: 'pool',
      poolSize: 0,
      startsAt: new Date(now.getTime() - 86_400_000).toISOString(),
      endsAt: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    }),
    now,
  );
  const codes: string[] = [];
  while (codes.length < members) {
    const made = await addPoolCodes(trx, ctx, campaign.id, Math.min(1000, members - codes.length), now);
    codes.push(...made.items.map((c) => c.code));
  }
  const ids = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('customer_id')
    .execute();
  return codes.map((code, i) => ({ code, customerId: ids[i]!.customer_id }));
});
// The floor route's writes (bench/bare-server.ts): a table of the app's role, outside the app's schema.
await sql`create table bench_floor_uses (id bigint generated always as identity primary key, order_id text not null, code text not null)`.execute(
  db,
);
await sql`grant select, insert on bench_floor_uses to klient_app`.execute(db);
await sql`analyze`.execute(db);
const apiKey = await benchApiKey(db, workspaceId, owner.id);
await database.close();

/** The till's two calls for a code: check it against the basket, then use it for an order. */
function tillCalls(pair: { code: string; customerId: string }): WrkRequest[] {
  const basket = {
    total: '64.00',
    items: [
      { sku: 'KIT-BRK', quantity: 1, unitPrice: '50.00' },
      { sku: 'COF-CAP', quantity: 1, unitPrice: '14.00' },
    ],
  };
  const body = { code: pair.code, customerId: pair.customerId, basket };
  return [
    { method: 'POST', path: '/api/v1/coupons/validate', body },
    { method: 'POST', path: '/api/v1/coupons/redeem', body: { ...body, orderId: `POS-${pair.code}` } },
  ];
}

// BENCH_PROFILE=dir writes a CPU profile of the Klient server there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const klient = await startChild(
  [...profile, 'bin/klient.js', 'start'],
  { DATABASE_URL: url.toString(), PORT: '3996', KLIENT_DEMO: '0', LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
  'Klient is running',
);
const bare = await startChild(
  ['--import', 'tsx', 'bench/bare-server.ts'],
  { PORT: '3999', BARE_DATABASE_URL: url.toString(), BARE_WORKSPACE_ID: workspaceId },
  'bare server ready',
);
try {
  const useWrk = hasWrk();
  console.log(
    `\nLoad: ${concurrency} concurrent clients, ${seconds} s each (after a warm-up), generated by ${useWrk ? 'wrk' : "Node's fetch (install wrk for a lighter client)"}`,
  );
  // The warm-up and the measured run use codes of their own: no code is redeemed twice.
  const warm = pairs.slice(0, Math.floor(pairs.length / 6)).flatMap(tillCalls);
  const measured = pairs.slice(warm.length / 2).flatMap(tillCalls);
  const bareCalls = measured.slice(0, 1000).map((r) => ({ ...r, path: '/bare' }));
  const auth = `Bearer ${apiKey}`;
  const run = (
    base: string,
    calls: WrkRequest[],
    secs: number,
    authorization?: string,
  ): Promise<LoadResult> | LoadResult => {
    if (useWrk)
      return wrkLoad({ base, paths: calls, concurrency, seconds: secs, ...(authorization ? { authorization } : {}) });
    let next = 0;
    return load({ concurrency, seconds: secs }, () => {
      const call = calls[next++ % calls.length]!;
      return fetch(`${base}${call.path}`, {
        method: call.method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(call.body),
      });
    });
  };
  await run('http://127.0.0.1:3999', bareCalls, 2);
  const baseline = await run('http://127.0.0.1:3999', bareCalls, seconds);
  await run(
    'http://127.0.0.1:3999',
    warm.map((r) => ({ ...r, path: '/bare-db' })),
    2,
  );
  const floor = await run(
    'http://127.0.0.1:3999',
    measured.map((r) => ({ ...r, path: '/bare-db' })),
    seconds,
  );
  await run('http://127.0.0.1:3996', warm, 3, auth);
  const till = await run('http://127.0.0.1:3996', measured, seconds, auth);
  const used = measured.length / 2;
  const check = await openDatabase({ kind: 'postgres', connectionString: url.toString() });
  const redeemed = await inWorkspace(check.db, workspaceId, (trx) =>
    trx
      .selectFrom('loyalty_coupon_uses')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow(),
  );
  await check.close();

  console.log('\n| measure | value | baseline | ratio / target |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| coupon validate + redeem p99 (ms, ${concurrency} clients) | ${fmt(till.p99)} | bare Fastify POST p99 ${fmt(baseline.p99)} | ${fmt(till.p99 / baseline.p99, 1)}× (target < 15 ms) |`,
  );
  console.log(
    `| coupon validate + redeem p99 (ms, ${concurrency} clients) | ${fmt(till.p99)} | one-statement workspace transaction p99 ${fmt(floor.p99)} | ${fmt(till.p99 / floor.p99, 1)}× |`,
  );
  console.log(
    `| coupon calls per second (${concurrency} clients) | ${fmt(till.rps, 0)} | bare Fastify POST ${fmt(baseline.rps, 0)} | ${fmt(till.rps / baseline.rps, 2)}× |`,
  );
  console.log(
    `| coupon calls per second (${concurrency} clients) | ${fmt(till.rps, 0)} | one-statement workspace transaction ${fmt(floor.rps, 0)} | ${fmt(till.rps / floor.rps, 2)}× |`,
  );
  console.log(
    `\nfloor p50 ${fmt(floor.p50)} ms, ${floor.errors} not 2xx; coupon p50 ${fmt(till.p50)} ms; ${till.requests} calls (of ${used} codes' pairs listed), ${till.errors} not 2xx; coupons redeemed in all (warm-up included): ${redeemed.n}`,
  );
} finally {
  klient.kill('SIGTERM');
  bare.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  if (!values.keep) await admin(`drop database if exists ${dbName} with (force)`);
}
