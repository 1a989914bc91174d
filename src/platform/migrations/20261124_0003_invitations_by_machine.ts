import { type Kysely, sql } from 'kysely';

/** Owner and admin API keys may invite people too; only a user is recorded as the inviter. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invitations alter column invited_by drop not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invitations alter column invited_by set not null`.execute(db);
}
