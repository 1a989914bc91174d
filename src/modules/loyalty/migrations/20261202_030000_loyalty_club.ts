import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';
import { registerTimelineSource, unregisterTimelineSource } from '../../../platform/timeline-sources.ts';

/**
 * The loyalty club: its settings and tiers, its members, and the points
 * ledger. The ledger is double-entry and append-only: a transaction (earn,
 * release, spend, clawback, expire, adjust, merge) holds entries that sum to
 * zero over the member's accounts (pending, available) and the club's
 * (issued, redeemed, expired). A lot is the points of one earning, named by
 * the transaction that earned them; spending and expiry say which lots they
 * take, oldest first. The app role may insert ledger rows but never update or
 * delete them (only a transaction's note, which an erasure blanks).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table loyalty_programs (
      workspace_id uuid primary key references workspaces(id),
      name text not null,
      status text not null default 'active' check (status in ('active', 'paused')),
      earn_points int not null default 1 check (earn_points > 0),
      earn_per_agorot int not null default 100 check (earn_per_agorot > 0),
      redeem_points int not null default 100 check (redeem_points > 0),
      redeem_value_agorot int not null default 500 check (redeem_value_agorot >= 0),
      pending_days int not null default 14 check (pending_days between 0 and 365),
      expiry_mode text not null default 'batch' check (expiry_mode in ('none', 'batch', 'inactivity')),
      expiry_months int not null default 24 check (expiry_months between 1 and 120),
      expiry_warning_days int not null default 30 check (expiry_warning_days between 0 and 365),
      qualification text not null default 'rolling_12' check (qualification in ('rolling_12', 'calendar_year', 'lifetime')),
      tier_basis text not null default 'spend' check (tier_basis in ('points', 'spend')),
      downgrade text not null default 'one_tier' check (downgrade in ('one_tier', 'replace')),
      join_terms text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await enableTenantSecurity(db, 'loyalty_programs');

  await sql`
    create table loyalty_tiers (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      rank int not null check (rank >= 1),
      threshold bigint not null check (threshold >= 0),
      earn_multiplier_pct int not null default 100 check (earn_multiplier_pct between 0 and 1000),
      birthday_points int not null default 0 check (birthday_points >= 0),
      early_access boolean not null default false,
      perks text not null default '',
      primary key (workspace_id, id),
      unique (workspace_id, rank)
    )`.execute(db);
  await enableTenantSecurity(db, 'loyalty_tiers');

  // Every booking updates its member's sums: room on each page lets those updates stay in place (HOT),
  // without a new entry in every index of the table.
  await sql`
    create table loyalty_members (
      workspace_id uuid not null references workspaces(id),
      customer_id uuid not null,
      status text not null default 'active' check (status in ('active', 'left', 'merged')),
      source text not null check (source in ('staff', 'api', 'portal', 'import', 'demo')),
      joined_at timestamptz not null,
      tier_id uuid,
      tier_since timestamptz,
      tier_review_at timestamptz,
      referral_code text not null,
      messages_consent boolean not null default false,
      merged_into uuid,
      available bigint not null default 0,
      pending bigint not null default 0,
      lifetime_points bigint not null default 0,
      last_activity_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, customer_id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id),
      foreign key (workspace_id, tier_id) references loyalty_tiers (workspace_id, id),
      unique (workspace_id, referral_code)
    ) with (fillfactor = 70)`.execute(db);
  await sql`create index loyalty_members_list_idx on loyalty_members (workspace_id, joined_at desc, customer_id desc)`.execute(
    db,
  );
  await sql`create index loyalty_members_merged_idx on loyalty_members (workspace_id, merged_into) where merged_into is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_members');

  await sql`
    create table loyalty_transactions (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      kind text not null check (kind in ('earn', 'release', 'spend', 'void', 'clawback', 'expire', 'adjust', 'merge', 'bonus')),
      source_key text not null,
      occurred_at timestamptz not null,
      points bigint not null,
      spend_agorot bigint not null default 0,
      release_at timestamptz,
      expires_at timestamptz,
      order_id uuid,
      note text not null default '',
      actor text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, source_key)
    )`.execute(db);
  await sql`create index loyalty_transactions_customer_idx on loyalty_transactions (workspace_id, customer_id, occurred_at desc, id desc)`.execute(
    db,
  );
  await sql`create index loyalty_transactions_order_idx on loyalty_transactions (workspace_id, order_id) where order_id is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_transactions');

  await sql`
    create table loyalty_entries (
      workspace_id uuid not null references workspaces(id),
      transaction_id uuid not null,
      line_no int not null,
      account text not null check (account in ('member.pending', 'member.available', 'club.issued', 'club.redeemed', 'club.expired')),
      customer_id uuid,
      lot_id uuid,
      amount bigint not null check (amount <> 0),
      primary key (workspace_id, transaction_id, line_no),
      foreign key (workspace_id, transaction_id) references loyalty_transactions (workspace_id, id),
      check ((account like 'member.%') = (customer_id is not null))
    )`.execute(db);
  await sql`create index loyalty_entries_member_idx on loyalty_entries (workspace_id, customer_id, account, lot_id) where customer_id is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_entries');
  // Append-only: what was booked stays booked; a correction is a new transaction.
  await sql`revoke update, delete on loyalty_entries from klient_app`.execute(db);
  await sql`revoke update, delete on loyalty_transactions from klient_app`.execute(db);
  await sql`grant update (note) on loyalty_transactions to klient_app`.execute(db);

  await sql`
    create table loyalty_tier_changes (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      from_tier_id uuid,
      to_tier_id uuid,
      from_name text,
      to_name text,
      reason text not null check (reason in ('join', 'upgrade', 'review', 'merge')),
      occurred_at timestamptz not null,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_tier_changes_customer_idx on loyalty_tier_changes (workspace_id, customer_id, occurred_at desc, id desc)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_tier_changes');

  // On the timeline: every booking but a release (pending points becoming available is no news), and tier changes.
  await sql`
    create function klient_loyalty_events(ws uuid, customer uuid)
    returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
    language sql stable as $fn$
      select t.id, 'loyalty.points'::text, t.occurred_at, t.order_id,
        jsonb_build_object('kind', t.kind, 'points', t.points, 'note', t.note)
      from loyalty_transactions t
      where t.workspace_id = ws and t.customer_id = customer and t.kind <> 'release'
      union all
      select c.id, 'loyalty.tier_changed'::text, c.occurred_at, null::uuid,
        jsonb_build_object('reason', c.reason, 'from', c.from_name, 'to', c.to_name)
      from loyalty_tier_changes c
      where c.workspace_id = ws and c.customer_id = customer
    $fn$`.execute(db);
  await registerTimelineSource(db, {
    name: 'loyalty.club',
    eventsFunction: 'klient_loyalty_events',
    module: 'loyalty',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await unregisterTimelineSource(db, 'loyalty.club');
  await sql`drop function klient_loyalty_events(uuid, uuid)`.execute(db);
  for (const table of [
    'loyalty_tier_changes',
    'loyalty_entries',
    'loyalty_transactions',
    'loyalty_members',
    'loyalty_tiers',
    'loyalty_programs',
  ]) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
