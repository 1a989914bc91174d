import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { type OrderLineForRules, orderLinesOf } from '../commerce/commerce.service.ts';
import { lockMember } from './loyalty.ledger.ts';
import { earnPoints, holderOf, pointsFor } from './loyalty.points.ts';
import { findProgram, type Program } from './loyalty.program.ts';
import type { LimitPeriod, RuleAward, RuleKind, RuleTarget } from './loyalty.rules.tables.ts';
import { upgradeIfReached } from './loyalty.tiers.ts';

/*
 * Earning rules at work. A purchase rule adds points to an order's own
 * earning (the same booking, `order:<id>`, so a refund takes them back in
 * proportion, as it takes the rate's points); an event rule books a bonus of
 * its own, available at once unless the rule makes it wait out the return
 * window. Every award is a row of loyalty_rule_awards, which the limits count:
 * per member (ever, or per day, week, month or year in Israel) under the
 * member's lock, and in total under the rule's lock (taken only for a rule
 * that has a total).
 */

/** The events the club knows by name; any other name (lower case, digits, `_ . -`) is a custom event. */
export const builtInEvents = ['joined', 'birthday', 'survey_answered', 'referral_qualified'] as const;
export const eventTypePattern = /^[a-z][a-z0-9_.-]{0,63}$/;

export type EarningEvent = {
  customerId: string;
  /** 'joined', 'birthday', 'survey_answered', 'referral_qualified' or a custom name. */
  type: string;
  /** The event's own key: the same type and key award once, however often they come. */
  eventKey: string;
  occurredAt: Date;
};
export type EventAward = { ruleId: string; name: string; points: number; pending: boolean };
export type EventOutcome = { duplicate: boolean; points: number; awards: EventAward[] };

export type ActiveRule = {
  id: string;
  name: string;
  kind: RuleKind;
  startsAt: Date;
  endsAt: Date | null;
  tierIds: string[];
  target: RuleTarget | null;
  productIds: string[];
  categories: string[];
  award: RuleAward | null;
  multiplierPct: number | null;
  points: number | null;
  pending: boolean;
  maxPerMember: number | null;
  limitPeriod: LimitPeriod;
  maxTotal: number | null;
};

/** The date in Israel of an instant, as 'YYYY-MM-DD' (limits per day, week, month and year count in it). */
export function israelDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Jerusalem',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Which period of a rule's limit a day falls in (weeks start on Sunday, as in Israel). */
export function periodOf(day: string, period: LimitPeriod): string {
  switch (period) {
    case 'ever':
      return '';
    case 'day':
      return day;
    case 'month':
      return day.slice(0, 7);
    case 'year':
      return day.slice(0, 4);
    case 'week': {
      const date = new Date(`${day}T00:00:00Z`);
      date.setUTCDate(date.getUTCDate() - date.getUTCDay());
      return date.toISOString().slice(0, 10);
    }
  }
}

/** The workspace's active rules of one kind (of one event type, for events). */
export async function activeRules(trx: Trx, ctx: Ctx, kind: RuleKind, eventType?: string): Promise<ActiveRule[]> {
  const rows = await trx
    .selectFrom('loyalty_earning_rules')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('kind', '=', kind)
    .where('status', '=', 'active')
    .$if(eventType !== undefined, (q) => q.where('event_type', '=', eventType!))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    tierIds: r.tier_ids,
    target: r.target,
    productIds: r.product_ids,
    categories: r.categories,
    award: r.award,
    multiplierPct: r.multiplier_pct,
    points: r.points,
    pending: r.pending,
    maxPerMember: r.max_per_member,
    limitPeriod: r.limit_period,
    maxTotal: r.max_total,
  }));
}

const applies = (rule: ActiveRule, at: Date, tierId: string | null) =>
  rule.startsAt <= at &&
  (rule.endsAt === null || at < rule.endsAt) &&
  (rule.tierIds.length === 0 || (tierId !== null && rule.tierIds.includes(tierId)));

/**
 * What the rules' limits still allow these members: the awards made so far,
 * per member and period and in total, read once; `take` says whether one more
 * award fits and counts it. A rule with a total is locked until the
 * transaction ends, so two orders never both take its last award.
 */
