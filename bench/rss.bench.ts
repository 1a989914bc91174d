import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild } from './processes.ts';

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function exercise(base: string) {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@demo.klient.co.il', password: 'klient-demo-1234' }),
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const list = await fetch(`${base}/api/v1/customers?limit=100`, { headers: { cookie } });
  const { items } = (await list.json()) as { items: { id: string }[] };
  for (const q of ['כהן', 'לוי', '050', 'gmail', 'מיכל']) {
    await (await fetch(`${base}/api/v1/customers?q=${encodeURIComponent(q)}`, { headers: { cookie } })).arrayBuffer();
  }
  for (const c of items) await (await fetch(`${base}/api/v1/customers/${c.id}`, { headers: { cookie } })).arrayBuffer();
  return items.length;
}

async function measure(name: string, demo: boolean, port: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-rss-'));
  const t0 = Date.now();
  const child = await startChild(
    ['bin/klient.js', 'start'],
    { KLIENT_DATA_DIR: dataDir, KLIENT_DEMO: demo ? '1' : '0', PORT: String(port), HOST: '127.0.0.1' },
    'Klient is running',
  );
  const startSeconds = (Date.now() - t0) / 1000;
  const pages = demo ? await exercise(`http://127.0.0.1:${port}`) : 0;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMb(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { name, rss, startSeconds, pages };
}

const bare = await startChild(['--import', 'tsx', 'bench/bare-server.ts'], { PORT: '3997' }, 'bare server ready');
const bareRss = rssMb(bare.pid ?? 0);
bare.kill('SIGTERM');
const empty = await measure('Klient, empty PGlite database', false, 3996);
const demo = await measure(
  'Klient, demo data (first start loads it), after 100 customer pages and searches',
  true,
  3995,
);

console.log('\n| process | RSS (MB) | start (s) |');
console.log('| --- | --- | --- |');
console.log(`| bare Fastify (baseline) | ${bareRss.toFixed(0)} | – |`);
console.log(`| ${empty.name} | ${empty.rss.toFixed(0)} | ${empty.startSeconds.toFixed(1)} |`);
console.log(`| ${demo.name} | ${demo.rss.toFixed(0)} | ${demo.startSeconds.toFixed(1)} |`);
console.log(`\ndemo RSS ${demo.rss.toFixed(0)} MB: ${demo.rss < 1024 ? 'under' : 'OVER'} the 1 GB target`);
