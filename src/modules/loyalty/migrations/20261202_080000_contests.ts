import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * The club's contests, and the notices its members are sent about their points.
 *
 * A contest is a draw (winners by chance, auditable: docs/loyalty-contests.md)
 * or a skill contest (winners chosen by judging answers). Its entries are the
 * members who entered (an answer, or points paid to enter); its result, one
 * row at most per contest, keeps the frozen entrants (customer ids only, in
 * order), the seed and the winners, or the judges' notes: the primary key is
 * what makes a second draw impossible.
 *
 * loyalty_notices_sent: what each member has been told (a release announced, a
 * lot's or a balance's coming expiry warned of), one row per thing told, so a
 * job run twice or late tells it once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table loyalty_contests (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      description text not null default '',
      prize text not null,
      kind text not null check (kind in ('draw', 'skill')),
      -- The question a skill contest's entrants answer.
      question text not null default '',
      -- Eligibility: tiers (empty: every tier), points, joining date.
      tier_ids jsonb not null default '[]',
      min_lifetime_points bigint check (min_lifetime_points >= 0),
      min_available_points bigint check (min_available_points >= 0),
      joined_before timestamptz,
      entry_cost_points bigint not null default 0 check (entry_cost_points >= 0),
      winners_count int not null check (winners_count between 1 and 1000),
      opens_at timestamptz not null,
      closes_at timestamptz not null,
      status text not null default 'open' check (status in ('draft', 'open', 'closed', 'drawn')),
      created_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check (closes_at > opens_at)
    )`.execute(db);
  await sql`create index loyalty_contests_list_idx on loyalty_contests (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_contests');

  await sql`
    create table loyalty_contest_entries (
      workspace_id uuid not null references workspaces(id),
      contest_id uuid not null,
      customer_id uuid not null,
      answer text not null default '',
      points_paid bigint not null default 0 check (points_paid >= 0),
      spend_transaction_id uuid,
      entered_at timestamptz not null,
      actor text not null,
      primary key (workspace_id, contest_id, customer_id),
      foreign key (workspace_id, contest_id) references loyalty_contests (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id),
      foreign key (workspace_id, spend_transaction_id) references loyalty_transactions (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_contest_entries_customer_idx on loyalty_contest_entries (workspace_id, customer_id)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_contest_entries');

  await sql`
    create table loyalty_contest_results (
      workspace_id uuid not null references workspaces(id),
      contest_id uuid not null,
      -- 'hmac-sha256-rank-v1' for a draw (docs/loyalty-contests.md), 'judged' for a skill contest.
      procedure text not null check (procedure in ('hmac-sha256-rank-v1', 'judged')),
      -- 32 random bytes as 64 hex digits; null for a judged contest.
      seed text check (seed ~ '^[0-9a-f]{64}$'),
      -- The entrants as they were frozen: customer ids, ascending.
      entrants jsonb not null,
      entrants_count int not null,
      -- sha256 of the entrants' ids joined by newlines.
      entrants_digest text not null,
      -- [{ customerId, rank, note }], in order.
      winners jsonb not null,
      decided_by text not null,
      decided_by_name text not null,
      decided_at timestamptz not null,
      primary key (workspace_id, contest_id),
      foreign key (workspace_id, contest_id) references loyalty_contests (workspace_id, id),
      check ((procedure = 'judged') = (seed is null))
    )`.execute(db);
  await enableTenantSecurity(db, 'loyalty_contest_results');

  await sql`
    create table loyalty_notices_sent (
      workspace_id uuid not null references workspaces(id),
      kind text not null check (kind in ('points_available', 'expiry_warning')),
      -- What was told: a release's transaction id, a lot's id, or 'inactive:<customer>:<last activity>'.
      source_id text not null,
      customer_id uuid not null,
      message_id uuid,
      sent_at timestamptz not null,
      primary key (workspace_id, kind, source_id)
    )`.execute(db);
  await sql`create index loyalty_notices_sent_customer_idx on loyalty_notices_sent (workspace_id, customer_id)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_notices_sent');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'loyalty_notices_sent',
    'loyalty_contest_results',
    'loyalty_contest_entries',
    'loyalty_contests',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