async function loadLimits(trx: Trx, ctx: Ctx, rules: ActiveRule[], customerIds: string[]) {
  const perMember = rules.filter((r) => r.maxPerMember !== null);
  const capped = rules.filter((r) => r.maxTotal !== null);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const used = new Map<string, number>();
  const totals = new Map<string, number>();
  const key = (rule: ActiveRule, customerId: string, day: string) =>
    `${rule.id}|${customerId}|${periodOf(day, rule.limitPeriod)}`;
  if (perMember.length > 0 && customerIds.length > 0) {
    const rows = await trx
      .selectFrom('loyalty_rule_awards')
      .select(['rule_id', 'customer_id', sql<string>`local_date::text`.as('day'), sql<string>`count(*)`.as('n')])
      .where('workspace_id', '=', ctx.workspaceId)
      .where(
        'rule_id',
        'in',
        perMember.map((r) => r.id),
      )
      .where('customer_id', '=', sql<string>`any(${[...new Set(customerIds)]}::uuid[])`)
      .groupBy(['rule_id', 'customer_id', 'local_date'])
      .execute();
    for (const row of rows) {
      const rule = byId.get(row.rule_id);
      if (!rule) continue;
      const k = key(rule, row.customer_id, row.day);
      used.set(k, (used.get(k) ?? 0) + Number(row.n));
    }
  }
  if (capped.length > 0) {
    const ids = capped.map((r) => r.id).sort();
    await trx
      .selectFrom('loyalty_earning_rules')
      .select('id')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
    const rows = await trx
      .selectFrom('loyalty_rule_awards')
      .select(['rule_id', sql<string>`count(*)`.as('n')])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('rule_id', 'in', ids)
      .groupBy('rule_id')
      .execute();
    for (const row of rows) totals.set(row.rule_id, Number(row.n));
  }
  return {
    take(rule: ActiveRule, customerId: string, day: string): boolean {
      const k = key(rule, customerId, day);
      if (rule.maxPerMember !== null && (used.get(k) ?? 0) >= rule.maxPerMember) return false;
      if (rule.maxTotal !== null && (totals.get(rule.id) ?? 0) >= rule.maxTotal) return false;
      used.set(k, (used.get(k) ?? 0) + 1);
      totals.set(rule.id, (totals.get(rule.id) ?? 0) + 1);
      return true;
    },
  };
}

type NewAward = {
  id?: string;
  ruleId: string;
  customerId: string;
  transactionId: string;
  orderId?: string | null;
  eventType?: string | null;
  eventKey?: string | null;
  points: number;
  occurredAt: Date;
};

async function recordAwards(trx: Trx, ctx: Ctx, awards: NewAward[]): Promise<void> {
  if (awards.length === 0) return;
  await trx
    .insertInto('loyalty_rule_awards')
    .values(
      awards.map((a) => ({
        workspace_id: ctx.workspaceId,
        id: a.id ?? newId(),
        rule_id: a.ruleId,
        customer_id: a.customerId,
        transaction_id: a.transactionId,
        order_id: a.orderId ?? null,
        event_type: a.eventType ?? null,
        event_key: a.eventKey ?? null,
        points: a.points,
        occurred_at: a.occurredAt,
        local_date: israelDate(a.occurredAt),
      })),
    )
    .execute();
}

/**
 * Applies every active rule for an event to one member, once per event:
 * the same type and key a second time (or ten times at once) award nothing
 * more and answer `duplicate: true` with what the first time gave. Throws
 * `LOYALTY.NO_PROGRAM` before the club is set up and `LOYALTY.NOT_MEMBER`
 * for a customer who is no active member (another workspace's included); a
 * merged member's event goes to the member it was merged into. Needs the
 * permission loyalty.events (owner, admin, agent, marketer; a system ctx has it).
 * Referrals call it with 'referral_qualified', surveys with
 * 'survey_answered'; enrolment with 'joined', the birthday job with 'birthday'.
 */
