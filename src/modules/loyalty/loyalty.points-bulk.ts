import { addDays, addMonths } from 'date-fns';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { earnPoints, pointsFor } from './loyalty.points.ts';
import type { Program } from './loyalty.program.ts';
import { periodStart, setTier, tierFor } from './loyalty.tiers.ts';

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
    .select(['customer_id', 'tier_id', 'tier_review_at', 'joined_at', 'available'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .where('customer_id', '=', sql<string>`any(${[...new Set(orders.map((o) => o.customerId))]}::uuid[])`)
    .orderBy('customer_id')
    .forUpdate()
    .execute();
  const memberOf = new Map(members.map((m) => [m.customer_id, m]));
  const multiplier = new Map(program.tiers.map((t) => [t.id, t.earnMultiplierPct]));
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
  }[] = [];
  for (const order of orders) {
    const member = memberOf.get(order.customerId);
    if (!member || order.placedAt < member.joined_at) continue;
    const points = pointsFor(program, order.agorot, (member.tier_id && multiplier.get(member.tier_id)) || 100);
    const releaseAt = addDays(order.placedAt, program.pendingDays);
    const account = releaseAt > now ? 'member.pending' : 'member.available';
    if (account === 'member.available' && Number(member.available) < 0) {
      await earnPoints(
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
          pending: true,
        },
        now,
      );
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
    });
  }
  if (rows.length === 0) return 0;
  const actor = ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`;
  const booked = await sql<{ id: string }>`
    insert into loyalty_transactions (workspace_id, id, customer_id, kind, source_key, occurred_at, points,
      spend_agorot, release_at, expires_at, order_id, actor)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, 'earn', x.source_key, x.occurred_at, x.points,
      x.spend_agorot, x.release_at, x.expires_at, x.order_id, ${actor}
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(id uuid, customer_id uuid, source_key text,
      occurred_at timestamptz, points bigint, spend_agorot bigint, release_at timestamptz, expires_at timestamptz,
      order_id uuid)
    on conflict (workspace_id, source_key) do nothing
    returning id`.execute(trx);
  const fresh = new Set(booked.rows.map((r) => r.id));
  const kept = rows.filter((r) => fresh.has(r.id) && r.points > 0);
  if (kept.length > 0) {
    await sql`
      insert into loyalty_entries (workspace_id, transaction_id, line_no, account, customer_id, lot_id, amount)
      select ${ctx.workspaceId}::uuid, x.id, 1, 'club.issued', null, null, -x.points
      from json_to_recordset(${JSON.stringify(kept)}::json) as x(id uuid, points bigint)
      union all
      select ${ctx.workspaceId}::uuid, x.id, 2, x.account, x.customer_id, x.id, x.points
      from json_to_recordset(${JSON.stringify(kept)}::json) as x(id uuid, customer_id uuid, account text, points bigint)`.execute(
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
    await upgradeMany(trx, ctx, program, [...sums.keys()], now);
  }
  return fresh.size;
}

/** Moves up, in one query for all, the members whose qualifying value now reaches a higher tier. */
async function upgradeMany(trx: Trx, ctx: Ctx, program: Program, customerIds: string[], now: Date) {
  if (program.tiers.length === 0) return;
  const start = periodStart(program, now);
  const column = program.tierBasis === 'spend' ? sql`t.spend_agorot` : sql`t.points`;
  const kinds = program.tierBasis === 'spend' ? ['earn', 'clawback'] : ['earn', 'bonus', 'clawback'];
  const values = await sql<{ customer_id: string; tier_id: string | null; tier_review_at: Date | null; value: string }>`
    select m.customer_id, m.tier_id, m.tier_review_at, (
      select coalesce(sum(${column}), 0) from loyalty_transactions t
      where t.workspace_id = m.workspace_id
        and (t.customer_id = m.customer_id or t.customer_id in (
          select x.customer_id from loyalty_members x where x.workspace_id = m.workspace_id and x.merged_into = m.customer_id))
        and t.kind = any(${kinds}::text[]) and t.occurred_at <= ${now}
        and (${start}::timestamptz is null or t.occurred_at > ${start}::timestamptz)
    ) as value
    from loyalty_members m
    where m.workspace_id = ${ctx.workspaceId} and m.customer_id = any(${customerIds}::uuid[])`.execute(trx);
  const rank = new Map(program.tiers.map((t) => [t.id, t.rank]));
  for (const row of values.rows) {
    const reached = tierFor(program, Number(row.value));
    if (reached && reached.rank > ((row.tier_id && rank.get(row.tier_id)) || 0)) {
      await setTier(trx, ctx, program, row, reached, 'upgrade', now);
    }
  }
}
