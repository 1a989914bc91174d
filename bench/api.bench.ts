/**
 * Customer page API and search on PostgreSQL with 100,000 customers and
 * 1,000,000 orders, against a bare Fastify route measured in the same run.
 *
 *   npx tsx bench/api.bench.ts [--customers 100000] [--orders 1000000] [--seconds 15]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * makes a fresh database klient_bench_api and drops it at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedBenchWorkspace } from './fixtures.ts';
import { fmt, load } from './load.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '50' },
  },
});
const size = { customers: Number(values.customers), orders: Number(values.orders) };
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const root = path.resolve(import.meta.dirname, '..');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'klient_bench_api';

async function admin(query: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(query);
  await client.end();
}

function startChild(args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(ready)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
}

await admin(`drop database if exists ${dbName} with (force)`);
await admin(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const database = await openDatabase({ kind: 'postgres', connectionString: url.toString() });
await migrateToLatest(database.db as never);
console.log(`Seeding ${size.customers} customers and ${size.orders} orders ...`);
const { workspaceId, apiKey } = await seedBenchWorkspace(database, size, (l) => console.log(l));
const sample = await database.db
  .selectFrom('customers')
  .select('id')
  .where('workspace_id', '=', workspaceId)
  .orderBy(({ fn }) => fn('random', []))
  .limit(5000)
  .execute();
await database.close();
const ids = sample.map((r) => r.id);

// BENCH_PROFILE=dir writes a CPU profile of the Klient server there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const klient = await startChild(
  [...profile, 'bin/klient.js', 'start'],
  { DATABASE_URL: url.toString(), PORT: '3998', KLIENT_DEMO: '0', LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
  'Klient is running',
);
const bare = await startChild(['--import', 'tsx', 'bench/bare-server.ts'], { PORT: '3999' }, 'bare server ready');
const headers = { authorization: `Bearer ${apiKey}` };

try {
  console.log(`\nLoad: ${concurrency} concurrent clients, ${seconds} s each (after a warm-up)`);
  const baseline = await load({ concurrency, seconds, warmupSeconds: 3 }, () => fetch('http://127.0.0.1:3999/bare'));
  const page = await load({ concurrency, seconds, warmupSeconds: 3 }, (i) =>
    fetch(`http://127.0.0.1:3998/api/v1/customers/${ids[i % ids.length]}`, { headers }),
  );
  const searches = ['כה', 'מיכל לוי', '050-00012', '+972-50-0004', '0000777', 'customer123', 'example.co.il', 'שפיר'];
  const search = await load({ concurrency: 4, seconds, warmupSeconds: 2 }, (i) =>
    fetch(`http://127.0.0.1:3998/api/v1/customers?q=${encodeURIComponent(searches[i % searches.length] ?? '')}`, {
      headers,
    }),
  );
  const byId = await load({ concurrency: 4, seconds: Math.max(5, seconds / 3) }, (i) =>
    fetch(`http://127.0.0.1:3998/api/v1/customers/${ids[i % ids.length]}`, { headers }),
  );

  console.log('\n| measure | value | baseline | ratio / target |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| customer page throughput (req/s, ${concurrency} clients) | ${fmt(page.rps, 0)} | bare Fastify ${fmt(baseline.rps, 0)} | ${fmt(page.rps / baseline.rps, 2)}× (target ≥ 0.25×) |`,
  );
  console.log(
    `| customer page p99 (ms, ${concurrency} clients) | ${fmt(page.p99)} | bare Fastify p99 ${fmt(baseline.p99)} | target < 20 ms |`,
  );
  console.log(
    `| search p99 (ms, 4 clients; Hebrew, phone, email fragments) | ${fmt(search.p99)} | customer page p99 at 4 clients ${fmt(byId.p99)} | target < 50 ms |`,
  );
  console.log(`\nerrors: page ${page.errors}, search ${search.errors}, bare ${baseline.errors}`);
  console.log(`customer page p50 ${fmt(page.p50)} ms, search p50 ${fmt(search.p50)} ms`);
} finally {
  klient.kill('SIGTERM');
  bare.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await admin(`drop database if exists ${dbName} with (force)`);
}
