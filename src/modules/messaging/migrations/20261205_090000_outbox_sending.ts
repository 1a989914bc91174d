import { type Kysely, sql } from 'kysely';

/**
 * The sweep's index: the messages a run took and never finished (`sending`),
 * by when it took them, across workspaces. Few rows at any time, so a small
 * partial index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index outbox_messages_sending on outbox_messages (sending_since) where status = 'sending'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index outbox_messages_sending`.execute(db);
}
