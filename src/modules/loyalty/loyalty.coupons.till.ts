import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import type { CouponRow } from './loyalty.coupons.codes.ts';
import type { LoyaltyCouponUseTable } from './loyalty.coupons.tables.ts';

/*
 * The two statements of a till's call. A till waits on every round trip to
 * the database (on this machine each costs more CPU than the statement
 * itself), so a validate reads everything it decides on in one statement,
 * and a redeem then writes in one more: the campaign's turn, the coupon taken
 * and the use recorded, each on the condition the one before it held.
 */

/** A code as a till's call sees it: the coupon, its campaign, the member using it, and what they used before. */
export type TillView = {
  coupon: CouponRow;
  /** The customer the points and uses belong to (a merged customer's survivor); null when none was named. */
  holder: string | null;
  campaign: {
    active: boolean;
    startsAt: Date;
    endsAt: Date;
    maxUses: number | null;
    usedCount: number;
    minTierRank: number | null;
  } | null;
  /** The holder's membership, looked at for a campaign's code only. */
  member: { status: string; rank: number } | null;
  /** Whether the holder has used this campaign already (any of its codes). */
  usedBefore: boolean;
  /** This coupon's earlier use for the same order: a till's retry. */
  earlier: Selectable<LoyaltyCouponUseTable> | null;
};

type ViewRow = CouponRow & {
  holder: string | null;
  k_active: boolean | null;
  k_starts_at: Date | null;
  k_ends_at: Date | null;
  k_max_uses: number | null;
  k_used_count: number | null;
  k_min_tier_rank: number | null;
  m_status: string | null;
  m_rank: number | null;
  used_before: boolean;
  e_id: string | null;
  e_customer_id: string | null;
  e_basket_total_agorot: string | null;
  e_discount_agorot: string | null;
  e_used_at: Date | null;
  e_actor: string | null;
};

/** Reads a code with all a till's call decides on, in one statement; undefined for a code the workspace has not. */
export async function tillView(
  trx: Trx,
  ctx: Ctx,
  input: { code: string; customerId?: string | undefined; orderId?: string | undefined },
): Promise<TillView | undefined> {
  const customerId = input.customerId ?? null;
  const orderId = input.orderId ?? null;
  const { rows } = await sql<ViewRow>`
    select c.*,
      (select u.order_id from loyalty_coupon_uses u
        where u.workspace_id = c.workspace_id and u.coupon_id = c.id and not c.multi_use limit 1) as order_id,
      h.holder,
      k.active as k_active, k.starts_at as k_starts_at, k.ends_at as k_ends_at, k.max_uses as k_max_uses,
      k.used_count as k_used_count, k.min_tier_rank as k_min_tier_rank,
      m.status as m_status, t.rank as m_rank,
      exists (select 1 from loyalty_coupon_uses b
        where b.workspace_id = c.workspace_id and b.campaign_id = c.campaign_id and b.customer_id = h.holder)
        as used_before,
      e.id as e_id, e.customer_id as e_customer_id, e.basket_total_agorot as e_basket_total_agorot,
      e.discount_agorot as e_discount_agorot, e.used_at as e_used_at, e.actor as e_actor
    from loyalty_coupons c
    cross join lateral (
      select coalesce(
        (select merged_into from loyalty_members
          where workspace_id = c.workspace_id and customer_id = ${customerId}::uuid),
        ${customerId}::uuid) as holder
    ) h
    left join loyalty_campaigns k on k.workspace_id = c.workspace_id and k.id = c.campaign_id
    left join loyalty_members m
      on c.campaign_id is not null and m.workspace_id = c.workspace_id and m.customer_id = h.holder
    left join loyalty_tiers t on t.workspace_id = m.workspace_id and t.id = m.tier_id
    left join loyalty_coupon_uses e
      on e.workspace_id = c.workspace_id and e.coupon_id = c.id and e.order_id = ${orderId}::text
    where c.workspace_id = ${ctx.workspaceId} and c.code_key = upper(${input.code})`.execute(trx);
  const row = rows[0];
  if (!row) return undefined;
  const {
    holder,
    k_active,
    k_starts_at,
    k_ends_at,
    k_max_uses,
    k_used_count,
    k_min_tier_rank,
    m_status,
    m_rank,
    used_before,
    e_id,
    e_customer_id,
    e_basket_total_agorot,
    e_discount_agorot,
    e_used_at,
    e_actor,
    ...coupon
  } = row;
  return {
    coupon,
    holder,
    campaign:
      k_active === null
        ? null
        : {
            active: k_active,
            startsAt: k_starts_at!,
            endsAt: k_ends_at!,
            maxUses: k_max_uses,
            usedCount: k_used_count!,
            minTierRank: k_min_tier_rank,
          },
    member: m_status === null ? null : { status: m_status, rank: m_rank ?? 0 },
    usedBefore: used_before,
    earlier:
      e_id === null
        ? null
        : {
            workspace_id: coupon.workspace_id,
            id: e_id,
            coupon_id: coupon.id,
            campaign_id: coupon.campaign_id,
            customer_id: e_customer_id,
            order_id: orderId!,
            basket_total_agorot: e_basket_total_agorot!,
            discount_agorot: e_discount_agorot!,
            used_at: e_used_at!,
            actor: e_actor!,
          },
  };
}

