import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * Earning rules: points a manager adds on top of the club's rate. A purchase
 * rule gives extra points for an order's lines of some products or categories
 * (per shekel, a fixed bonus per order, or a multiplier of the lines' points);
 * an event rule gives a bonus when a member joins, has a birthday, answers a
 * survey, brings a friend, or when an API reports a custom event. A purchase
 * rule's points join the order's own earning (one booking, so a refund takes
 * them back in proportion); an event rule's points are a bonus booking of
 * their own. Each award is a row of loyalty_rule_awards, which the rule's
 * limits count; each event received is a row of loyalty_rule_events, so the
 * same event (type and key) gives its points once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table loyalty_earning_rules (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      kind text not null check (kind in ('purchase', 'event')),
      status text not null default 'active' check (status in ('active', 'paused')),
      starts_at timestamptz not null,
      ends_at timestamptz,
      -- The tiers whose members it is for (empty: every member).
      tier_ids uuid[] not null default '{}',
      -- A purchase rule: which lines, and what they earn.
      target text check (target in ('product', 'category')),
      product_ids uuid[] not null default '{}',
      categories text[] not null default '{}',
      award text check (award in ('per_ils', 'per_order', 'multiplier')),
      multiplier_pct int check (multiplier_pct between 101 and 1000),
      -- An event rule: which event ('joined', 'birthday', 'survey_answered', 'referral_qualified' or a custom name).
      event_type text,
      -- Points per shekel, per order, or per event.
      points int check (points between 1 and 1000000),
      -- An event's points wait out the return window when set (a purchase rule's always follow the order).
      pending boolean not null default false,
      max_per_member int check (max_per_member >= 1),
      limit_period text not null default 'ever' check (limit_period in ('ever', 'day', 'week', 'month', 'year')),
      max_total int check (max_total >= 1),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check (ends_at > starts_at),
      check ((kind = 'purchase') = (target is not null and award is not null)),
      check ((kind = 'event') = (event_type is not null)),
      check ((award = 'multiplier') = (multiplier_pct is not null)),
      check (award = 'multiplier' or points is not null)
    )`.execute(db);
  await sql`create index loyalty_earning_rules_list_idx on loyalty_earning_rules (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  // What an order or an event looks up: the active rules of its kind.
  await sql`create index loyalty_earning_rules_active_idx on loyalty_earning_rules (workspace_id, kind, event_type) where status = 'active'`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_earning_rules');

  await sql`
    create table loyalty_rule_awards (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      rule_id uuid not null,
      customer_id uuid not null,
      -- The booking that carried the points (the order's earning, or the event's bonus).
      transaction_id uuid not null,
      -- What earned it: an order, or an event (its type and key, as loyalty_rule_events keeps them).
      order_id uuid,
      event_type text,
      event_key text,
      points bigint not null,
      occurred_at timestamptz not null,
      -- The day in Israel it counts for, for limits per day, week, month or year.
      local_date date not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, rule_id, transaction_id),
      foreign key (workspace_id, rule_id) references loyalty_earning_rules (workspace_id, id),
      foreign key (workspace_id, transaction_id) references loyalty_transactions (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_rule_awards_member_idx on loyalty_rule_awards (workspace_id, rule_id, customer_id, local_date)`.execute(
    db,
  );
  await sql`create index loyalty_rule_awards_customer_idx on loyalty_rule_awards (workspace_id, customer_id)`.execute(
    db,
  );
  await sql`create index loyalty_rule_awards_event_idx on loyalty_rule_awards (workspace_id, event_type, event_key) where event_type is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_rule_awards');

  await sql`
    create table loyalty_rule_events (
      workspace_id uuid not null references workspaces(id),
      type text not null,
      event_key text not null,
      customer_id uuid not null,
      occurred_at timestamptz not null,
      points bigint not null default 0,
      received_at timestamptz not null default now(),
      primary key (workspace_id, type, event_key),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_rule_events_customer_idx on loyalty_rule_events (workspace_id, customer_id)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_rule_events');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['loyalty_rule_events', 'loyalty_rule_awards', 'loyalty_earning_rules']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
