import { addMonths, addYears, startOfYear, subMonths } from 'date-fns';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import type { Program, Tier } from './loyalty.program.ts';

/*
 * Tiers. A member's qualifying value is what they earned (points) or spent
 * (agorot) in the program's qualification period, refunds taken off. A member
 * moves up as soon as the value reaches a higher tier's threshold; moving down
 * waits for the end of the period the tier was reached for (its review date),
 * and then drops one tier or re-places the member on the current value, as the
 * program says. Lifetime tiers are never reviewed. Years are calendar years in
 * UTC.
 */

/** Where the qualification period that `now` falls in began (null: the member's whole life). */
export function periodStart(program: Program, now: Date): Date | null {
  if (program.qualification === 'rolling_12') return subMonths(now, 12);
  if (program.qualification === 'calendar_year') return startOfYear(now);
  return null;
}

/** When a tier reached at `at` is next reviewed: 12 months on, the end of the next calendar year, or never. */
export function reviewDate(program: Program, at: Date): Date | null {
  if (program.qualification === 'rolling_12') return addMonths(at, 12);
  if (program.qualification === 'calendar_year') return addYears(startOfYear(at), 2);
  return null;
}

/** The member's qualifying value now, counting members merged into it. */
export async function qualifyingValue(trx: Trx, ctx: Ctx, program: Program, customerId: string, now: Date) {
  const start = periodStart(program, now);
  const column = program.tierBasis === 'spend' ? sql`spend_agorot` : sql`points`;
  const row = await trx
    .selectFrom('loyalty_transactions')
    .select(sql<string>`coalesce(sum(${column}), 0)`.as('value'))
    .where('workspace_id', '=', ctx.workspaceId)
    // The member's own bookings and those of members merged into it, in one list, so the index serves both.
    .where('customer_id', 'in', (eb) =>
      eb
        .selectFrom('loyalty_members')
        .select('customer_id')
        .where('workspace_id', '=', ctx.workspaceId)
        .where((w) => w.or([w('customer_id', '=', customerId), w('merged_into', '=', customerId)])),
    )
    .where('kind', 'in', program.tierBasis === 'spend' ? ['earn', 'clawback'] : ['earn', 'bonus', 'clawback'])
    .where('occurred_at', '<=', now)
    .$if(start !== null, (qb) => qb.where('occurred_at', '>', start!))
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** The highest tier a value reaches (null when it reaches none). */
export function tierFor(program: Program, value: number): Tier | null {
  let reached: Tier | null = null;
  for (const tier of program.tiers) if (value >= tier.threshold) reached = tier;
  return reached;
}

/** The tier above the member's, and how far the member is from it. */
export function nextTier(program: Program, tierId: string | null, value: number) {
  const current = program.tiers.find((t) => t.id === tierId);
  const next = program.tiers.find((t) => t.rank > (current?.rank ?? 0));
  if (!next) return null;
  return { tier: next, remaining: Math.max(0, next.threshold - value) };
}

type MemberTier = { customer_id: string; tier_id: string | null; tier_review_at: Date | null };

/** Moves the member's tier and notes the move on its history (and the timeline). */
export async function setTier(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  member: MemberTier,
  to: Tier | null,
  reason: 'join' | 'upgrade' | 'review' | 'merge',
  now: Date,
) {
  const from = program.tiers.find((t) => t.id === member.tier_id) ?? null;
  const review = reviewDate(program, now);
  await trx
    .updateTable('loyalty_members')
    .set({ tier_id: to?.id ?? null, tier_since: now, tier_review_at: review, updated_at: new Date() })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', member.customer_id)
    .execute();
  if (from?.id === to?.id && reason !== 'join') return;
  await trx
    .insertInto('loyalty_tier_changes')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      customer_id: member.customer_id,
      from_tier_id: from?.id ?? null,
      to_tier_id: to?.id ?? null,
      from_name: from?.name ?? null,
      to_name: to?.name ?? null,
      reason,
      occurred_at: now,
    })
    .execute();
}

/** After an earning: up to the tier the value now reaches, if that is higher. */
export async function upgradeIfReached(trx: Trx, ctx: Ctx, program: Program, member: MemberTier, now: Date) {
  const reached = tierFor(program, await qualifyingValue(trx, ctx, program, member.customer_id, now));
  const current = program.tiers.find((t) => t.id === member.tier_id);
  if (reached && reached.rank > (current?.rank ?? 0)) await setTier(trx, ctx, program, member, reached, 'upgrade', now);
}

/**
 * At or after the review date: the member keeps a tier the value still
 * reaches (or moves up), else drops one tier or to the value's tier. The
 * next review is a period on. Before the review date it does nothing, so a
 * run that comes twice or late decides once.
 */
export async function reviewTier(trx: Trx, ctx: Ctx, program: Program, member: MemberTier, now: Date) {
  if (!member.tier_review_at || member.tier_review_at > now) return;
  const reached = tierFor(program, await qualifyingValue(trx, ctx, program, member.customer_id, now));
  const current = program.tiers.find((t) => t.id === member.tier_id) ?? null;
  let to = reached;
  if (current && (reached?.rank ?? 0) < current.rank && program.downgrade === 'one_tier') {
    const below = program.tiers.filter((t) => t.rank < current.rank).at(-1) ?? null;
    to = (below?.rank ?? 0) > (reached?.rank ?? 0) ? below : reached;
  }
  await setTier(trx, ctx, program, member, to, 'review', now);
}
