import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import { createApiKey, createWorkspace } from '../../platform/auth.service.ts';
import { randomToken } from '../../platform/crypto.ts';
import { testDatabaseKind } from '../../test/harness.ts';

// A campaign to 50,000 people, with the real server process killed (SIGKILL: no shutdown code runs) part way
// through, then started again: a local SMTP server counts what arrives, by Message-ID and by recipient.

const RECIPIENTS = 50_000;
// The SMTP pool's width: at most one message per connection is taken by the mail server and not yet recorded.
const CONNECTIONS = 8;
// Well inside the campaign, and inside a batch of 500 (not at its end), so that every connection has a message out.
const KILL_AT = 10_250;
const root = path.resolve(import.meta.dirname, '../../..');

/** What the mail server got: copies per Message-ID, and the Message-IDs each recipient got. */
class Inbox {
  copies = new Map<string, number>();
  byRecipient = new Map<string, Set<string>>();
  received = 0;
  firstAt = 0;
  onMessage: (() => void) | null = null;

  add(messageId: string, recipients: string[]) {
    this.received++;
    this.firstAt ||= Date.now();
    this.copies.set(messageId, (this.copies.get(messageId) ?? 0) + 1);
    for (const to of recipients) {
      const ids = this.byRecipient.get(to) ?? new Set<string>();
      ids.add(messageId);
      this.byRecipient.set(to, ids);
    }
    this.onMessage?.();
  }
}

/** The Message-ID header of a raw message: only its header block is read. */
function messageIdOf(raw: string): string {
  const headers = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^message-id:\s*(\S+)/im.exec(headers)?.[1] ?? '';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `condition` came true within `ms`. */
async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) return false;
    await sleep(250);
  }
  return true;
}

