import { type Kysely, sql } from 'kysely';

/**
 * Every order rewrites its customer's totals. With room left on each page,
 * PostgreSQL updates the row in place (a HOT update) and leaves the indexes
 * alone; on a full page it must add the new row version to every index,
 * the trigram and digit-part GIN indexes among them (which recomputes
 * klient_digit_parts). Applies to pages written from now on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers set (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customers reset (fillfactor)`.execute(db);
}
