import { sql } from 'kysely';
import { z } from 'zod';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { getProgram } from './loyalty.program.ts';

/*
 * The club's report, as the owner and the accountant read it: members and
 * their tiers, points issued, redeemed and expired month by month, what is
 * outstanding, and the liability those points are (IFRS 15: the revenue
 * deferred for points not yet used). Every figure is a sum over the ledger,
 * so it is reproducible by the one query in docs/loyalty-liability.md.
 */

const month = z.string().regex(/^\d{4}-\d{2}$/);

export const loyaltyReportSchema = z.strictObject({
  members: z.strictObject({
    total: z.number().int(),
    byTier: z.array(
      z.strictObject({ tierId: z.uuid().nullable(), name: z.string().nullable(), count: z.number().int() }),
    ),
    joinedByMonth: z.array(z.strictObject({ month, count: z.number().int() })),
    /** Members who moved up a tier (on reaching a threshold, or kept higher at a review) and down (at a review). */
    tierMovesByMonth: z.array(z.strictObject({ month, up: z.number().int(), down: z.number().int() })),
  }),
  points: z.strictObject({
    byMonth: z.array(
      z.strictObject({
        month,
        issued: z.number().int(),
        /** Points taken back: refunds and corrections by staff. */
        takenBack: z.number().int(),
        redeemed: z.number().int(),
        expired: z.number().int(),
      }),
    ),
    outstanding: z.strictObject({ available: z.number().int(), pending: z.number().int() }),
  }),
  liability: z.strictObject({
    /** Points held by members, available and pending (a debt counts against them). */
    points: z.number().int(),
    /** What one point is worth when used, in agorot, as the club's settings say. */
    pointValueAgorot: z.number(),
    /** Of points that left members' hands, the share that was used rather than expired (1 with no history). */
    expectedRedemptionRate: z.number(),
    /** points × value × rate, in shekels with two decimals. */
    amount: z.string(),
  }),
});
export type LoyaltyReport = z.output<typeof loyaltyReportSchema>;

const int = (v: unknown) => Number(v ?? 0);

/** The report over the last `months` months (joins and point movements); totals are over all time. */
export async function loyaltyReport(trx: Trx, ctx: Ctx, now: Date, months = 12): Promise<LoyaltyReport> {
  requirePermission(ctx, 'loyalty.read');
  const program = await getProgram(trx, ctx);
  const ws = ctx.workspaceId;
  const since = sql`date_trunc('month', ${now}::timestamptz at time zone 'UTC') - make_interval(months => ${months - 1})`;
  const byTier = await sql<{ tier_id: string | null; count: number }>`
    select tier_id, count(*)::int as count from loyalty_members
    where workspace_id = ${ws} and status = 'active' group by tier_id`.execute(trx);
  const joined = await sql<{ month: string; count: number }>`
    select to_char(date_trunc('month', joined_at at time zone 'UTC'), 'YYYY-MM') as month, count(*)::int as count
    from loyalty_members
    where workspace_id = ${ws} and status <> 'merged' and joined_at at time zone 'UTC' >= ${since}
    group by 1 order by 1`.execute(trx);
  const tierMoves = await sql<{ month: string; up: number; down: number }>`
    select to_char(date_trunc('month', c.occurred_at at time zone 'UTC'), 'YYYY-MM') as month,
      count(*) filter (where coalesce(tt.rank, 0) > coalesce(ft.rank, 0))::int as up,
      count(*) filter (where coalesce(tt.rank, 0) < coalesce(ft.rank, 0))::int as down
    from loyalty_tier_changes c
    left join loyalty_tiers ft on ft.workspace_id = c.workspace_id and ft.id = c.from_tier_id
    left join loyalty_tiers tt on tt.workspace_id = c.workspace_id and tt.id = c.to_tier_id
    where c.workspace_id = ${ws} and c.reason in ('upgrade', 'review')
      and c.occurred_at at time zone 'UTC' >= ${since}
    group by 1 order by 1`.execute(trx);
  // The club's side of every booking, by month, from its own index (each entry carries its booking's date).
  const moves = await sql<{ month: string; issued: string; clawed: string; redeemed: string; expired: string }>`
    select to_char(e.month, 'YYYY-MM') as month,
      coalesce(sum(-e.amount) filter (where e.account = 'club.issued' and e.amount < 0), 0) as issued,
      coalesce(sum(e.amount) filter (where e.account = 'club.issued' and e.amount > 0), 0) as clawed,
      coalesce(sum(e.amount) filter (where e.account = 'club.redeemed'), 0) as redeemed,
      coalesce(sum(e.amount) filter (where e.account = 'club.expired'), 0) as expired
    from (
      select date_trunc('month', occurred_at at time zone 'UTC') as month, account, amount
      from loyalty_entries
      where workspace_id = ${ws} and customer_id is null
        and account in ('club.issued', 'club.redeemed', 'club.expired')
        and occurred_at >= (${since}) at time zone 'UTC'
    ) e
    group by e.month order by e.month`.execute(trx);
  // What members hold: their balances, each the sum of its entries (written with every booking, and checked
  // against the ledger by loyalty.ledger.property.test.ts); what left their hands: the club's two accounts.
  const held = await sql<{ available: string; pending: string }>`
    select coalesce(sum(available), 0) as available, coalesce(sum(pending), 0) as pending
    from loyalty_members where workspace_id = ${ws}`.execute(trx);
  const left = await sql<{ redeemed: string; expired: string }>`
    select
      coalesce(sum(amount) filter (where account = 'club.redeemed'), 0) as redeemed,
      coalesce(sum(amount) filter (where account = 'club.expired'), 0) as expired
    from loyalty_entries
    where workspace_id = ${ws} and customer_id is null and account in ('club.redeemed', 'club.expired')`.execute(trx);
  const total = { ...held.rows[0], ...left.rows[0] };
  const available = int(total?.available);
  const pending = int(total?.pending);
  const redeemed = int(total?.redeemed);
  const expired = int(total?.expired);
  const rate = redeemed + expired > 0 ? redeemed / (redeemed + expired) : 1;
  const points = available + pending;
  const pointValueAgorot = program.redeemValueAgorot / program.redeemPoints;
  const agorot = Math.round(Math.max(points, 0) * pointValueAgorot * rate);
  return {
    members: {
      total: byTier.rows.reduce((sum, r) => sum + r.count, 0),
      byTier: byTier.rows
        .map((r) => ({
          tierId: r.tier_id,
          name: program.tiers.find((t) => t.id === r.tier_id)?.name ?? null,
          count: r.count,
          rank: program.tiers.find((t) => t.id === r.tier_id)?.rank ?? 0,
        }))
        .sort((a, b) => a.rank - b.rank)
        .map(({ rank: _rank, ...tier }) => tier),
      joinedByMonth: joined.rows,
      tierMovesByMonth: tierMoves.rows.filter((m) => m.up + m.down > 0),
    },
    points: {
      byMonth: moves.rows.map((r) => ({
        month: r.month,
        issued: int(r.issued),
        takenBack: int(r.clawed),
        redeemed: int(r.redeemed),
        expired: int(r.expired),
      })),
      outstanding: { available, pending },
    },
    liability: {
      points,
      pointValueAgorot,
      expectedRedemptionRate: Math.round(rate * 10_000) / 10_000,
      amount: `${Math.floor(agorot / 100)}.${String(agorot % 100).padStart(2, '0')}`,
    },
  };
}
