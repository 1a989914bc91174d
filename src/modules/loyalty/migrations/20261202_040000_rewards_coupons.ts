import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * The rewards catalog, members-only coupon campaigns, and coupons. A reward
 * costs points; redeeming it spends them (a 'spend' booking of the ledger)
 * and makes a single-use coupon for the member, with the reward's benefit
 * copied onto it, so a later change to the reward leaves bought coupons as
 * they were. A campaign costs nothing: one shared code that each eligible
 * member uses once, or a pool of single-use codes. Every code, of either kind,
 * is a row of loyalty_coupons, unique per workspace whatever its letters' case;
 * each use of one is a row of loyalty_coupon_uses, once per order (a retry
 * redeems once) and, for a campaign, once per member. Amounts are agorot.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The benefit, the same on rewards, campaigns and coupons: what the coupon takes off a basket.
  const benefit = sql.raw(`
      kind text not null check (kind in ('percent_discount', 'amount_discount', 'gift', 'free_delivery')),
      percent_off int check (percent_off between 1 and 100),
      amount_off_agorot bigint check (amount_off_agorot > 0),
      item_sku text,
      min_basket_agorot bigint not null default 0 check (min_basket_agorot >= 0),
      max_discount_agorot bigint check (max_discount_agorot > 0),
      check ((kind = 'percent_discount') = (percent_off is not null)),
      check ((kind = 'amount_discount') = (amount_off_agorot is not null)),`);

  await sql`
    create table loyalty_rewards (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      description text not null default '',
      ${benefit}
      points_cost bigint not null check (points_cost > 0),
      min_tier_rank int check (min_tier_rank >= 1),
      -- What may still be redeemed (null: no limit); taken under the reward's row lock, never below zero.
      stock_left int check (stock_left >= 0),
      redeemed_count int not null default 0 check (redeemed_count >= 0),
      per_member_limit int check (per_member_limit >= 1),
      starts_at timestamptz,
      ends_at timestamptz,
      coupon_valid_days int check (coupon_valid_days between 1 and 3650),
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check (ends_at > starts_at)
    )`.execute(db);
  await sql`create index loyalty_rewards_list_idx on loyalty_rewards (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_rewards');

  await sql`
    create table loyalty_campaigns (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      description text not null default '',
      ${benefit}
      mode text not null check (mode in ('shared', 'pool')),
      -- The lowest tier that may use it (null: every member).
      min_tier_rank int check (min_tier_rank >= 1),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      max_uses int check (max_uses >= 1),
      used_count int not null default 0 check (used_count >= 0),
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check (ends_at > starts_at),
      check (max_uses is null or used_count <= max_uses)
    )`.execute(db);
  await sql`create index loyalty_campaigns_list_idx on loyalty_campaigns (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_campaigns');

  await sql`
    create table loyalty_coupons (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      -- Kept as it was given or made; looked up by code_key, whatever the case it is typed in.
      code text not null,
      code_key text generated always as (upper(code)) stored,
      reward_id uuid,
      campaign_id uuid,
      -- A reward's coupon: the member who bought it; a pool code: the member who used it.
      customer_id uuid,
      -- A campaign's shared code, used once by each member; every other code is used once.
      multi_use boolean not null default false,
      status text not null default 'active' check (status in ('active', 'used', 'voided')),
      name text not null,
      ${benefit}
      points_cost bigint not null default 0 check (points_cost >= 0),
      spend_transaction_id uuid,
      expires_at timestamptz,
      used_at timestamptz,
      voided_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, code_key),
      foreign key (workspace_id, reward_id) references loyalty_rewards (workspace_id, id),
      foreign key (workspace_id, campaign_id) references loyalty_campaigns (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id),
      foreign key (workspace_id, spend_transaction_id) references loyalty_transactions (workspace_id, id),
      check ((reward_id is null) <> (campaign_id is null)),
      check (reward_id is null or (customer_id is not null and spend_transaction_id is not null)),
      check (not multi_use or status <> 'used')
    )`.execute(db);
  await sql`create index loyalty_coupons_customer_idx on loyalty_coupons (workspace_id, customer_id, created_at desc, id desc) where customer_id is not null`.execute(
    db,
  );
  await sql`create index loyalty_coupons_campaign_idx on loyalty_coupons (workspace_id, campaign_id, created_at desc, id desc) where campaign_id is not null`.execute(
    db,
  );
  await sql`create index loyalty_coupons_reward_idx on loyalty_coupons (workspace_id, reward_id, customer_id) where reward_id is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_coupons');

  await sql`
    create table loyalty_coupon_uses (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      coupon_id uuid not null,
      campaign_id uuid,
      customer_id uuid,
      -- The order's id in the till or web store that used the coupon.
      order_id text not null,
      basket_total_agorot bigint not null check (basket_total_agorot >= 0),
      discount_agorot bigint not null check (discount_agorot >= 0),
      used_at timestamptz not null,
      actor text not null,
      primary key (workspace_id, id),
      foreign key (workspace_id, coupon_id) references loyalty_coupons (workspace_id, id),
      foreign key (workspace_id, campaign_id) references loyalty_campaigns (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id),
      unique (workspace_id, coupon_id, order_id)
    )`.execute(db);
  // A campaign's benefit once per member, however many codes it has.
  await sql`create unique index loyalty_coupon_uses_member_key on loyalty_coupon_uses (workspace_id, campaign_id, customer_id) where campaign_id is not null and customer_id is not null`.execute(
    db,
  );
  await sql`create index loyalty_coupon_uses_customer_idx on loyalty_coupon_uses (workspace_id, customer_id) where customer_id is not null`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_coupon_uses');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['loyalty_coupon_uses', 'loyalty_coupons', 'loyalty_campaigns', 'loyalty_rewards']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
