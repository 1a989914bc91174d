/**
 * Sending speed, end to end: a campaign to N customers (all with email
 * consent) through the real runtime — the API starts it, the dispatch job
 * decides and personalises each message into the outbox 500 at a time, the
 * batch send jobs deliver them over a pool of SMTP connections with outcomes
 * written in group commits — timed from the send request until the N-th
 * distinct message arrived at a local SMTP server (smtp-sink.ts, a process of
 * its own). The baseline, in the same run: a bare nodemailer loop sending the
 * very same messages (read back from the outbox) to the same server, over the
 * same number of pooled connections, with no database at all. The goal
 * (issue #14): at least 1,000 emails/s, and at least 0.5× the bare loop.
 *
 *   npx tsx bench/sending.bench.ts [--recipients 20000] [--runs 3] [--connections 8] [--keep]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres); makes a fresh
 * database klient_bench_sending and drops it at the end (but with --keep).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { startRuntime } from '../src/app-runtime.ts';
import { loadConfig } from '../src/config.ts';
import { seedBenchWorkspace } from './fixtures.ts';
import { adminQuery } from './processes.ts';

const { values } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    recipients: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
  },
});
const recipients = Number(values.recipients);
const runs = Number(values.runs);
const connections = Number(values.connections);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'klient_bench_sending';
const sinkPort = 2526;
const from = 'Café Dana <club@cafe-dana.example>';

await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
await adminQuery(adminUrl, `create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

type SinkReply = { armed?: number; firstAt?: number; lastAt?: number; count?: number };
const sink = fork(path.join(import.meta.dirname, 'smtp-sink.ts'), [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, SINK_PORT: String(sinkPort) },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
await new Promise<void>((resolve) => sink.stdout?.on('data', (d) => String(d).includes('ready') && resolve()));
/** Arms the sink for n messages; resolves with the arrival time of the n-th once they are in. */
async function expectMessages(n: number): Promise<() => Promise<number>> {
  const done = new Promise<number>((resolve) => {
    const onMessage = (m: SinkReply) => {
      if (m.lastAt !== undefined) {
        sink.off('message', onMessage);
        resolve(m.lastAt);
      }
    };
    sink.on('message', onMessage);
  });
  await new Promise<void>((resolve) => {
    const onArmed = (m: SinkReply) => {
      if (m.armed === n) {
        sink.off('message', onArmed);
        resolve();
      }
    };
    sink.on('message', onArmed);
    sink.send({ expect: n });
  });
  return () => done;
}

const runtime = await startRuntime(
  loadConfig({
    DATABASE_URL: url.toString(),
    KLIENT_DEMO: '0',
    KLIENT_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    KLIENT_MAIL_FROM: from,
    KLIENT_SMTP_CONNECTIONS: String(connections),
    KLIENT_PUBLIC_URL: 'https://klient.example.co.il',
    LOG_LEVEL: 'warn',
  }),
);
const { app, database } = runtime;
const db = database.db;

try {
  console.log(`Seeding ${recipients} customers with email consent ...`);
  const { workspaceId, apiKey } = await seedBenchWorkspace(database, { customers: recipients, orders: 0 }, (l) =>
    console.log(l),
  );
  await sql`update customers set consents = '{"email": true}'::jsonb where workspace_id = ${workspaceId}`.execute(db);
  const call = async (method: 'GET' | 'POST', path: string, payload?: object) => {
    const res = await app.inject({
      method,
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${apiKey}` },
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const segment = await call('POST', '/segments', {
    name: 'מסכימים לדיוור',
    rules: { match: 'all', rules: [{ field: 'consent.email', op: 'is_true' }] },
  });
  const template = await call('POST', '/templates', {
    name: 'מבצע סוף שבוע',
    channel: 'email',
    subject: '{{firstName}}, סוף שבוע של קפה',
    blocks: [
      { type: 'heading', text: 'שלום {{firstName}} {{lastName}}!' },
      { type: 'text', text: 'כל סוף השבוע בכל הסניפים: קפה שני עלינו.\nמחכים לך, צוות {{businessName}}.' },
      { type: 'button', text: 'לפרטים', url: 'https://example.co.il/weekend' },
    ],
  });

  const klientRates: number[] = [];
  const bareRates: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const campaign = await call('POST', '/campaigns', {
      name: `ריצה ${run}`,
      segmentId: segment.id,
      emailTemplateId: template.id,
      channelStrategy: 'email',
      quietHours: false,
    });
    const arrived = await expectMessages(recipients);
    const t0 = Date.now();
    await call('POST', `/campaigns/${campaign.id}/send`);
    // When every recipient was decided and in the outbox (the dispatch's part), polled beside the sending.
    let decidedAt = 0;
    const watch = (async () => {
      while (!decidedAt) {
        const { status } = await call('GET', `/campaigns/${campaign.id}`);
        if (status === 'sent') decidedAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const klientSeconds = ((await arrived()) - t0) / 1000;
    await watch;
    klientRates.push(recipients / klientSeconds);

    // The same messages, as the outbox made them, for the bare loop.
    const messages = await sql<{
      id: string;
      recipient: string;
      subject: string;
      text_body: string;
      html_body: string;
      unsubscribe_url: string;
    }>`select id, recipient, subject, text_body, html_body, unsubscribe_url from outbox_messages
       where workspace_id = ${workspaceId} and idempotency_key like ${`campaign:${campaign.id}:%`}`.execute(db);
    if (messages.rows.length !== recipients) throw new Error(`outbox holds ${messages.rows.length} of ${recipients}`);
    const pool = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sinkPort,
      secure: false,
      pool: true,
      maxConnections: connections,
      maxMessages: Number.POSITIVE_INFINITY,
    });
    const bareArrived = await expectMessages(recipients);
    const t1 = Date.now();
    let next = 0;
    const lane = async () => {
      while (next < messages.rows.length) {
        const m = messages.rows[next++]!;
        await pool.sendMail({
          from,
          to: m.recipient,
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
          messageId: `<${m.id}@cafe-dana.example>`,
          list: { unsubscribe: { url: m.unsubscribe_url, comment: 'Unsubscribe' } },
          headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        });
      }
    };
    await Promise.all(Array.from({ length: connections }, lane));
    const bareSeconds = ((await bareArrived()) - t1) / 1000;
    pool.close();
    bareRates.push(recipients / bareSeconds);
    console.log(
      `run ${run}: all decided into the outbox after ${((decidedAt - t0) / 1000).toFixed(2)} s; ` +
        `Klient ${recipients} in ${klientSeconds.toFixed(2)} s = ${(recipients / klientSeconds).toFixed(0)}/s; ` +
        `bare nodemailer ${bareSeconds.toFixed(2)} s = ${(recipients / bareSeconds).toFixed(0)}/s; ` +
        `ratio ${(bareSeconds / klientSeconds).toFixed(2)}×`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const k = median(klientRates);
  const b = median(bareRates);
  console.log(`recipients: ${recipients}, SMTP connections: ${connections}, runs: ${runs}`);
  console.log(`Klient end to end (API → segment → outbox → SMTP): median ${k.toFixed(0)} emails/s (goal ≥ 1,000/s)`);
  console.log(`bare nodemailer loop, same messages, same server: median ${b.toFixed(0)} emails/s`);
  console.log(`Klient ÷ bare: ${(k / b).toFixed(2)}× (goal ≥ 0.5×)`);
} finally {
  await runtime.close();
  sink.kill();
  if (!values.keep) await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
}
