import { addDays, addMonths } from 'date-fns';
import { type RawBuilder, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { earnPoints, pointsFor } from './loyalty.points.ts';
import type { Program } from './loyalty.program.ts';
import { hasPurchaseRules, type PurchaseExtra, purchaseExtras, recordPurchaseAwards } from './loyalty.rules.ts';
import { periodStart, reviewDate, tierFor } from './loyalty.tiers.ts';

/**
 * Points for many orders in a few statements (an import's thousands of
 * order.placed events), booking what earnPoints would for each, with one
 * difference: every order of the batch earns at the multiplier of the tier
 * its member held when the batch began (one by one, an order after an
 * upgrade would earn at the new tier's). The members are locked together, one transaction and two entries per order
 * inserted in bulk (an order booked before is skipped by the unique cause),
 * the members' sums added in one update, and each member's tier moved up
 * once if the batch took it over a threshold. A member in debt whose points
 * are available at once goes through earnPoints, which pays the debt first.
 */
export async function earnForOrdersBulk(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  orders: { orderId: string; customerId: string; agorot: number; placedAt: Date }[],
  now: Date,
): Promise<number> {
  if (orders.length === 0) return 0;
  const members = await trx
    .selectFrom('loyalty_members')
    // Whether the club has a purchase rule rides along: no rule, no extra query.
    .select(['customer_id', 'tier_id', 'tier_review_at', 'joined_at', 'available', hasPurchaseRules(ctx).as('rules')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .where('customer_id', '=', sql<string>`any(${[...new Set(orders.map((o) => o.customerId))]}::uuid[])`)
    .orderBy('customer_id')
    .forUpdate()
    .execute();
  const memberOf = new Map(members.map((m) => [m.customer_id, m]));
  const multiplier = new Map(program.tiers.map((t) => [t.id, t.earnMultiplierPct]));
  const multiplierOf = (tierId: string | null) => (tierId && multiplier.get(tierId)) || 100;
  // The purchase rules' points join each order's own earning (so a refund takes them back in proportion).
  const extras = members[0]?.rules
    ? await purchaseExtras(
        trx,
        ctx,
        program,
        orders.flatMap((o) => {
          const m = memberOf.get(o.customerId);
          if (!m || o.placedAt < m.joined_at) return [];
          return [{ ...o, tierId: m.tier_id, multiplierPct: multiplierOf(m.tier_id) }];
        }),
      )
    : new Map<string, PurchaseExtra>();
  const rows: {
    id: string;
    customer_id: string;
    source_key: string;
    occurred_at: string;
    points: number;
    spend_agorot: number;
    release_at: string;
    expires_at: string | null;
    order_id: string;
    account: 'member.pending' | 'member.available';
    note?: string;
  }[] = [];
  for (const order of orders) {
    const member = memberOf.get(order.customerId);
    if (!member || order.placedAt < member.joined_at) continue;
    const extra = extras.get(order.orderId);
    const points = pointsFor(program, order.agorot, multiplierOf(member.tier_id)) + (extra?.points ?? 0);
    const releaseAt = addDays(order.placedAt, program.pendingDays);
    const account = releaseAt > now ? 'member.pending' : 'member.available';
    if (account === 'member.available' && Number(member.available) < 0) {
      const booked = await earnPoints(
        trx,
        ctx,
        program,
        {
          customerId: order.customerId,
          kind: 'earn',
          sourceKey: `order:${order.orderId}`,
          points,
          occurredAt: order.placedAt,
          spendAgorot: order.agorot,
          orderId: order.orderId,
          ...(extra ? { note: extra.note } : {}),
          pending: true,
        },
        now,
      );
      if (booked && extra) await recordPurchaseAwards(trx, ctx, [{ ...order, transactionId: booked }], extras);
      continue;
    }
    rows.push({
      id: newId(),
      customer_id: order.customerId,
      source_key: `order:${order.orderId}`,
      occurred_at: order.placedAt.toISOString(),
      points,
      spend_agorot: order.agorot,
      release_at: releaseAt.toISOString(),
      expires_at: program.expiryMode === 'batch' ? addMonths(order.placedAt, program.expiryMonths).toISOString() : null,
      order_id: order.orderId,
      account,
      ...(extra ? { note: extra.note } : {}),
    });
  }
  if (rows.length === 0) return 0;
  const actor = ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`;
  const booked = await sql<{ id: string }>`
    insert into loyalty_transactions (workspace_id, id, customer_id, kind, source_key, occurred_at, points,
      spend_agorot, release_at, expires_at, order_id, note, actor)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, 'earn', x.source_key, x.occurred_at, x.points,
      x.spend_agorot, x.release_at, x.expires_at, x.order_id, coalesce(x.note, ''), ${actor}
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(id uuid, customer_id uuid, source_key text,
      occurred_at timestamptz, points bigint, spend_agorot bigint, release_at timestamptz, expires_at timestamptz,
      order_id uuid, note text)
    on conflict (workspace_id, source_key) do nothing
    returning id`.execute(trx);
  const fresh = new Set(booked.rows.map((r) => r.id));
  if (extras.size > 0) {
    const bookedWithRules = rows.filter((r) => fresh.has(r.id) && extras.has(r.order_id));
    await recordPurchaseAwards(
      trx,
      ctx,
      bookedWithRules.map((r) => ({
        orderId: r.order_id,
        customerId: r.customer_id,
        transactionId: r.id,
        placedAt: new Date(r.occurred_at),
      })),
      extras,
    );
  }
  const kept = rows.filter((r) => fresh.has(r.id) && r.points > 0);
  if (kept.length > 0) {
    const json = JSON.stringify(
      kept.map((r) => ({
        id: r.id,
        customer_id: r.customer_id,
        account: r.account,
        points: r.points,
        occurred_at: r.occurred_at,
      })),
    );
    await sql`
      insert into loyalty_entries (workspace_id, transaction_id, line_no, account, customer_id, lot_id, amount,
        occurred_at)
      select ${ctx.workspaceId}::uuid, x.id, e.line_no, e.account, e.customer_id, e.lot_id, e.amount, x.occurred_at
      from json_to_recordset(${json}::json)
        as x(id uuid, customer_id uuid, account text, points bigint, occurred_at timestamptz)
      cross join lateral (values
        (1, 'club.issued', null::uuid, null::uuid, -x.points),
        (2, x.account, x.customer_id, x.id, x.points)) as e(line_no, account, customer_id, lot_id, amount)`.execute(
      trx,
    );
  }
  // The members' sums, and their last activity, for every order booked (one of no points still counts as a visit).
  const sums = new Map<string, { available: number; pending: number; last: string }>();
  for (const r of rows.filter((x) => fresh.has(x.id))) {
    const s = sums.get(r.customer_id) ?? { available: 0, pending: 0, last: r.occurred_at };
    if (r.account === 'member.available') s.available += r.points;
    else s.pending += r.points;
    if (r.occurred_at > s.last) s.last = r.occurred_at;
    sums.set(r.customer_id, s);
  }
  if (sums.size > 0) {
    const json = JSON.stringify([...sums].map(([customer_id, s]) => ({ customer_id, ...s })));
    await sql`
      update loyalty_members m set available = m.available + x.available, pending = m.pending + x.pending,
        lifetime_points = m.lifetime_points + x.available + x.pending,
        last_activity_at = greatest(m.last_activity_at, x.last), updated_at = now()
      from json_to_recordset(${json}::json) as x(customer_id uuid, available bigint, pending bigint, last timestamptz)
      where m.workspace_id = ${ctx.workspaceId} and m.customer_id = x.customer_id`.execute(trx);
    // A member already in the top tier has nowhere to go up to.
    const top = program.tiers.at(-1)?.id;
    await upgradeMany(
      trx,
      ctx,
      program,
      [...sums.keys()].filter((id) => memberOf.get(id)?.tier_id !== top),
      now,
    );
  }
  return fresh.size;
}

/** Moves up, in one query for all, the members whose qualifying value now reaches a higher tier. */
async function upgradeMany(trx: Trx, ctx: Ctx, program: Program, customerIds: string[], now: Date) {
  if (program.tiers.length === 0 || customerIds.length === 0) return;
  const start = periodStart(program, now);
  const column = program.tierBasis === 'spend' ? sql`t.spend_agorot` : sql`t.points`;
  const kinds = program.tierBasis === 'spend' ? ['earn', 'clawback'] : ['earn', 'bonus', 'clawback'];
  // Each member's own bookings and those of the members merged into it (a union, so each is read through its index).
  // The sum is taken per holder (lateral), so each reads only its own range of the customer index: joined
  // whole, the planner, unsure of the ledger's size, scanned the workspace's whole period every batch
  // (65,091 rows at 200,000 orders, 420 ms a batch, growing with the ledger).
  const values = await sql<{ customer_id: string; tier_id: string | null; tier_review_at: Date | null; value: string }>`
    with targets as (
      select customer_id, tier_id, tier_review_at from loyalty_members
      where workspace_id = ${ctx.workspaceId} and customer_id = any(${customerIds}::uuid[])
    ), holders as (
      select customer_id as holder, customer_id from targets
      union all
      select m.merged_into, m.customer_id from loyalty_members m join targets g on m.merged_into = g.customer_id
      where m.workspace_id = ${ctx.workspaceId}
    )
    select g.customer_id, g.tier_id, g.tier_review_at, coalesce(sum(v.value), 0) as value
    from targets g
    join holders h on h.holder = g.customer_id
    cross join lateral (
      select sum(${column}) as value from loyalty_transactions t
      where t.workspace_id = ${ctx.workspaceId} and t.customer_id = h.customer_id
        and t.kind = any(${kinds}::text[]) and t.occurred_at <= ${now}
        ${start ? sql`and t.occurred_at > ${start}` : sql``}
    ) v
    group by g.customer_id, g.tier_id, g.tier_review_at`.execute(trx);
  const rank = new Map(program.tiers.map((t) => [t.id, t.rank]));
  const moves: TierMove[] = [];
  for (const row of values.rows) {
    const reached = tierFor(program, Number(row.value));
    if (reached && reached.rank > ((row.tier_id && rank.get(row.tier_id)) || 0)) {
      moves.push({ customer_id: row.customer_id, tier_id: reached.id, from_id: row.tier_id });
    }
  }
  await applyTierMoves(trx, ctx, program, moves, 'upgrade', now);
}

type TierMove = { customer_id: string; tier_id: string | null; from_id: string | null };

/**
 * Puts members in their new tiers in one update, with the next review a
 * period on, and notes each real change in one insert (as setTier does for one).
 */
async function applyTierMoves(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  moves: TierMove[],
  reason: 'upgrade' | 'review',
  now: Date,
) {
  if (moves.length === 0) return;
  const byId = new Map(program.tiers.map((t) => [t.id, t]));
  await sql`
    update loyalty_members m set tier_id = x.tier_id,
      tier_since = case when m.tier_id is distinct from x.tier_id then ${now} else m.tier_since end,
      tier_review_at = ${reviewDate(program, now)}, updated_at = now()
    from json_to_recordset(${JSON.stringify(moves)}::json) as x(customer_id uuid, tier_id uuid)
    where m.workspace_id = ${ctx.workspaceId} and m.customer_id = x.customer_id`.execute(trx);
  const changes = moves
    .filter((m) => m.tier_id !== m.from_id)
    .map((m) => ({
      id: newId(),
      customer_id: m.customer_id,
      from_tier_id: m.from_id,
      to_tier_id: m.tier_id,
      from_name: (m.from_id && byId.get(m.from_id)?.name) || null,
      to_name: (m.tier_id && byId.get(m.tier_id)?.name) || null,
    }));
  if (changes.length === 0) return;
  await sql`
    insert into loyalty_tier_changes (workspace_id, id, customer_id, from_tier_id, to_tier_id, from_name, to_name,
      reason, occurred_at)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, x.from_tier_id, x.to_tier_id, x.from_name, x.to_name,
      ${reason}, ${now}
    from json_to_recordset(${JSON.stringify(changes)}::json) as x(id uuid, customer_id uuid, from_tier_id uuid,
      to_tier_id uuid, from_name text, to_name text)`.execute(trx);
}

/**
 * Every tier due for review at `now`, in a few statements for the whole
 * club (the hourly job): one statement gives the due their next review date
 * (locking them) and reads each one's qualifying value; the new tier by the
 * program's downgrade rule (as reviewTier decides for one); the members whose
 * tier changes moved in one update and their changes in one insert.
 * Returns how many were reviewed.
 */
export async function reviewTiersBulk(trx: Trx, ctx: Ctx, program: Program, now: Date): Promise<number> {
  const start = periodStart(program, now);
  const column = program.tierBasis === 'spend' ? sql`t.spend_agorot` : sql`t.points`;
  const kinds = program.tierBasis === 'spend' ? ['earn', 'clawback'] : ['earn', 'bonus', 'clawback'];
  // A member's value is its own and that of customers merged into it; asked member by member (one index range
  // each), so the plan does not depend on how many are due: a join of the due with themselves, planned on
  // statistics from before they all fell due (a calendar year's end), was once a nested loop of n² rows.
  const qualifyingSum = (customer: RawBuilder<unknown>) => sql`(
    select coalesce(sum(${column}), 0) from loyalty_transactions t
    where t.workspace_id = ${ctx.workspaceId} and t.customer_id = ${customer}
      and t.kind = any(${kinds}::text[]) and t.occurred_at <= ${now}
      and (${start}::timestamptz is null or t.occurred_at > ${start}::timestamptz))`;
  const due = await sql<{ customer_id: string; tier_id: string | null; value: string }>`
    with due as (
      update loyalty_members set tier_review_at = ${reviewDate(program, now)}, updated_at = now()
      where workspace_id = ${ctx.workspaceId} and status = 'active' and tier_review_at <= ${now}
      returning customer_id, tier_id
    )
    select d.customer_id, d.tier_id, ${qualifyingSum(sql`d.customer_id`)} + coalesce((
      select sum(${qualifyingSum(sql`m.customer_id`)}) from loyalty_members m
      where m.workspace_id = ${ctx.workspaceId} and m.merged_into = d.customer_id), 0) as value
    from due d`.execute(trx);
  if (due.rows.length === 0) return 0;
  const byId = new Map(program.tiers.map((t) => [t.id, t]));
  const moves: TierMove[] = [];
  for (const row of due.rows) {
    const current = (row.tier_id && byId.get(row.tier_id)) || null;
    const reached = tierFor(program, Number(row.value));
    let to = reached;
    if (current && (reached?.rank ?? 0) < current.rank && program.downgrade === 'one_tier') {
      const below = program.tiers.filter((t) => t.rank < current.rank).at(-1) ?? null;
      to = (below?.rank ?? 0) > (reached?.rank ?? 0) ? below : reached;
    }
    // The due were given their next review as they were read; only those whose tier changes are written again.
    if ((to?.id ?? null) !== (current?.id ?? null)) {
      moves.push({ customer_id: row.customer_id, tier_id: to?.id ?? null, from_id: current?.id ?? null });
    }
  }
  await applyTierMoves(trx, ctx, program, moves, 'review', now);
  return due.rows.length;
}
