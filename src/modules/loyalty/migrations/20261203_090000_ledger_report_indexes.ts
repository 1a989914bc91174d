import { type Kysely, sql } from 'kysely';

/**
 * For the club's report and its tier review at 100,000 members.
 *
 * Each ledger entry carries its booking's date (`occurred_at`, the same as
 * its transaction's), so the club's report sums the club's accounts by month
 * from one index, without joining a transaction to each of millions of
 * entries: at 100,000 members and 1,000,000 orders that join alone took over
 * 4 s (docs/benchmarks.md). The club's side of each booking (the entries
 * without a member) is indexed by account and date, with its amount.
 *
 * A member's bookings are indexed with their kind, points and spend, so the
 * tier review sums a member's qualifying period from the index alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table loyalty_entries add column occurred_at timestamptz`.execute(db);
  await sql`
    update loyalty_entries e set occurred_at = t.occurred_at
    from loyalty_transactions t
    where t.workspace_id = e.workspace_id and t.id = e.transaction_id`.execute(db);
  await sql`alter table loyalty_entries alter column occurred_at set not null`.execute(db);
  await sql`create index loyalty_entries_club_idx on loyalty_entries (workspace_id, account, occurred_at) include (amount) where customer_id is null`.execute(
    db,
  );
  await sql`create index loyalty_transactions_member_idx on loyalty_transactions (workspace_id, customer_id, occurred_at desc, id desc) include (kind, points, spend_agorot)`.execute(
    db,
  );
  await sql`drop index loyalty_transactions_customer_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index loyalty_transactions_customer_idx on loyalty_transactions (workspace_id, customer_id, occurred_at desc, id desc)`.execute(
    db,
  );
  await sql`drop index loyalty_transactions_member_idx`.execute(db);
  await sql`drop index loyalty_entries_club_idx`.execute(db);
  await sql`alter table loyalty_entries drop column occurred_at`.execute(db);
}
