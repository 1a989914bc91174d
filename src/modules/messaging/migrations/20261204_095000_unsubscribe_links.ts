import { type Kysely, sql } from 'kysely';

/**
 * A marketing message's one-click unsubscribe address (RFC 8058): the mail
 * server is handed it as List-Unsubscribe with List-Unsubscribe-Post, so a
 * mail program's own "unsubscribe" button works without opening the message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox_messages add column unsubscribe_url text check (length(unsubscribe_url) <= 2000)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox_messages drop column unsubscribe_url`.execute(db);
}