export async function awardEvent(trx: Trx, ctx: Ctx, event: EarningEvent, now: Date): Promise<EventOutcome> {
  requirePermission(ctx, 'loyalty.events');
  const program = await findProgram(trx, ctx);
  if (!program) throw new AppError('LOYALTY.NO_PROGRAM');
  // A merged member's events go to the member it was merged into.
  const customerId = await holderOf(trx, ctx, event.customerId);
  // The member's lock first: the same event twice at once waits here, then finds the first one's row.
  const member = await lockMember(trx, ctx, customerId);
  const occurredAt = event.occurredAt > now ? now : event.occurredAt;
  const fresh = await trx
    .insertInto('loyalty_rule_events')
    .values({
      workspace_id: ctx.workspaceId,
      type: event.type,
      event_key: event.eventKey,
      customer_id: customerId,
      occurred_at: occurredAt,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'type', 'event_key']).doNothing())
    .returning('type')
    .executeTakeFirst();
  if (!fresh) return { duplicate: true, ...(await awardsOfEvent(trx, ctx, event.type, event.eventKey)) };
  // A paused club earns nothing, and the event is spent: sent again after resuming it is a duplicate, as an
  // order placed while paused never earns later (docs/decisions.md, "A paused club's events are spent").
  if (program.status !== 'active') return { duplicate: false, points: 0, awards: [] };
  const rules = (await activeRules(trx, ctx, 'event', event.type)).filter((r) =>
    applies(r, occurredAt, member.tier_id),
  );
  if (rules.length === 0) return { duplicate: false, points: 0, awards: [] };
  const limits = await loadLimits(trx, ctx, rules, [customerId]);
  const day = israelDate(occurredAt);
  const awards: EventAward[] = [];
  const rows: NewAward[] = [];
  for (const rule of rules) {
    const points = rule.points ?? 0;
    if (points <= 0 || !limits.take(rule, customerId, day)) continue;
    // The booking is known by its award, not by the event's key: the key is the caller's text (it may hold
    // an order number or an email) and the ledger's source keys are never rewritten, an erasure included.
    // The event's row already makes it once (loyalty.rules.members.ts).
    const awardId = newId();
    const transactionId = await earnPoints(
      trx,
      ctx,
      program,
      {
        customerId,
        kind: 'bonus',
        sourceKey: `rule:${rule.id}:award:${awardId}`,
        points,
        occurredAt,
        note: rule.name,
        pending: rule.pending,
      },
      now,
    );
    if (!transactionId) continue;
    awards.push({ ruleId: rule.id, name: rule.name, points, pending: rule.pending });
    rows.push({
      id: awardId,
      ruleId: rule.id,
      customerId,
      transactionId,
      eventType: event.type,
      eventKey: event.eventKey,
      points,
      occurredAt,
    });
  }
  await recordAwards(trx, ctx, rows);
  const total = awards.reduce((sum, a) => sum + a.points, 0);
  if (total > 0) {
    await trx
      .updateTable('loyalty_rule_events')
      .set({ points: total })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('type', '=', event.type)
      .where('event_key', '=', event.eventKey)
      .execute();
    await upgradeIfReached(trx, ctx, program, member, now);
  }
  return { duplicate: false, points: total, awards };
}

/** What an event received before gave, for the answer to its repeat. */
async function awardsOfEvent(trx: Trx, ctx: Ctx, type: string, eventKey: string) {
  const rows = await trx
    .selectFrom('loyalty_rule_awards as a')
    .innerJoin('loyalty_earning_rules as r', (join) =>
      join.onRef('r.workspace_id', '=', 'a.workspace_id').onRef('r.id', '=', 'a.rule_id'),
    )
    .select(['a.rule_id', 'r.name', 'a.points', 'r.pending'])
    .where('a.workspace_id', '=', ctx.workspaceId)
    .where('a.event_type', '=', type)
    .where('a.event_key', '=', eventKey)
    .orderBy('a.created_at')
    .execute();
  const awards = rows.map((r) => ({ ruleId: r.rule_id, name: r.name, points: Number(r.points), pending: r.pending }));
  return { points: awards.reduce((sum, a) => sum + a.points, 0), awards };
}

