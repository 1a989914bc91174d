import { type Kysely, sql } from 'kysely';
import { registerTimelineSource, unregisterTimelineSource } from '../../../platform/timeline-sources.ts';

/**
 * Every message sent to a customer on her timeline: its channel, subject (for
 * an email), what it was for and where it stands — never its text, which the
 * outbox screen shows to those allowed to read it. Read through
 * outbox_messages_by_customer. The customer page is rebuilt when a message is
 * written or moves on (sent, failed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function klient_messaging_events(ws uuid, customer uuid)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select m.id, 'message.sent'::text, m.created_at, null::uuid,
        jsonb_build_object('channel', m.channel, 'subject', m.subject, 'purpose', m.purpose,
          'module', m.module, 'status', m.status)
      from outbox_messages m
      where m.workspace_id = ws and m.customer_id = customer
    $fn$`.execute(db);
  await sql`select klient_watch_customer_pages('outbox_messages', 'customer_id')`.execute(db);
  await registerTimelineSource(db, {
    name: 'messaging.messages',
    eventsFunction: 'klient_messaging_events',
    module: 'messaging',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await unregisterTimelineSource(db, 'messaging.messages');
  for (const event of ['insert', 'update', 'delete']) {
    await sql.raw(`drop trigger outbox_messages_pages_${event} on outbox_messages`).execute(db);
  }
  await sql`drop function klient_messaging_events(uuid, uuid)`.execute(db);
}