// PostgreSQL only: the server runs as a process of its own beside this one, on the same database. PGlite is one
// process's files (the data directory is locked to it), and killing a server that embeds it is not what
// production runs, so on the default PGlite run this file is skipped.
describe.skipIf(testDatabaseKind !== 'postgres')('a campaign whose server is killed mid-send', () => {
  // The run's database serves as the admin connection: this file's own database is made beside it.
  const adminUrl = process.env.KLIENT_TEST_PG_URL ?? '';
  const dbName = `klient_test_sigkill_${randomBytes(4).toString('hex')}`;
  let dataDir = '';
  const inbox = new Inbox();
  let database: Database;
  let smtp: SMTPServer;
  let env: Record<string, string>;
  let baseUrl: string;
  let apiKey: string;
  let workspaceId: string;
  let child: ChildProcess | null = null;
  // Everything the server processes printed, for the failure messages.
  let log = '';

  /** Starts `klient start` and resolves once it says it listens. */
  function startServer(label: string): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['bin/klient.js', 'start'], { cwd: root, env: { ...process.env, ...env } });
      child = proc;
      let ready = false;
      let out = '';
      const onOutput = (d: Buffer) => {
        out += d;
        log += `[${label}] ${d}`;
        if (!ready && out.includes('Klient is running on')) {
          ready = true;
          resolve(proc);
        }
      };
      proc.stdout.on('data', onOutput);
      proc.stderr.on('data', onOutput);
      proc.once('exit', (code, signal) => {
        log += `[${label}] exited ${code ?? signal}\n`;
        if (!ready) reject(new Error(`the server exited before it was ready:\n${log}`));
      });
    });
  }

  function exited(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  /** Where the campaign's messages and the job queue stand: what a failure message needs to be read. */
  async function standing(campaignId: string): Promise<string> {
    const outbox = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from outbox_messages
      where workspace_id = ${workspaceId} and idempotency_key like ${`campaign:${campaignId}:%`} group by status`.execute(
      database.db,
    );
    const recipients = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from campaign_recipients where campaign_id = ${campaignId} group by status`.execute(
      database.db,
    );
    const jobs = await sql<{ name: string; state: string; n: number }>`
      select name, state, count(*)::int as n from pgboss.job group by name, state order by name, state`.execute(
      database.db,
    );
    const line = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).join(' ')).join(', ');
    return `outbox: ${line(outbox.rows)}; recipients: ${line(recipients.rows)}; jobs: ${line(jobs.rows)}`;
  }

  async function api(method: 'GET' | 'POST', url: string, body?: object) {
    const res = await fetch(`${baseUrl}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  beforeAll(async () => {
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-sigkill-'));
    await adminQuery(adminUrl, `create database ${dbName}`);
    database = await openDatabase({ kind: 'postgres', connectionString: dbUrl.toString(), max: 4 });
    // Migrated here, before any server starts: the server's own migration then finds nothing to do.
    await migrateToLatest(database.db as never);
    const db = database.db;
    const owner = await createWorkspace(db, {
      name: 'קפה דנה',
      ownerName: 'דנה',
      ownerEmail: `owner-${randomToken(6).toLowerCase()}@example.com`,
      ownerPassword: 'correct horse battery',
    });
    workspaceId = owner.workspaceId;
    apiKey = (
      await inWorkspace(db, workspaceId, (trx) =>
        createApiKey(
          trx,
          { workspaceId, actor: { type: 'user', id: owner.ownerId, role: 'owner', name: 'test' } },
          { name: 'sigkill', role: 'owner' },
        ),
      )
    ).key;
    // Set-based, as bench/fixtures.ts seeds: 50,000 requests through the API would take minutes.
    await sql`
      insert into customers (workspace_id, id, external_id, first_name, last_name, email, tags, lifecycle_stage,
        consents, search_text, created_at, updated_at)
      select ${workspaceId}::uuid, gen_random_uuid(), 'G' || i, 'אורח', 'מספר ' || i, 'guest' || i || '@mail.example',
        array[]::text[], 'lead', '{"email": true}'::jsonb, 'אורח מספר ' || i || ' guest' || i || '@mail.example',
        now(), now()
      from generate_series(1, ${RECIPIENTS}) as i`.execute(db);
    await sql`analyze`.execute(db);

    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        // Read now: once the message is answered, the session's envelope is reset for the next one.
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        let raw = '';
        let headersDone = false;
        stream.on('data', (chunk: Buffer) => {
          if (headersDone) return;
          raw += chunk.toString('utf8');
          headersDone = /\r?\n\r?\n/.test(raw);
        });
        stream.on('end', () => {
          callback();
          inbox.add(messageIdOf(raw), recipients);
        });
      },
    });
    // The killed process's connections end in a reset, which the mail server reports as an error: expected here.
    smtp.on('error', () => undefined);
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as net.AddressInfo).port;
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: dbUrl.toString(),
      PORT: String(port),
      HOST: '127.0.0.1',
      KLIENT_DEMO: '0',
      KLIENT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      KLIENT_MAIL_FROM: 'Café Dana <club@cafe-dana.example>',
      // The shortest lease: a message the dead process left `sending` is handed on 5 s later, not 5 min.
      KLIENT_SEND_LEASE_SECONDS: '5',
      KLIENT_SMTP_CONNECTIONS: String(CONNECTIONS),
      KLIENT_DATA_DIR: dataDir,
    };
  });

  afterAll(async () => {
    // Whatever happened: no `klient start` outlives the test, and the mail server's connections close with it.
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await database?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
  });

  it('delivers every one of 50,000 messages, a few at most twice and with the same Message-ID, after the server is killed mid-campaign', {
    timeout: 6 * 60_000,
  }, async () => {
    const first = await startServer('first');
    const segment = await api('POST', '/segments', {
      name: 'מסכימים לדיוור',
      rules: { match: 'all', rules: [{ field: 'consent.email', op: 'is_true' }] },
    });
    const template = await api('POST', '/templates', {
      name: 'מבצע סוף שבוע',
      channel: 'email',
      subject: '{{firstName}}, סוף שבוע של קפה',
      blocks: [
        { type: 'heading', text: 'שלום {{firstName}} {{lastName}}!' },
        { type: 'text', text: 'כל סוף השבוע: קפה שני עלינו.\nמחכים לך, צוות {{businessName}}.' },
      ],
    });
    const campaign = await api('POST', '/campaigns', {
      name: 'סוף שבוע',
      segmentId: segment.id,
      emailTemplateId: template.id,
      channelStrategy: 'email',
      quietHours: false,
    });

    // Killed from inside the mail server's handler, as it answers the KILL_AT-th message: mid-send for sure, with
    // that message taken by the mail server and (almost surely) not yet recorded by the sender.
    let atKill = -1;
    const killed = new Promise<void>((resolve) => {
      inbox.onMessage = () => {
        if (inbox.received < KILL_AT) return;
        inbox.onMessage = null;
        first.kill('SIGKILL');
        atKill = inbox.received;
        resolve();
      };
    });
    const sentAt = Date.now();
    await api('POST', `/campaigns/${campaign.id}/send`);
    await killed;
    await exited(first);
    const killedAfter = Date.now() - sentAt;

    const restartedAt = Date.now();
    await startServer('second');
    // The new server sends the batches already queued at once; messages left `sending` go out after the lease, by
    // the minute's sweep (or pg-boss's expiry), and a dispatch cut short goes on at the minute's resume. On a
    // two-core machine the remaining ~40,000 took 130–170 s at ~300/s: the wait is the sending, not the crons.
    const progress: string[] = [];
    const sampler = setInterval(
      () => progress.push(`${Math.round((Date.now() - restartedAt) / 1000)} s: ${inbox.copies.size}`),
      10_000,
    );
    const allIn = await until(() => inbox.copies.size === RECIPIENTS, 4 * 60_000);
    clearInterval(sampler);
    if (!allIn) {
      expect.fail(
        `${inbox.copies.size} of ${RECIPIENTS} arrived (${atKill} at the kill; after the restart ${progress.join(', ')}); ` +
          `${await standing(campaign.id)}; the servers said:\n${log.slice(-5000)}`,
      );
    }
    const completedAfter = Date.now() - restartedAt;
    // A copy still on its way would be a duplicate this test must see.
    await sleep(3_000);

    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(RECIPIENTS);

    // None lost: one Message-ID per outbox message, each of them the message's own id, and every recipient got mail.
    const outbox = await database.db
      .selectFrom('outbox_messages')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('idempotency_key', 'like', `campaign:${campaign.id}:%`)
      .execute();
    expect(outbox).toHaveLength(RECIPIENTS);
    const expectedIds = new Set(outbox.map((m) => `<${m.id}@cafe-dana.example>`));
    expect(inbox.copies.size).toBe(RECIPIENTS);
    expect([...inbox.copies.keys()].filter((id) => !expectedIds.has(id))).toEqual([]);
    expect(inbox.byRecipient.size).toBe(RECIPIENTS);
    const missed = Array.from({ length: RECIPIENTS }, (_, i) => `guest${i + 1}@mail.example`).filter(
      (to) => !inbox.byRecipient.has(to),
    );
    expect(missed).toEqual([]);

    // Nothing doubled beyond physics: only a message taken by the mail server and not yet recorded when the
    // process died can go out again — at most one per connection — and it goes out as the same message.
    const doubled = [...inbox.copies].filter(([, n]) => n > 1);
    const extraCopies = inbox.received - inbox.copies.size;
    expect(doubled.length).toBeLessThanOrEqual(CONNECTIONS);
    expect(extraCopies).toBeLessThanOrEqual(CONNECTIONS);
    const mixed = [...inbox.byRecipient].filter(([, ids]) => ids.size !== 1);
    expect(mixed).toEqual([]);

    // The campaign's own account agrees: every recipient decided and sent, every outbox message sent.
    await expect
      .poll(
        async () => {
          const report = await api('GET', `/campaigns/${campaign.id}/report`);
          return { status: report.status, sent: report.recipients.sent };
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual({ status: 'sent', sent: RECIPIENTS });
    await expect
      .poll(
        async () => {
          const row = await database.db
            .selectFrom('outbox_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', workspaceId)
            .where('idempotency_key', 'like', `campaign:${campaign.id}:%`)
            .where('status', '=', 'sent')
            .executeTakeFirstOrThrow();
          return Number(row.n);
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(RECIPIENTS);

    console.info(
      `sigkill: first message ${((inbox.firstAt - sentAt) / 1000).toFixed(1)} s after send; ` +
        `killed ${(killedAfter / 1000).toFixed(1)} s after send with ${atKill} received; ` +
        `all ${RECIPIENTS} in ${(completedAfter / 1000).toFixed(1)} s after the restart; ` +
        `${doubled.length} message(s) arrived twice (${extraCopies} extra copies); arrived after the restart: ${progress.join(', ')}`,
    );
  });
});
