import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import type { Jobs } from '../../platform/jobs.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../../test/harness.ts';
import { deliverBatch, deliverMessage, groupCommit, sweepAbandoned } from './messaging.delivery.ts';
import { MAX_ATTEMPTS, SEND_BATCH_QUEUE, type SendBatchJob } from './messaging.jobs.ts';
import { smtpMailer } from './messaging.mailer.ts';
import { enqueueMessage, enqueueMessages, type OutgoingMessage } from './messaging.service.ts';

type Message = {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  customerId: string | null;
  subject: string | null;
  preview: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  erasedAt: string | null;
  text?: string;
  html?: string | null;
};

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מועדון הקפה');
});

/** A pg-boss that takes nothing: the message is written, and only the test delivers it. */
const noJobs: Pick<Jobs, 'sendWithin'> = { sendWithin: async () => null };

const email = (overrides: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  channel: 'email',
  to: `dana.${randomToken(4).toLowerCase()}@mail.example`,
  subject: 'הקוד שלך',
  text: 'הקוד שלך למועדון: 482913',
  purpose: 'loyalty.otp',
  module: 'loyalty',
  idempotencyKey: `otp:${randomToken(8)}`,
  ...overrides,
});

function enqueue(w: TestWorkspace, message: OutgoingMessage, jobs: Pick<Jobs, 'sendWithin'> = t.jobs) {
  return inWorkspace(t.database.db, w.workspaceId, (trx) =>
    enqueueMessage(trx, systemCtx(w.workspaceId), jobs, message),
  );
}

/**
 * Waits for the send job to have delivered the message. On PostgreSQL every test process's worker takes jobs
 * from the one shared queue, and in the full suite the job was seen waiting longer than the poll: there the
 * job's own handler is run here first (it is the same handler; run twice it sends once). On PGlite each process
 * has its own queue, and the worker alone must deliver it.
 */
async function deliveredLocally(id: string, w = ws) {
  if (testDatabaseKind === 'postgres')
    await deliverMessage(t.database.db, null, { workspaceId: w.workspaceId, messageId: id });
  await expect
    .poll(async () => (await read(id, w)).status, { timeout: 20_000, interval: 200 })
    .toBe('delivered_locally');
}

async function read(id: string, w = ws): Promise<Message> {
  const res = await w.request({ method: 'GET', url: `/api/v1/messaging/outbox/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Message;
}

async function stored(id: string): Promise<{ messages: number; jobs: number }> {
  return inSystem(t.database.db, async (trx) => {
    const messages = await sql<{ n: number }>`select count(*)::int as n from outbox_messages where id = ${id}`.execute(
      trx,
    );
    const jobs = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where id = ${id}`.execute(trx);
    return { messages: messages.rows[0]?.n ?? 0, jobs: jobs.rows[0]?.n ?? 0 };
  });
}

describe('enqueueing a message', () => {
  it('writes the message and its job with the caller’s change: none of either when it rolls back', async () => {
    let rolledBack = '';
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
        rolledBack = (await enqueueMessage(trx, systemCtx(ws.workspaceId), t.jobs, email())).id;
        throw new Error('the change failed after its message was queued');
      }),
    ).rejects.toThrow('the change failed');
    expect(rolledBack).not.toBe('');
    expect(await stored(rolledBack)).toEqual({ messages: 0, jobs: 0 });

    const sent = await enqueue(ws, email());
    expect(sent).toMatchObject({ status: 'queued', created: true });
    expect(await stored(sent.id)).toEqual({ messages: 1, jobs: 1 });
  });

  it('gives one message, and one job, for the same idempotency key', async () => {
    const key = `points:${randomToken(8)}`;
    const first = await enqueue(ws, email({ idempotencyKey: key }));
    const again = await enqueue(ws, email({ idempotencyKey: key, text: 'שוב' }));
    expect(again).toMatchObject({ id: first.id, created: false });
    // Twice within one transaction too.
    const [a, b] = await inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
      const message = email({ idempotencyKey: `${key}:inner` });
      const ctx = systemCtx(ws.workspaceId);
      return [await enqueueMessage(trx, ctx, t.jobs, message), await enqueueMessage(trx, ctx, t.jobs, message)];
    });
    expect(b?.id).toBe(a?.id);
    const rows = await inSystem(t.database.db, (trx) =>
      trx
        .selectFrom('outbox_messages')
        .select('id')
        .where('workspace_id', '=', ws.workspaceId)
        .where('idempotency_key', 'in', [key, `${key}:inner`])
        .execute(),
    );
    expect(rows).toHaveLength(2);
    expect(await stored(first.id)).toEqual({ messages: 1, jobs: 1 });
    // The same key in another workspace is that workspace's own message.
    const other = await createTestWorkspace(t);
    expect((await enqueue(other, email({ idempotencyKey: key }))).created).toBe(true);
  });

  it('refuses a message that cannot be sent, naming the field', async () => {
    await expect(enqueue(ws, email({ to: 'not-an-address' }))).rejects.toMatchObject({
      code: 'MESSAGE.INVALID',
      fields: [{ field: 'to', message: 'email.invalid' }],
    });
    await expect(enqueue(ws, email({ subject: undefined }))).rejects.toMatchObject({
      fields: [{ field: 'subject', message: 'required' }],
    });
    await expect(
      enqueue(ws, { ...email(), channel: 'sms', to: '0541234567', subject: undefined }),
    ).rejects.toMatchObject({ fields: [{ field: 'to', message: 'phone.invalid' }] });
  });
});

