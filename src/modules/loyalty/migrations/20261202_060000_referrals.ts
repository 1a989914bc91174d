import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * Member-get-member referrals. A friend who enrols with a member's code makes
 * a referral row, pending; a referral that may not count (the same person, a
 * friend who was a member already or was referred before) is kept as refused
 * with its reason. The friend's first purchase qualifies it once the order's
 * return window is over (the hourly loyalty.referrals job); both sides' points
 * are then booked in the ledger, and the points given are copied onto the row.
 * A friend has at most one referral that is not refused. The club's referral
 * settings (on or off, points for each side) are one row per workspace.
 *
 * The club's timeline function (klient_loyalty_events) is replaced by one that
 * also shows referrals, on both customers' timelines (once, for a referral
 * whose two sides a merge made one customer).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table loyalty_referrals (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      referrer_customer_id uuid not null,
      friend_customer_id uuid not null,
      code text not null,
      status text not null check (status in ('pending', 'qualified', 'refused')),
      reason text check (reason in ('self_referral', 'already_member', 'already_referred', 'referrals_off', 'merged')),
      order_id uuid,
      referrer_points bigint not null default 0 check (referrer_points >= 0),
      friend_points bigint not null default 0 check (friend_points >= 0),
      referred_at timestamptz not null,
      qualified_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, referrer_customer_id) references customers (workspace_id, id),
      foreign key (workspace_id, friend_customer_id) references customers (workspace_id, id),
      check ((status = 'refused') = (reason is not null)),
      -- A referral refused in a merge may keep the date it had qualified on.
      check (status <> 'qualified' or qualified_at is not null)
    )`.execute(db);
  // One referral that counts per friend: a second code, or the same one again, is refused.
  await sql`create unique index loyalty_referrals_friend_key on loyalty_referrals (workspace_id, friend_customer_id) where status <> 'refused'`.execute(
    db,
  );
  await sql`create index loyalty_referrals_list_idx on loyalty_referrals (workspace_id, referred_at desc, id desc)`.execute(
    db,
  );
  await sql`create index loyalty_referrals_referrer_idx on loyalty_referrals (workspace_id, referrer_customer_id, referred_at desc, id desc)`.execute(
    db,
  );
  await sql`create index loyalty_referrals_friend_idx on loyalty_referrals (workspace_id, friend_customer_id, referred_at desc)`.execute(
    db,
  );
  await sql`create index loyalty_referrals_pending_idx on loyalty_referrals (workspace_id, referred_at) where status = 'pending'`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_referrals');

  await sql`
    create table loyalty_referral_settings (
      workspace_id uuid primary key references workspaces(id),
      enabled boolean not null default true,
      referrer_points int not null default 100 check (referrer_points between 0 and 1000000),
      friend_points int not null default 50 check (friend_points between 0 and 1000000),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await enableTenantSecurity(db, 'loyalty_referral_settings');

  await eventsFunction(db, true);
}

/** The club's timeline: bookings but releases, tier changes, and (with referrals) each referral and its qualification. */
async function eventsFunction(db: Kysely<unknown>, withReferrals: boolean) {
  // The qualification's own event id, made from the referral's (a version-4 form, as the timeline's ids are).
  const qualifiedId = sql.raw(
    "(substr(md5(r.id::text || ':qualified'), 1, 12) || '4' || substr(md5(r.id::text || ':qualified'), 14, 3) || '8' || substr(md5(r.id::text || ':qualified'), 18))::uuid",
  );
  const referrals = withReferrals
    ? sql`
      union all
      select r.id, 'loyalty.referral'::text, r.referred_at, null::uuid,
        jsonb_build_object('role', 'referrer', 'status', r.status, 'reason', r.reason, 'otherId', r.friend_customer_id)
      from loyalty_referrals r
      where r.workspace_id = ws and r.referrer_customer_id = customer
      union all
      select r.id, 'loyalty.referral'::text, r.referred_at, null::uuid,
        jsonb_build_object('role', 'friend', 'status', r.status, 'reason', r.reason, 'otherId', r.referrer_customer_id)
      from loyalty_referrals r
      where r.workspace_id = ws and r.friend_customer_id = customer and r.referrer_customer_id <> customer
      union all
      select ${qualifiedId}, 'loyalty.referral_qualified'::text, r.qualified_at, r.order_id,
        jsonb_build_object('role', 'referrer', 'points', r.referrer_points, 'otherId', r.friend_customer_id)
      from loyalty_referrals r
      where r.workspace_id = ws and r.referrer_customer_id = customer and r.status = 'qualified'
      union all
      select ${qualifiedId}, 'loyalty.referral_qualified'::text, r.qualified_at, r.order_id,
        jsonb_build_object('role', 'friend', 'points', r.friend_points, 'otherId', r.referrer_customer_id)
      from loyalty_referrals r
      where r.workspace_id = ws and r.friend_customer_id = customer and r.referrer_customer_id <> customer
        and r.status = 'qualified'`
    : sql``;
  await sql`
    create or replace function klient_loyalty_events(ws uuid, customer uuid)
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
      ${referrals}
    $fn$`.execute(db);
  await sql`select klient_build_timeline()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await eventsFunction(db, false);
  await sql`drop table loyalty_referral_settings`.execute(db);
  await sql`drop table loyalty_referrals`.execute(db);
}