/** An order as the purchase rules read it: its member's tier and multiplier when it was booked. */
export type OrderForRules = {
  orderId: string;
  customerId: string;
  tierId: string | null;
  multiplierPct: number;
  agorot: number;
  placedAt: Date;
};
/** What purchase rules add to one order's earning, and the awards to record once it is booked. */
export type PurchaseExtra = { points: number; note: string; awards: { ruleId: string; points: number }[] };

function matches(rule: ActiveRule, line: OrderLineForRules): boolean {
  if (rule.target === 'product') return line.productId !== null && rule.productIds.includes(line.productId);
  return line.category !== null && rule.categories.includes(line.category);
}

/** The extra points one rule gives for the matching lines' agorot. */
function extraPoints(program: Program, rule: ActiveRule, order: OrderForRules, agorot: number): number {
  switch (rule.award) {
    case 'per_ils':
      return Number((BigInt(agorot) * BigInt(rule.points ?? 0)) / 100n);
    case 'per_order':
      return rule.points ?? 0;
    case 'multiplier': {
      const base = pointsFor(program, agorot, order.multiplierPct);
      return Number((BigInt(base) * BigInt((rule.multiplierPct ?? 100) - 100)) / 100n);
    }
    default:
      return 0;
  }
}

/**
 * What the active purchase rules add to each order (only orders some rule
 * gives points to are in the answer). The lines are read for all orders in
 * one query, and only when the club has an active purchase rule at all. The
 * members must be locked already (their limits are counted here).
 */
export async function purchaseExtras(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  orders: OrderForRules[],
): Promise<Map<string, PurchaseExtra>> {
  const extras = new Map<string, PurchaseExtra>();
  if (orders.length === 0) return extras;
  const rules = await activeRules(trx, ctx, 'purchase');
  const candidates = orders.filter((o) => rules.some((r) => applies(r, o.placedAt, o.tierId)));
  if (candidates.length === 0) return extras;
  const linesOf = new Map<string, OrderLineForRules[]>();
  for (const line of await orderLinesOf(
    trx,
    ctx,
    candidates.map((o) => o.orderId),
  )) {
    linesOf.set(line.orderId, [...(linesOf.get(line.orderId) ?? []), line]);
  }
  const limits = await loadLimits(
    trx,
    ctx,
    rules,
    candidates.map((o) => o.customerId),
  );
  const ordered = [...candidates].sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
  for (const order of ordered) {
    const lines = linesOf.get(order.orderId) ?? [];
    const extra: PurchaseExtra = { points: 0, note: '', awards: [] };
    const names: string[] = [];
    for (const rule of rules) {
      if (!applies(rule, order.placedAt, order.tierId)) continue;
      const matching = lines.filter((l) => matches(rule, l));
      if (matching.length === 0) continue;
      const agorot = matching.reduce((sum, l) => sum + Math.max(l.totalAgorot, 0), 0);
      const points = extraPoints(program, rule, order, agorot);
      if (points <= 0 || !limits.take(rule, order.customerId, israelDate(order.placedAt))) continue;
      extra.points += points;
      extra.awards.push({ ruleId: rule.id, points });
      names.push(rule.name);
    }
    if (extra.points > 0) extras.set(order.orderId, { ...extra, note: names.join(' · ') });
  }
  return extras;
}

/** Records the purchase rules' awards of the orders that were booked (an order booked before is left out). */
export async function recordPurchaseAwards(
  trx: Trx,
  ctx: Ctx,
  booked: { orderId: string; customerId: string; transactionId: string; placedAt: Date }[],
  extras: Map<string, PurchaseExtra>,
): Promise<void> {
  await recordAwards(
    trx,
    ctx,
    booked.flatMap((b) =>
      (extras.get(b.orderId)?.awards ?? []).map((a) => ({
        ruleId: a.ruleId,
        customerId: b.customerId,
        transactionId: b.transactionId,
        orderId: b.orderId,
        points: a.points,
        occurredAt: b.placedAt,
      })),
    ),
  );
}

/** SQL for "the club has an active purchase rule", to ride along a query the order path makes anyway. */
export function hasPurchaseRules(ctx: Ctx) {
  return sql<boolean>`exists (select 1 from loyalty_earning_rules r where r.workspace_id = ${ctx.workspaceId}
    and r.kind = 'purchase' and r.status = 'active')`;
}