describe('the send job with no mail server', () => {
  it('keeps the message in the outbox, delivered locally, and reads it back whole', async () => {
    const { id } = await enqueue(ws, email({ html: '<p>הקוד שלך: <b>482913</b></p>' }));
    await deliveredLocally(id);
    const message = await read(id);
    expect(message).toMatchObject({
      subject: 'הקוד שלך',
      text: 'הקוד שלך למועדון: 482913',
      html: '<p>הקוד שלך: <b>482913</b></p>',
      preview: 'הקוד שלך למועדון: 482913',
      attempts: 1,
      lastError: null,
    });
    expect(message.sentAt).not.toBeNull();
  });

  it('keeps an SMS locally too: there is no SMS provider yet', async () => {
    const { id } = await enqueue(ws, { ...email(), channel: 'sms', to: '+972541234567', subject: undefined });
    await deliveredLocally(id);
    const channels = await ws.request({ method: 'GET', url: '/api/v1/messaging/channels' });
    expect(channels.json()).toEqual({
      items: [
        { channel: 'email', delivery: 'local', server: null, from: null },
        { channel: 'sms', delivery: 'local', server: null, from: null },
      ],
    });
  });
});

describe('the send job with a mail server', () => {
  type Received = { from: string; to: string[]; raw: string };
  const received: Received[] = [];
  // An address the server refuses for good (550), and one it refuses for now (451).
  let server: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody.')) {
          return callback(Object.assign(new Error('5.1.1 No such mailbox here'), { responseCode: 550 }));
        }
        if (address.address.startsWith('busy.')) {
          return callback(Object.assign(new Error('4.3.2 Try again later'), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => {
          raw += chunk.toString('utf8');
        });
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const mailer = () => smtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Café Dana <club@cafe-dana.example>' });

  it('hands a marketing email its one-click unsubscribe headers (RFC 8058), and others none', async () => {
    const unsubscribeUrl = 'https://klient.example.co.il/api/v1/unsubscribe/abc.def';
    const marketing = await enqueue(ws, email({ subject: 'פרסומת: מבצע', text: 'מבצע', unsubscribeUrl }), noJobs);
    const plain = await enqueue(ws, email({ subject: 'Your code', text: '123456' }), noJobs);
    for (const { id } of [marketing, plain])
      await deliverMessage(t.database.db, mailer(), { workspaceId: ws.workspaceId, messageId: id });
    const rawOf = (id: string) => received.find((r) => r.raw.includes(`<${id}@cafe-dana.example>`))?.raw ?? '';
    expect(rawOf(marketing.id)).toContain(`List-Unsubscribe: <${unsubscribeUrl}>`);
    expect(rawOf(marketing.id)).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(rawOf(plain.id)).not.toContain('List-Unsubscribe');
  });

  it('sends it by SMTP, once, however often the job runs', async () => {
    const message = email({ subject: 'Your club code', text: 'Your code is 482913', html: '<p>482913</p>' });
    const { id } = await enqueue(ws, message, noJobs);
    const job = { workspaceId: ws.workspaceId, messageId: id };
    await deliverMessage(t.database.db, mailer(), job);
    await deliverMessage(t.database.db, mailer(), job);
    const mine = received.filter((r) => r.raw.includes(`<${id}@cafe-dana.example>`));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ from: 'club@cafe-dana.example', to: [message.to] });
    expect(mine[0]?.raw).toContain('Subject: Your club code');
    expect(mine[0]?.raw).toContain('Your code is 482913');
    expect(await read(id)).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
  });

  it('fails at once when the server refuses the address for good', async () => {
    const { id } = await enqueue(ws, email({ to: `nobody.${randomToken(4).toLowerCase()}@mail.example` }), noJobs);
    await deliverMessage(t.database.db, mailer(), { workspaceId: ws.workspaceId, messageId: id });
    const message = await read(id);
    expect(message).toMatchObject({ status: 'failed', attempts: 1 });
    expect(message.lastError).toContain('No such mailbox');
  });

  it('tries a refusal for now again, up to its last attempt, and tells pg-boss nothing of the address', async () => {
    const to = `busy.${randomToken(4).toLowerCase()}@mail.example`;
    const { id } = await enqueue(ws, email({ to }), noJobs);
    const job = { workspaceId: ws.workspaceId, messageId: id };
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const thrown = await deliverMessage(t.database.db, mailer(), job).then(
        () => null,
        (error: Error) => error,
      );
      // pg-boss keeps a job's error: it says which attempt failed, never to whom.
      expect(thrown?.message).toMatch(new RegExp(`attempt ${attempt} of ${MAX_ATTEMPTS}`));
      expect(thrown?.message).not.toContain(to);
      expect(await read(id)).toMatchObject({ status: 'queued', attempts: attempt });
    }
    await deliverMessage(t.database.db, mailer(), job);
    const message = await read(id);
    expect(message).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(message.lastError).toContain('Try again later');
  });

  it('takes over a send that died with its process, and leaves one that is under way', async () => {
    const { id } = await enqueue(ws, email(), noJobs);
    const claim = (since: string) =>
      inSystem(t.database.db, (trx) =>
        trx
          .updateTable('outbox_messages')
          .set({ status: 'sending', attempts: 1, sending_since: sql`now() - ${since}::interval` })
          .where('id', '=', id)
          .execute(),
      );
    const job = { workspaceId: ws.workspaceId, messageId: id };
    await claim('10 seconds');
    await expect(deliverMessage(t.database.db, mailer(), job)).rejects.toThrow(/being sent by another run/);
    await claim('1 hour');
    await deliverMessage(t.database.db, mailer(), job);
    expect(await read(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('sends a batch over a pool of connections, each message once, and puts a refusal for now in a batch of its own', async () => {
    const tag = randomToken(4).toLowerCase();
    const batch = Array.from({ length: 40 }, (_, i) =>
      email({ to: `${i === 7 ? 'busy' : 'guest'}.${tag}.${i}@mail.example`, idempotencyKey: `batch:${tag}:${i}` }),
    );
    batch.push(email({ to: `nobody.${tag}@mail.example`, idempotencyKey: `batch:${tag}:nobody` }));
    const batchJobs: { queue: string; data: SendBatchJob }[] = [];
    const capture: Pick<Jobs, 'sendWithin'> = {
      sendWithin: async (_trx, queue, data) => {
        batchJobs.push({ queue, data: data as SendBatchJob });
        return null;
      },
    };
    const enqueued = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      enqueueMessages(trx, systemCtx(ws.workspaceId), capture, batch),
    );
    expect(enqueued).toHaveLength(41);
    expect(batchJobs).toEqual([
      { queue: SEND_BATCH_QUEUE, data: { workspaceId: ws.workspaceId, messageIds: enqueued.map((e) => e.id) } },
    ]);
    // The same batch again (a dispatch redone after a crash) enqueues nothing new and answers the same messages.
    const again = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      enqueueMessages(trx, systemCtx(ws.workspaceId), capture, batch),
    );
    expect(again.map((e) => [e.id, e.created])).toEqual(enqueued.map((e) => [e.id, false]));
    expect(batchJobs).toHaveLength(1);

    const later: { data: SendBatchJob; startAfter: unknown }[] = [];
    const jobs: Pick<Jobs, 'send'> = {
      send: async (_queue, data, options) => {
        later.push({ data: data as SendBatchJob, startAfter: options?.startAfter });
        return null;
      },
    };
    const job = batchJobs[0]!.data;
    await Promise.all([
      deliverBatch(t.database.db, mailer(), jobs, job, { connections: 4 }),
      deliverBatch(t.database.db, mailer(), jobs, job, { connections: 4 }),
    ]);
    const ids = enqueued.map((e) => e.id);
    const copies = ids.map((id) => received.filter((r) => r.raw.includes(`<${id}@cafe-dana.example>`)).length);
    // Two runs of one batch at once: 39 arrive once each; the busy one and the refused one never arrive.
    expect(copies.filter((n) => n === 1)).toHaveLength(39);
    expect(copies.filter((n) => n > 1)).toHaveLength(0);
    const statuses = await Promise.all(ids.map((id) => read(id)));
    expect(statuses.filter((m) => m.status === 'sent')).toHaveLength(39);
    expect(statuses[7]).toMatchObject({ status: 'queued', attempts: 1 });
    expect(statuses[40]).toMatchObject({ status: 'failed', attempts: 1 });
    // The refusal for now waits 30 s in a batch of its own; the second run found every other message taken.
    const retry = later.filter((l) => l.data.messageIds.includes(ids[7]!));
    expect(retry).toEqual([{ data: { workspaceId: ws.workspaceId, messageIds: [ids[7]] }, startAfter: 30 }]);
  });

  it('hands messages left sending by a dead process to a new batch, and no others', async () => {
    const { id } = await enqueue(ws, email(), noJobs);
    const { id: fresh } = await enqueue(ws, email(), noJobs);
    await inSystem(t.database.db, (trx) =>
      trx
        .updateTable('outbox_messages')
        .set({ status: 'sending', attempts: 1, sending_since: sql`now() - interval '10 minutes'` })
        .where('id', '=', id)
        .execute(),
    );
    await inSystem(t.database.db, (trx) =>
      trx
        .updateTable('outbox_messages')
        .set({ status: 'sending', sending_since: sql`now()` })
        .where('id', '=', fresh)
        .execute(),
    );
    const sent: SendBatchJob[] = [];
    await sweepAbandoned(t.database.db, {
      send: async (_q, data) => {
        sent.push(data as SendBatchJob);
        return null;
      },
    });
    const swept = sent.flatMap((b) => b.messageIds);
    expect(swept).toContain(id);
    expect(swept).not.toContain(fresh);
    const job = sent.find((b) => b.messageIds.includes(id))!;
    await deliverBatch(t.database.db, mailer(), { send: async () => null }, job);
    expect(await read(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await read(fresh)).toMatchObject({ status: 'sending' });
  });
});

describe('group commits', () => {
  it('writes what arrives during a write in the next one, and answers each caller after its own write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const record = groupCommit(async (items: number[]) => {
      writes.push([...items]);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = record(1);
    await Promise.resolve();
    const rest = [record(2), record(3), record(4)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(writes).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects the callers of a write that failed, and goes on with the next', async () => {
    let fail = true;
    const record = groupCommit(async () => {
      if (fail) throw new Error('database gone');
    });
    await expect(record(1)).rejects.toThrow('database gone');
    fail = false;
    await expect(record(2)).resolves.toBeUndefined();
  });
});

describe('the outbox API', () => {
  it('lists the workspace’s messages newest first, a page at a time, by status and channel', async () => {
    const w = await createTestWorkspace(t);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await enqueue(w, email({ subject: `הודעה ${n}` }), noJobs)).id);
    ids.push((await enqueue(w, { ...email(), channel: 'sms', to: '+972501112233', subject: undefined }, noJobs)).id);
    const first = await w.request({ method: 'GET', url: '/api/v1/messaging/outbox?limit=3' });
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json() as { items: Message[]; nextCursor: string | null };
    expect(page.items.map((m) => m.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(page.nextCursor).not.toBeNull();
    const rest = (
      await w.request({
        method: 'GET',
        url: '/api/v1/messaging/outbox',
        query: { limit: '3', cursor: page.nextCursor ?? '' },
      })
    ).json() as { items: Message[]; nextCursor: string | null };
    expect(rest).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    const sms = (await w.request({ method: 'GET', url: '/api/v1/messaging/outbox?channel=sms' })).json() as {
      items: Message[];
    };
    expect(sms.items.map((m) => m.id)).toEqual([ids[3]]);
    const queued = (await w.request({ method: 'GET', url: '/api/v1/messaging/outbox?status=queued' })).json() as {
      items: Message[];
    };
    expect(queued.items).toHaveLength(4);
    const sent = (await w.request({ method: 'GET', url: '/api/v1/messaging/outbox?status=sent' })).json() as {
      items: Message[];
    };
    expect(sent.items).toEqual([]);
    const bad = await w.request({ method: 'GET', url: '/api/v1/messaging/outbox?cursor=abc' });
    expect(bad.statusCode).toBe(400);
  });

  it('shows a workspace only its own messages', async () => {
    const { id } = await enqueue(ws, email(), noJobs);
    const other = await createTestWorkspace(t);
    const res = await other.request({ method: 'GET', url: `/api/v1/messaging/outbox/${id}` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'MESSAGE.NOT_FOUND' });
    const list = (await other.request({ method: 'GET', url: '/api/v1/messaging/outbox' })).json() as {
      items: Message[];
    };
    expect(list.items.map((m) => m.id)).not.toContain(id);
    // Row security holds even for a query that forgot its workspace.
    const seen = await inWorkspace(t.database.db, other.workspaceId, (trx) =>
      trx.selectFrom('outbox_messages').select('id').where('id', '=', id).execute(),
    );
    expect(seen).toEqual([]);
  });

  it('is for owners and admins: other roles get 403', async () => {
    const { id } = await enqueue(ws, email(), noJobs);
    for (const role of ['agent', 'marketer', 'analyst', 'shopper'] as const) {
      const key = await ws.keyFor(role);
      for (const url of ['/api/v1/messaging/outbox', `/api/v1/messaging/outbox/${id}`, '/api/v1/messaging/channels']) {
        expect((await ws.request({ method: 'GET', url, key })).statusCode, `${role} ${url}`).toBe(403);
      }
    }
    const admin = await ws.keyFor('admin');
    expect((await ws.request({ method: 'GET', url: `/api/v1/messaging/outbox/${id}`, key: admin })).statusCode).toBe(
      200,
    );
  });
});

describe('a customer’s messages', () => {
  it('move with a merge, come with an export, and lose their address and text with an erasure', async () => {
    const token = randomToken(4).toLowerCase();
    const address = `noa.${token}@mail.example`;
    const create = async (payload: object) => {
      const res = await ws.request({ method: 'POST', url: '/api/v1/customers?allowDuplicate=true', payload });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { id: string }).id;
    };
    const survivor = await create({ firstName: 'נועה', email: address, phone: '0527654321' });
    const merged = await create({ firstName: 'נועה', email: `other.${address}` });
    const toMerged = await enqueue(ws, email({ to: `other.${address}`, customerId: merged, text: `שלום ${token}` }));
    const merge = await ws.request({
      method: 'POST',
      url: `/api/v1/customers/${survivor}/merge`,
      payload: { otherId: merged },
    });
    expect(merge.statusCode, merge.body).toBe(200);
    expect((await read(toMerged.id)).customerId).toBe(survivor);

    // Sent to her number without naming her: the erasure finds it by the address.
    const sms = await enqueue(ws, {
      ...email(),
      channel: 'sms',
      to: '+972527654321',
      subject: undefined,
      text: `קוד ${token}`,
    });
    const exported = (await ws.request({ method: 'GET', url: `/api/v1/customers/${survivor}/export` })).json() as {
      messaging: { messages: { id: string; to: string; text: string }[] };
    };
    expect(exported.messaging.messages).toEqual([
      expect.objectContaining({ id: toMerged.id, to: `other.${address}`, text: `שלום ${token}` }),
    ]);
    // One still waiting to go when she is erased is never sent.
    const waiting = await enqueue(ws, email({ to: address, customerId: survivor }), noJobs);

    const erase = await ws.request({ method: 'POST', url: `/api/v1/customers/${survivor}/erase` });
    expect(erase.statusCode, erase.body).toBe(200);
    for (const id of [toMerged.id, sms.id, waiting.id]) {
      const message = await read(id);
      expect(message).toMatchObject({ recipient: '', text: '', preview: '', html: null, lastError: null });
      expect(message.erasedAt).not.toBeNull();
      expect(JSON.stringify(message)).not.toContain(token);
    }
    expect((await read(waiting.id)).status).toBe('cancelled');
    await deliverMessage(t.database.db, null, { workspaceId: ws.workspaceId, messageId: waiting.id });
    expect((await read(waiting.id)).status).toBe('cancelled');
  });
});
