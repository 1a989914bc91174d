import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Moment = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** How a message reaches its recipient. SMS has no provider yet: it is always kept in the local outbox. */
export type MessageChannel = 'email' | 'sms';

/**
 * Where a message stands. `queued` waits for the worker (a failed attempt that
 * will be tried again is queued too, with its `last_error`); `sending` is with
 * the mail server; `sent` the server took it; `delivered_locally` it was kept
 * in the outbox screen because no mail server is set (or the channel has no
 * provider); `failed` it will not be tried again; `cancelled` it was never sent
 * (its person was erased first).
 */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'delivered_locally' | 'cancelled';

/** One message to one person: the platform outbox every module sends through (messaging.service.ts). */
export type OutboxMessageTable = {
  workspace_id: string;
  id: string;
  channel: MessageChannel;
  /** An email address or a phone number (E.164); blank once the person is erased. */
  recipient: string;
  customer_id: string | null;
  subject: string | null;
  text_body: string;
  html_body: string | null;
  /** What the message is for, `<module>.<what>` ('loyalty.otp'); the screens and reports group by it. */
  purpose: string;
  /** The module that sent it. */
  module: string;
  /** The sender's name for this one message: the same key twice is one message. */
  idempotency_key: string;
  status: Generated<MessageStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  /** When the worker handed it to the mail server; a `sending` older than the lease is taken over. */
  sending_since: Moment;
  created_at: CreatedAt;
  sent_at: Moment;
  erased_at: Moment;
  /** A marketing message's one-click unsubscribe address, sent as List-Unsubscribe (RFC 8058). */
  unsubscribe_url: string | null;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type MessagingTables = {
  outbox_messages: OutboxMessageTable;
};

declare module '../../db/schema.ts' {
  interface DB extends MessagingTables {}
}
