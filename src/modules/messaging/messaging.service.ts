import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs.ts';
import type { MailSettings } from '../../platform/module.ts';
import { requirePermission } from '../../platform/permissions.ts';
import {
  batchOptions,
  MAX_BATCH,
  SEND_BATCH_QUEUE,
  SEND_QUEUE,
  type SendBatchJob,
  type SendJob,
  sendOptions,
} from './messaging.jobs.ts';
import {
  findMessage,
  insertMessage,
  insertMessages,
  listMessages,
  messageByKey,
  messagesByKeys,
  type NewMessage,
  type OutboxFilter,
  type OutboxMessage,
  type OutboxMessageDetail,
} from './messaging.repository.ts';
import { type OutgoingMessage, outgoingMessage } from './messaging.schemas.ts';
import type { MessageChannel, MessageStatus } from './messaging.tables.ts';

export type { OutgoingMessage } from './messaging.schemas.ts';
export type { MessageChannel, MessageStatus } from './messaging.tables.ts';
export type { OutboxMessage, OutboxMessageDetail };

/** What enqueueing answers: the message's id and where it stands; `created` is false for a key seen before. */
export type EnqueuedMessage = { id: string; status: MessageStatus; created: boolean };

/**
 * Sends a person a message, as part of the caller's change: the outbox row and
 * the pg-boss job that delivers it are written in `trx`, so the message exists,
 * and is sent, if and only if that transaction commits. The same
 * `idempotencyKey` twice (a retried request, a subscriber run again) gives one
 * message: the second call answers the first's.
 *
 * The caller checks its own permission (`loyalty.redeem`, `campaigns.send`):
 * a message is a consequence of that change, not a right of its own. It also
 * checks consent where the law asks for it (`customer.consents[channel]`):
 * the outbox sends what it is given. With no mail server set, or on a channel
 * without a provider (SMS), the message is kept for the outbox screen.
 *
 * A message that does not fit (no subject for an email, an address that is
 * none) is MESSAGE.INVALID, naming the field; `isSendableAddress` tells first.
 */
export async function enqueueMessage(
  trx: Trx,
  ctx: Ctx,
  jobs: Pick<Jobs, 'sendWithin'>,
  message: OutgoingMessage,
): Promise<EnqueuedMessage> {
  const m = validated(message, '');
  const id = await insertMessage(trx, ctx, newMessage(m));
  if (id === null) {
    const existing = await messageByKey(trx, ctx, m.idempotencyKey);
    return { ...existing, created: false };
  }
  await jobs.sendWithin<SendJob>(trx, SEND_QUEUE, { workspaceId: ctx.workspaceId, messageId: id }, sendOptions(id));
  return { id, status: 'queued', created: true };
}

/**
 * Sends many people a message each (a campaign's batch), as part of the
 * caller's change, like enqueueMessage: the rows in one statement and one
 * batch job per MAX_BATCH messages, which sends them over a pool of SMTP
 * connections. Answers each message, in the order given; keys seen before
 * answer the message first made for them. A message that does not fit is
 * MESSAGE.INVALID, naming `messages.<index>.<field>`, and nothing is enqueued.
 */
export async function enqueueMessages(
  trx: Trx,
  ctx: Ctx,
  jobs: Pick<Jobs, 'sendWithin'>,
  messages: readonly OutgoingMessage[],
): Promise<EnqueuedMessage[]> {
  const parsed = messages.map((message, i) => validated(message, `messages.${i}`));
  const keys = new Set<string>();
  const fresh = parsed.filter((m) => !keys.has(m.idempotencyKey) && keys.add(m.idempotencyKey));
  const created = await insertMessages(trx, ctx, fresh.map(newMessage));
  const existing = await messagesByKeys(
    trx,
    ctx,
    fresh.filter((m) => !created.has(m.idempotencyKey)).map((m) => m.idempotencyKey),
  );
  const ids = [...created.values()];
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    await jobs.sendWithin<SendBatchJob>(
      trx,
      SEND_BATCH_QUEUE,
      { workspaceId: ctx.workspaceId, messageIds: ids.slice(i, i + MAX_BATCH) },
      batchOptions(),
    );
  }
  return parsed.map((m) => {
    const id = created.get(m.idempotencyKey);
    if (id !== undefined) return { id, status: 'queued', created: true };
    const found = existing.get(m.idempotencyKey);
    if (!found) throw new Error(`message of key ${m.idempotencyKey} neither inserted nor found`);
    return { ...found, created: false };
  });
}

function validated(message: OutgoingMessage, prefix: string): OutgoingMessage {
  const parsed = outgoingMessage.safeParse(message);
  if (parsed.success) return parsed.data;
  throw new AppError('MESSAGE.INVALID', {
    fields: parsed.error.issues.map((issue) => ({
      field: [prefix, ...issue.path].filter((p) => p !== '').join('.') || '(message)',
      message: issue.code === 'custom' ? issue.message : issue.code,
    })),
  });
}

function newMessage(m: OutgoingMessage): NewMessage {
  return {
    id: newId(),
    channel: m.channel,
    recipient: m.channel === 'email' ? m.to.toLowerCase() : m.to,
    customerId: m.customerId ?? null,
    subject: m.subject ?? null,
    text: m.text,
    html: m.html ?? null,
    purpose: m.purpose,
    module: m.module,
    idempotencyKey: m.idempotencyKey,
    unsubscribeUrl: m.unsubscribeUrl ?? null,
  };
}

/** Whether the outbox would take this address on this channel (an email address; a phone in E.164, +972…). */
export function isSendableAddress(channel: MessageChannel, to: string): boolean {
  const probe = {
    channel,
    to,
    subject: 'x',
    text: 'x',
    purpose: 'messaging.probe',
    module: 'messaging',
    idempotencyKey: 'x',
  };
  return outgoingMessage.safeParse(probe).success;
}

/** The outbox, newest first (the outbox screen). */
export async function listOutbox(
  trx: Trx,
  ctx: Ctx,
  filter: OutboxFilter,
): Promise<{ items: OutboxMessage[]; nextCursor: string | null }> {
  requirePermission(ctx, 'messaging.read');
  return listMessages(trx, ctx, filter);
}

/** One message with its whole text. */
export async function getOutboxMessage(trx: Trx, ctx: Ctx, id: string): Promise<OutboxMessageDetail> {
  requirePermission(ctx, 'messaging.read');
  const found = await findMessage(trx, ctx, id);
  if (!found) throw new AppError('MESSAGE.NOT_FOUND');
  return found;
}

/** How each channel delivers on this server (the outbox screen says when mail is only kept, not sent). */
export function messagingChannels(mail: MailSettings) {
  const server = mail.smtpUrl ? new URL(mail.smtpUrl).hostname : null;
  return {
    items: [
      {
        channel: 'email' as const,
        delivery: server ? ('provider' as const) : ('local' as const),
        server,
        from: mail.from,
      },
      // No SMS provider yet: text messages are kept in the outbox.
      { channel: 'sms' as const, delivery: 'local' as const, server: null, from: null },
    ],
  };
}

/** How many of the messages whose idempotency keys start with `prefix` stand where (a campaign's, `campaign:<id>:`). */
export async function messageStatusCounts(
  trx: Trx,
  ctx: Ctx,
  prefix: string,
): Promise<Partial<Record<MessageStatus, number>>> {
  const rows = await trx
    .selectFrom('outbox_messages')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('workspace_id', '=', ctx.workspaceId)
    // Keys are made of ids and colons: no LIKE wildcard in a prefix.
    .where('idempotency_key', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
