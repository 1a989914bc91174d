import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import type { Jobs } from '../../platform/jobs.ts';
import {
  batchOptions,
  CONNECTIONS,
  LEASE_SECONDS,
  MAX_ATTEMPTS,
  MAX_BATCH,
  retryAfterSeconds,
  SEND_BATCH_QUEUE,
  type SendBatchJob,
  type SendJob,
} from './messaging.jobs.ts';
import type { Mail, Mailer, SendFailure } from './messaging.mailer.ts';
import { claimMessages, type Outcome, recordOutcomes, sendingPastLease } from './messaging.repository.ts';

export type DeliveryOptions = { leaseSeconds?: number; connections?: number };

/** What a run leaves for later: messages to try again after a wait, grouped by that wait. */
export type Later =
  | { afterSeconds: number; ids: string[]; why: 'busy' }
  | { afterSeconds: number; ids: string[]; why: 'refused'; attempt: number };

/**
 * Delivers outbox messages: the send jobs' work, for one message or a
 * campaign's batch. Safe to run twice (a retry, a job pg-boss hands out
 * again, two batches naming one message): a message that is sent, kept,
 * failed or cancelled is left alone, and one another live run is sending is
 * left to it (returned in `later`). No transaction stays open while the mail
 * server talks: the messages are claimed (`sending`) in one statement, and
 * what the server answered is written as it comes, in group commits — every
 * answer that arrives while one commit runs goes into the next, and a
 * connection takes its next message only once its last is recorded. So a
 * process killed at any instant leaves at most one message per connection
 * taken by the server and not recorded: only those can arrive twice, and a
 * copy carries the same Message-ID (the message's id).
 *
 * With no mail server (`mailer` null), and for SMS, which has no provider
 * yet, delivery is keeping it: `delivered_locally`, for the outbox screen. A
 * refusal that cannot change (a 5xx: no such mailbox), or one on the last of
 * MAX_ATTEMPTS, fails the message; one for now (a 4xx, a dropped connection)
 * queues it again, with the server's reply kept on the message, where an
 * erasure finds it — never in pg-boss.
 */
export async function deliverMessages(
  db: Kysely<DB>,
  mailer: Mailer | null,
  job: SendBatchJob,
  options: DeliveryOptions = {},
): Promise<Later[]> {
  const { workspaceId } = job;
  const leaseSeconds = options.leaseSeconds ?? LEASE_SECONDS;
  const { claimed, busy } = await inWorkspace(db, workspaceId, (trx) =>
    claimMessages(trx, workspaceId, job.messageIds, { leaseSeconds, local: mailer === null }),
  );
  const later: Later[] = [];
  if (busy.length > 0) {
    const wait = Math.max(...busy.map((b) => b.secondsLeft));
    later.push({ afterSeconds: wait, ids: busy.map((b) => b.id), why: 'busy' });
  }
  if (!mailer || claimed.length === 0) return later;

  const attempts = new Map(claimed.map((m) => [m.id, m.attempts]));
  const record = groupCommit((outcomes: Outcome[]) => recordOutcomes(db, workspaceId, outcomes));
  const again = new Map<number, string[]>();
  const mails: Mail[] = claimed.map((m) => ({
    messageId: m.id,
    to: m.recipient,
    subject: m.subject ?? '',
    text: m.text_body,
    html: m.html_body,
    unsubscribeUrl: m.unsubscribe_url,
  }));
  await mailer.sendAll(mails, options.connections ?? CONNECTIONS, async (mail, failure: SendFailure | null) => {
    const attempt = attempts.get(mail.messageId) ?? MAX_ATTEMPTS;
    const final = failure !== null && (failure.permanent || attempt >= MAX_ATTEMPTS);
    if (failure && !final) again.set(attempt, [...(again.get(attempt) ?? []), mail.messageId]);
    await record({ id: mail.messageId, error: failure?.summary ?? null, final });
  });
  for (const [attempt, ids] of again)
    later.push({ afterSeconds: retryAfterSeconds(attempt), ids, why: 'refused', attempt });
  return later;
}

/**
 * The one-message job (SEND_QUEUE): what is left for later is thrown, so
 * pg-boss tries the job again with its growing waits.
 */
export async function deliverMessage(
  db: Kysely<DB>,
  mailer: Mailer | null,
  job: SendJob,
  options: DeliveryOptions = {},
): Promise<void> {
  const later = await deliverMessages(
    db,
    mailer,
    { workspaceId: job.workspaceId, messageIds: [job.messageId] },
    options,
  );
  const left = later[0];
  if (!left) return;
  if (left.why === 'busy') throw new Error(`message ${job.messageId} is being sent by another run`);
  throw new Error(`message ${job.messageId}: attempt ${left.attempt} of ${MAX_ATTEMPTS} failed, tried again later`);
}

/**
 * The batch job (SEND_BATCH_QUEUE): a refusal for now goes into a new batch,
 * at the wait its attempt calls for. A message another live run is sending is
 * that run's: if it dies, the sweep hands the message on once its lease ends.
 */
export async function deliverBatch(
  db: Kysely<DB>,
  mailer: Mailer | null,
  jobs: Pick<Jobs, 'send'>,
  job: SendBatchJob,
  options: DeliveryOptions = {},
): Promise<void> {
  const later = await deliverMessages(db, mailer, job, options);
  for (const { afterSeconds, ids, why } of later) {
    if (why === 'busy') continue;
    await jobs.send<SendBatchJob>(
      SEND_BATCH_QUEUE,
      { workspaceId: job.workspaceId, messageIds: ids },
      { ...batchOptions(options.leaseSeconds), startAfter: afterSeconds },
    );
  }
}

/**
 * The sweep (every minute): messages left `sending` past the lease — their
 * process died between claiming and recording them — go into new batches.
 * pg-boss would retry the dead job too, after its expiry; the sweep also
 * catches a job that had used up its retries.
 */
export async function sweepAbandoned(
  db: Kysely<DB>,
  jobs: Pick<Jobs, 'send'>,
  options: DeliveryOptions = {},
): Promise<number> {
  const rows = await inSystem(db, (trx) =>
    sendingPastLease(trx, options.leaseSeconds ?? LEASE_SECONDS, 50 * MAX_BATCH),
  );
  const byWorkspace = new Map<string, string[]>();
  for (const r of rows) byWorkspace.set(r.workspace_id, [...(byWorkspace.get(r.workspace_id) ?? []), r.id]);
  for (const [workspaceId, ids] of byWorkspace) {
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      await jobs.send<SendBatchJob>(
        SEND_BATCH_QUEUE,
        { workspaceId, messageIds: ids.slice(i, i + MAX_BATCH) },
        // Ahead of a campaign's waiting batches: these waited a lease already, and a sweep a minute later
        // would hand them on again while they wait.
        { ...batchOptions(options.leaseSeconds), priority: 1 },
      );
    }
  }
  return rows.length;
}

/**
 * Batches calls into group commits: `add` resolves once its item is written.
 * Items that arrive while a write runs go together into the next one.
 */
export function groupCommit<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let waiting: { items: T[]; done: Promise<void> } | null = null;
  let running: Promise<void> = Promise.resolve();
  return (item) => {
    if (waiting) {
      waiting.items.push(item);
      return waiting.done;
    }
    const group: { items: T[]; done: Promise<void> } = { items: [item], done: Promise.resolve() };
    group.done = running.then(() => {
      // From here on, new items start the next group.
      if (waiting === group) waiting = null;
      return write(group.items);
    });
    waiting = group;
    running = group.done.catch(() => undefined);
    return group.done;
  };
}
