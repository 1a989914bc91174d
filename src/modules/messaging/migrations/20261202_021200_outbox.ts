import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * The platform outbox: every message Klient sends a person (a loyalty code, a
 * points message, later campaigns and service-desk replies) is one row here,
 * written in the transaction of the change that caused it, and a pg-boss job
 * that delivers it. With no mail server configured the row is the delivery:
 * the web app's outbox screen shows it.
 *
 * The idempotency key is unique per workspace, so a retried change enqueues
 * one message. A message names its customer when the sender knows her (merge
 * moves, export includes and erasure blanks them); the index on the lowered
 * recipient finds the messages sent to an erased person's addresses without one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table outbox_messages (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      channel text not null check (channel in ('email', 'sms')),
      recipient text not null,
      customer_id uuid,
      subject text,
      text_body text not null,
      html_body text,
      purpose text not null check (purpose ~ '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$'),
      module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      status text not null default 'queued'
        check (status in ('queued', 'sending', 'sent', 'failed', 'delivered_locally', 'cancelled')),
      attempts int not null default 0,
      last_error text,
      sending_since timestamptz,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      erased_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, idempotency_key),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id)
    )`.execute(db);
  await sql`create index outbox_messages_by_time on outbox_messages (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index outbox_messages_by_customer on outbox_messages (workspace_id, customer_id, created_at desc, id desc)
    where customer_id is not null`.execute(db);
  await sql`create index outbox_messages_by_recipient on outbox_messages (workspace_id, lower(recipient))`.execute(db);
  await enableTenantSecurity(db, 'outbox_messages');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table outbox_messages`.execute(db);
}
