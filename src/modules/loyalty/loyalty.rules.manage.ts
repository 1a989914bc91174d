import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError, type FieldError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { getProgram } from './loyalty.program.ts';
import type { Rule, RuleBody } from './loyalty.rules.schemas.ts';
import type { LoyaltyEarningRuleTable } from './loyalty.rules.tables.ts';
import { awardEvent, type EventOutcome } from './loyalty.rules.ts';

// Managing the earning rules (loyalty.manage), and events reported by API (loyalty.events).

type RuleRow = Selectable<LoyaltyEarningRuleTable>;

function toRule(row: RuleRow, stats?: { n: number; points: number }): Rule {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    tierIds: row.tier_ids,
    target: row.target,
    productIds: row.product_ids,
    categories: row.categories,
    award: row.award,
    eventType: row.event_type,
    points: row.points,
    multiplierPct: row.multiplier_pct,
    pending: row.pending,
    maxPerMember: row.max_per_member,
    limitPeriod: row.limit_period,
    maxTotal: row.max_total,
    awards: stats?.n ?? 0,
    awardedPoints: stats?.points ?? 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * What the body must hold beyond its types: dates in order, tiers of this
 * club, and the fields its kind and award need (and none of the other kind's).
 * Each problem names its field.
 */
async function checkRule(trx: Trx, ctx: Ctx, body: RuleBody, startsAt: Date) {
  const fields: FieldError[] = [];
  const need = (ok: boolean, field: string, message = 'loyalty:rules.errors.required') => {
    if (!ok) fields.push({ field, message });
  };
  if (body.endsAt && body.endsAt <= startsAt) fields.push({ field: 'endsAt', message: 'loyalty:rules.errors.endsAt' });
  const program = await getProgram(trx, ctx);
  const tiers = new Set(program.tiers.map((t) => t.id));
  body.tierIds.forEach((id, i) => {
    if (!tiers.has(id)) fields.push({ field: `tierIds.${i}`, message: 'loyalty:rules.errors.unknownTier' });
  });
  if (body.kind === 'purchase') {
    need(body.target !== null, 'target');
    need(body.award !== null, 'award');
    if (body.target === 'product') need(body.productIds.length > 0, 'productIds');
    if (body.target === 'category') need(body.categories.length > 0, 'categories');
    if (body.award === 'multiplier') need(body.multiplierPct !== null, 'multiplierPct');
    else if (body.award !== null) need(body.points !== null, 'points');
    need(body.eventType === null, 'eventType', 'loyalty:rules.errors.notForKind');
    need(!body.pending, 'pending', 'loyalty:rules.errors.notForKind');
  } else {
    need(body.eventType !== null, 'eventType');
    need(body.points !== null, 'points');
    need(body.target === null, 'target', 'loyalty:rules.errors.notForKind');
    need(body.award === null, 'award', 'loyalty:rules.errors.notForKind');
    need(body.multiplierPct === null, 'multiplierPct', 'loyalty:rules.errors.notForKind');
  }
  if (fields.length > 0) throw new AppError('LOYALTY.RULE_INVALID', { fields });
}

function ruleValues(body: RuleBody, startsAt: Date) {
  const purchase = body.kind === 'purchase';
  return {
    name: body.name,
    kind: body.kind,
    status: body.status,
    starts_at: startsAt,
    ends_at: body.endsAt,
    tier_ids: [...new Set(body.tierIds)],
    target: purchase ? body.target : null,
    product_ids: purchase && body.target === 'product' ? [...new Set(body.productIds)] : [],
    categories: purchase && body.target === 'category' ? [...new Set(body.categories)] : [],
    award: purchase ? body.award : null,
    multiplier_pct: purchase && body.award === 'multiplier' ? body.multiplierPct : null,
    event_type: purchase ? null : body.eventType,
    points: purchase && body.award === 'multiplier' ? null : body.points,
    pending: purchase ? false : body.pending,
    max_per_member: body.maxPerMember,
    limit_period: body.limitPeriod,
    max_total: body.maxTotal,
  };
}

async function awardStats(trx: Trx, ctx: Ctx, ids: string[]) {
  if (ids.length === 0) return new Map<string, { n: number; points: number }>();
  const rows = await trx
    .selectFrom('loyalty_rule_awards')
    .select(['rule_id', sql<string>`count(*)`.as('n'), sql<string>`coalesce(sum(points), 0)`.as('points')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('rule_id', 'in', ids)
    .groupBy('rule_id')
    .execute();
  return new Map(rows.map((r) => [r.rule_id, { n: Number(r.n), points: Number(r.points) }]));
}

/** The club's earning rules, newest first, with what each has awarded. */
export async function listRules(
  trx: Trx,
  ctx: Ctx,
  query: { kind?: 'purchase' | 'event' | undefined; status?: 'active' | 'paused' | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  const rows = await trx
    .selectFrom('loyalty_earning_rules')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .$if(query.kind !== undefined, (q) => q.where('kind', '=', query.kind!))
    .$if(query.status !== undefined, (q) => q.where('status', '=', query.status!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
  const stats = await awardStats(
    trx,
    ctx,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toRule(r, stats.get(r.id))) };
}

export async function getRule(trx: Trx, ctx: Ctx, id: string): Promise<Rule> {
  requirePermission(ctx, 'loyalty.read');
  const row = await trx
    .selectFrom('loyalty_earning_rules')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('LOYALTY.RULE_NOT_FOUND'));
  return toRule(row, (await awardStats(trx, ctx, [id])).get(id));
}

export async function createRule(trx: Trx, ctx: Ctx, body: RuleBody, now: Date): Promise<Rule> {
  requirePermission(ctx, 'loyalty.manage');
  const startsAt = body.startsAt ?? now;
  await checkRule(trx, ctx, body, startsAt);
  const row = await trx
    .insertInto('loyalty_earning_rules')
    .values({ workspace_id: ctx.workspaceId, id: newId(), ...ruleValues(body, startsAt) })
    .returningAll()
    .executeTakeFirstOrThrow();
  const rule = toRule(row);
  await recordAudit(trx, ctx, {
    action: 'loyalty.rule_created',
    entityType: 'loyalty_rule',
    entityId: row.id,
    after: rule,
  });
  return rule;
}

/** Replaces a rule whole (its awards so far stay, and keep counting toward its limits). */
export async function updateRule(trx: Trx, ctx: Ctx, id: string, body: RuleBody, now: Date): Promise<Rule> {
  requirePermission(ctx, 'loyalty.manage');
  const before = await getRule(trx, ctx, id);
  const startsAt = body.startsAt ?? new Date(before.startsAt);
  await checkRule(trx, ctx, body, startsAt);
  await trx
    .updateTable('loyalty_earning_rules')
    .set({ ...ruleValues(body, startsAt), updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  const after = await getRule(trx, ctx, id);
  await recordAudit(trx, ctx, {
    action: before.status !== after.status ? `loyalty.rule_${after.status}` : 'loyalty.rule_changed',
    entityType: 'loyalty_rule',
    entityId: id,
    before,
    after,
  });
  return after;
}

/** An event reported by API (a till, web store or survey tool): the same type and eventId award once. */
export async function receiveEvent(
  trx: Trx,
  ctx: Ctx,
  body: { customerId: string; type: string; eventId: string; occurredAt?: Date | undefined },
  now: Date,
): Promise<EventOutcome> {
  requirePermission(ctx, 'loyalty.events');
  return awardEvent(
    trx,
    ctx,
    { customerId: body.customerId, type: body.type, eventKey: body.eventId, occurredAt: body.occurredAt ?? now },
    now,
  );
}
