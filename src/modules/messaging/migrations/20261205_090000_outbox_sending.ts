import { type Kysely, sql } from 'kysely';

/**
 * The sweep's index: the messages a run took and never finished (`sending`),
 * by when it took them, across workspaces. Few rows at any time, so a small
 * partial index. And the keys by prefix (a campaign's messages are
 * `campaign:<id>:…`): its report counts them while it sends, and the unique
 * index, in the database's collation, cannot answer a LIKE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index outbox_messages_by_key_prefix on outbox_messages (workspace_id, idempotency_key text_pattern_ops)`.execute(
    db,
  );
  await sql`create index outbox_messages_sending on outbox_messages (sending_since) where status = 'sending'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index outbox_messages_sending`.execute(db);
  await sql`drop index outbox_messages_by_key_prefix`.execute(db);
}