/**
 * A redemption's writes, in one statement, each on the condition the one
 * before it held: a campaign's turn (a limited one counts the use, if it has
 * one left; an unlimited one is held shared, so a change of it waits for the
 * uses under way), the single-use coupon taken from 'active', and the use
 * recorded (none twice for one order or one member of a campaign). The
 * campaign's state is checked again under its lock. Null when any step found
 * the state changed since the till's view: some of the steps may have been
 * done, so the caller must roll back (the use is then tried again afresh).
 */
export async function writeRedemption(
  trx: Trx,
  ctx: Ctx,
  view: TillView,
  use: { customerId: string | null; orderId: string; basketTotal: number; discount: number; now: Date },
): Promise<{ use: Selectable<LoyaltyCouponUseTable>; couponStatus: string; couponUsedAt: Date | null } | null> {
  const { coupon, campaign } = view;
  const ws = ctx.workspaceId;
  const now = use.now;
  const open = sql`workspace_id = ${ws} and id = ${coupon.campaign_id}::uuid and active
    and starts_at <= ${now} and ends_at > ${now}`;
  const turn = !campaign
    ? sql`select 1 as id`
    : campaign.maxUses === null
      ? sql`select id from loyalty_campaigns where ${open} and max_uses is null for share`
      : sql`update loyalty_campaigns set used_count = used_count + 1
          where ${open} and max_uses is not null and used_count < max_uses returning id`;
  const take = coupon.multi_use
    ? sql`select ${coupon.status}::text as status, ${coupon.used_at}::timestamptz as used_at where exists (select 1 from turn)`
    : sql`update loyalty_coupons set status = 'used', used_at = ${now},
          customer_id = ${coupon.campaign_id ? use.customerId : coupon.customer_id}::uuid
        where workspace_id = ${ws} and id = ${coupon.id} and status = 'active' and exists (select 1 from turn)
        returning status::text, used_at`;
  const actor = ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`;
  const { rows } = await sql<Selectable<LoyaltyCouponUseTable> & { coupon_status: string; coupon_used_at: Date | null }>`
    with turn as (${turn}),
    taken as (${take}),
    used as (
      insert into loyalty_coupon_uses (workspace_id, id, coupon_id, campaign_id, customer_id, order_id,
        basket_total_agorot, discount_agorot, used_at, actor)
      select ${ws}, ${newId()}, ${coupon.id}, ${coupon.campaign_id}::uuid, ${use.customerId}::uuid, ${use.orderId},
        ${use.basketTotal}, ${use.discount}, ${now}, ${actor}
      where exists (select 1 from taken)
      on conflict do nothing
      returning *
    )
    select used.*, taken.status as coupon_status, taken.used_at as coupon_used_at from used, taken`.execute(trx);
  const row = rows[0];
  if (!row) return null;
  const { coupon_status, coupon_used_at, ...written } = row;
  return { use: written, couponStatus: coupon_status, couponUsedAt: coupon_used_at };
}
