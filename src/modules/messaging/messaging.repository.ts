import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { decodeTimeCursor, encodeTimeCursor } from '../../platform/cursor.ts';
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

/** Inserts many messages, skipping keys taken: the ids of the new rows, by idempotency key. */
export async function insertMessages(
  trx: Trx,
  ctx: Ctx,
  messages: readonly NewMessage[],
): Promise<Map<string, string>> {
  if (messages.length === 0) return new Map();
  const createdAt = new Date();
  const rows = await trx
    .insertInto('outbox_messages')
    .values(
      messages.map((message) => ({
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
        created_at: createdAt,
      })),
    )
    .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returning(['id', 'idempotency_key'])
    .execute();
  return new Map(rows.map((r) => [r.idempotency_key, r.id]));
}

/** The messages of these keys that exist already (a batch enqueued again). */
export async function messagesByKeys(
  trx: Trx,
  ctx: Ctx,
  keys: readonly string[],
): Promise<Map<string, { id: string; status: MessageStatus }>> {
  if (keys.length === 0) return new Map();
  const rows = await trx
    .selectFrom('outbox_messages')
    .select(['id', 'status', 'idempotency_key'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('idempotency_key', '=', sql<string>`any(${[...keys]}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.idempotency_key, { id: r.id, status: r.status }]));
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

/** A message as the worker sends it. */
export type ClaimedMessage = {
  id: string;
  recipient: string;
  subject: string | null;
  text_body: string;
  html_body: string | null;
  unsubscribe_url: string | null;
  attempts: number;
};

// A message the worker may take: waiting, or `sending` by a run whose lease ran out (it died with its process).
const takeable = (leaseSeconds: number) =>
  sql<boolean>`(status = 'queued' or (status = 'sending' and sending_since <= now() - make_interval(secs => ${leaseSeconds})))`;

/**
 * Takes the messages of `ids` that may be sent now, in one statement: a
 * message erased meanwhile is cancelled; with no mail server (`local`), and
 * for SMS, which has no provider yet, delivery is keeping it
 * (`delivered_locally`); the rest become `sending`, with one more attempt, and
 * are returned. Those another live run is sending are returned apart, with
 * the seconds left of that run's lease. Two runs at once take each message
 * once: the update's row locks make the second see the first's `sending`.
 */
export async function claimMessages(
  trx: Trx,
  workspaceId: string,
  ids: readonly string[],
  options: { leaseSeconds: number; local: boolean },
): Promise<{ claimed: ClaimedMessage[]; busy: { id: string; secondsLeft: number }[] }> {
  const idList = sql<string>`any(${[...ids]}::uuid[])`;
  const busy = await trx
    .selectFrom('outbox_messages')
    .select([
      'id',
      sql<number>`ceil(extract(epoch from sending_since + make_interval(secs => ${options.leaseSeconds}) - now()))::int`.as(
        'seconds_left',
      ),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', idList)
    .where('status', '=', 'sending')
    .where(sql<boolean>`sending_since > now() - make_interval(secs => ${options.leaseSeconds})`)
    .execute();
  await trx
    .updateTable('outbox_messages')
    .set({ status: 'cancelled', sending_since: null })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', idList)
    .where('erased_at', 'is not', null)
    .where(takeable(options.leaseSeconds))
    .execute();
  await trx
    .updateTable('outbox_messages')
    .set({
      status: 'delivered_locally',
      attempts: sql`attempts + 1`,
      last_error: null,
      sending_since: null,
      sent_at: new Date(),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', idList)
    .where(takeable(options.leaseSeconds))
    .$if(!options.local, (q) => q.where('channel', '=', 'sms'))
    .execute();
  const claimed = options.local
    ? []
    : await trx
        .updateTable('outbox_messages')
        .set({ status: 'sending', attempts: sql`attempts + 1`, sending_since: new Date() })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', idList)
        .where(takeable(options.leaseSeconds))
        .returning(['id', 'recipient', 'subject', 'text_body', 'html_body', 'unsubscribe_url', 'attempts'])
        .execute();
  return { claimed, busy: busy.map((b) => ({ id: b.id, secondsLeft: Math.max(1, Number(b.seconds_left)) })) };
}

/** What became of one message the mail server was handed. */
export type Outcome = { id: string; error: string | null; final: boolean };

/**
 * Writes what the mail server answered, for many messages in one statement:
 * taken, `sent`; refused, `failed` when `final`, otherwise `queued` again with
 * the reply kept. Only a message still `sending` moves. The statement is its
 * own transaction (one round trip: the send worker waits on it before a
 * connection takes its next message), scoped to the workspace by its own
 * condition, as the worker's system part.
 */
export async function recordOutcomes(db: Kysely<DB>, workspaceId: string, outcomes: readonly Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    update outbox_messages o
       set status = case when r.error is null then 'sent' when r.final then 'failed' else 'queued' end,
           last_error = r.error,
           sending_since = null,
           sent_at = case when r.error is null then now() else o.sent_at end
      from unnest(${outcomes.map((r) => r.id)}::uuid[], ${outcomes.map((r) => r.error)}::text[],
                  ${outcomes.map((r) => r.final)}::bool[]) as r(id, error, final)
     where o.workspace_id = ${workspaceId}::uuid and o.id = r.id and o.status = 'sending'`.execute(db);
}

/** Messages of every workspace left `sending` past the lease: their process died (the sweep job). */
export async function sendingPastLease(trx: Trx, leaseSeconds: number, limit: number) {
  return trx
    .selectFrom('outbox_messages')
    .select(['workspace_id', 'id'])
    .where('status', '=', 'sending')
    .where(sql<boolean>`sending_since <= now() - make_interval(secs => ${leaseSeconds})`)
    .orderBy('workspace_id')
    .limit(limit)
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
