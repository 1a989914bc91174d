import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
import { LEASE_SECONDS } from './messaging.jobs.ts';
import type { MessageChannel, MessageStatus, OutboxMessageTable } from './messaging.tables.ts';

/** A message as the outbox keeps it. */
export type OutboxMessage = {
  id: string;
  channel: MessageChannel;
  recipient: string;
  customerId: string | null;
  subject: string | null;
  preview: string;
  purpose: string;
  module: string;
  status: MessageStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  erasedAt: Date | null;
};
export type OutboxMessageDetail = OutboxMessage & { text: string; html: string | null };

const CURSOR_KIND = 'messaging.outbox';
const PREVIEW_CHARS = 160;

const summaryColumns = [
  'id',
  'channel',
  'recipient',
  'customer_id',
  'subject',
  'purpose',
  'module',
  'status',
  'attempts',
  'last_error',
  'created_at',
  'sent_at',
  'erased_at',
] as const;

type SummaryRow = Pick<Selectable<OutboxMessageTable>, (typeof summaryColumns)[number]> & { preview: string };

function rowToMessage(row: SummaryRow): OutboxMessage {
  return {
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    customerId: row.customer_id,
    subject: row.subject,
    preview: row.preview,
    purpose: row.purpose,
    module: row.module,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    erasedAt: row.erased_at,
  };
}

// The start of the text on one line, cut in the database: a campaign's long bodies never leave it for a list.
const preview = sql<string>`left(regexp_replace(text_body, '\\s+', ' ', 'g'), ${PREVIEW_CHARS})`.as('preview');

export type NewMessage = {
  id: string;
  channel: MessageChannel;
  recipient: string;
  customerId: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  purpose: string;
  module: string;
  idempotencyKey: string;
  unsubscribeUrl: string | null;
};

/** Inserts the message, or nothing when its idempotency key is taken: the id of the new row, or null. */
export async function insertMessage(trx: Trx, ctx: Ctx, message: NewMessage): Promise<string | null> {
  const inserted = await trx
    .insertInto('outbox_messages')
    .values({
      workspace_id: ctx.workspaceId,
      id: message.id,
      channel: message.channel,
      recipient: message.recipient,
      customer_id: message.customerId,
      subject: message.subject,
      text_body: message.text,
      html_body: message.html,
      purpose: message.purpose,
      module: message.module,
      idempotency_key: message.idempotencyKey,
      unsubscribe_url: message.unsubscribeUrl,
      // Made here, to the millisecond, so a list cursor (an ISO time) names a row's time exactly.
      created_at: new Date(),
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function messageByKey(
  trx: Trx,
  ctx: Ctx,
  idempotencyKey: string,
): Promise<{ id: string; status: MessageStatus }> {
  return trx
    .selectFrom('outbox_messages')
    .select(['id', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirstOrThrow();
}

export type OutboxFilter = {
  status?: MessageStatus | undefined;
  channel?: MessageChannel | undefined;
  customerId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

/** The workspace's messages, newest first, a page at a time. */
export async function listMessages(
  trx: Trx,
  ctx: Ctx,
  filter: OutboxFilter,
): Promise<{ items: OutboxMessage[]; nextCursor: string | null }> {
  let query = trx
    .selectFrom('outbox_messages')
    .select([...summaryColumns, preview])
    .where('workspace_id', '=', ctx.workspaceId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  const after = decodeTimeCursor(filter.cursor, CURSOR_KIND);
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(rowToMessage),
    nextCursor:
      rows.length > filter.limit && last
        ? encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, CURSOR_KIND)
        : null,
  };
}

/** One message with its text, or undefined when the workspace has none of this id. */
export async function findMessage(trx: Trx, ctx: Ctx, id: string): Promise<OutboxMessageDetail | undefined> {
  const row = await trx
    .selectFrom('outbox_messages')
    .select([...summaryColumns, preview, 'text_body', 'html_body'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { ...rowToMessage(row), text: row.text_body, html: row.html_body } : undefined;
}

/** What the worker needs of a message, locked until its transaction ends. */
export async function lockForDelivery(trx: Trx, workspaceId: string, id: string) {
  return trx
    .selectFrom('outbox_messages')
    .select([
      'id',
      'channel',
      'recipient',
      'subject',
      'text_body',
      'html_body',
      'unsubscribe_url',
      'status',
      'attempts',
      'erased_at',
      // Whether a `sending` is someone's live attempt, or one that died with its process.
      sql<boolean>`sending_since > now() - make_interval(secs => ${LEASE_SECONDS})`.as('in_lease'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Moves the message on; `from` guards the step (a message that moved meanwhile is left as it is). */
export async function updateDelivery(
  trx: Trx,
  workspaceId: string,
  id: string,
  change: {
    status: MessageStatus;
    attempts?: number;
    lastError?: string | null;
    sendingSince?: Date | null;
    sentAt?: Date | null;
  },
): Promise<void> {
  await trx
    .updateTable('outbox_messages')
    .set({
      status: change.status,
      ...(change.attempts !== undefined ? { attempts: change.attempts } : {}),
      ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
      ...(change.sendingSince !== undefined ? { sending_since: change.sendingSince } : {}),
      ...(change.sentAt !== undefined ? { sent_at: change.sentAt } : {}),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** A merge: the merged customer's messages become the survivor's. */
export async function moveMessages(trx: Trx, ctx: Ctx, fromId: string, toId: string): Promise<void> {
  await trx
    .updateTable('outbox_messages')
    .set({ customer_id: toId })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', fromId)
    .execute();
}

/** Every message to the customer, oldest first, with its whole text (a privacy export). */
export async function messagesOfCustomer(trx: Trx, ctx: Ctx, customerId: string) {
  return trx
    .selectFrom('outbox_messages')
    .select([
      'id',
      'channel',
      'recipient',
      'subject',
      'text_body',
      'html_body',
      'purpose',
      'status',
      'created_at',
      'sent_at',
    ])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Erasure: the messages to the person (by her customer id, or sent to one of
 * her addresses without it) keep their channel, purpose, status and times,
 * and lose who they went to and what they said. One not sent yet never will be.
 */
export async function eraseMessages(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  addresses: { emails: string[]; phones: string[] },
): Promise<void> {
  const emails = addresses.emails.map((e) => e.trim().toLowerCase()).filter(Boolean);
  const phones = addresses.phones.map((p) => p.trim()).filter(Boolean);
  await trx
    .updateTable('outbox_messages')
    .set({
      recipient: '',
      subject: sql<string | null>`case when subject is null then null else '' end`,
      text_body: '',
      html_body: null,
      last_error: null,
      erased_at: sql<Date>`coalesce(erased_at, now())`,
      status: sql<MessageStatus>`case when status = 'queued' then 'cancelled' else status end`,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) =>
      eb.or([
        eb('customer_id', '=', customerId),
        ...(emails.length ? [eb(sql`lower(recipient)`, '=', sql<string>`any(${emails}::text[])`)] : []),
        ...(phones.length ? [eb('recipient', '=', sql<string>`any(${phones}::text[])`)] : []),
      ]),
    )
    .execute();
}
