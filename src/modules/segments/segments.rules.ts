import { type Expression, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors.ts';
import { installedSegmentFields } from '../../platform/registry.ts';
import {
  type CheckedRule,
  compareValue,
  operatorsOf,
  type SegmentEb,
  type SegmentEnv,
  type SegmentFieldSpec,
  type SegmentOperator,
  type SegmentOption,
} from '../../platform/segment-fields.ts';

/*
 * A segment's rules: a group whose rules must all (or any) hold, each rule a
 * test of one field or a group of rules of its own (two levels: "all of these,
 * and any of those" is what a rule builder shows). The shape is checked by
 * Zod; what a rule says (its field, operator and value) against the fields the
 * modules declare, each problem named by its path (`rules.rules.1.rules.0.value`).
 * Checked rules compile to one parameterised condition on the customer `c`.
 */

const ruleShape = z.strictObject({
  field: z.string().min(1).max(100),
  op: z.string().min(1).max(40),
  value: z.unknown().optional(),
  withinDays: z.number().int().min(1).max(3650).optional(),
});
const match = z.enum(['all', 'any']);
const innerGroup = z.strictObject({ match, rules: z.array(ruleShape).min(1).max(50) });

export const segmentRulesSchema = z.strictObject({
  match,
  rules: z.array(z.union([ruleShape, innerGroup])).max(50),
});

export type SegmentRule = z.infer<typeof ruleShape>;
export type SegmentRules = z.infer<typeof segmentRulesSchema>;

const isGroup = (r: SegmentRule | z.infer<typeof innerGroup>): r is z.infer<typeof innerGroup> => 'match' in r;

const valueless = new Set<SegmentOperator>(['is_set', 'is_not_set', 'is_true', 'is_false']);
const listOps = new Set<SegmentOperator>(['in', 'not_in', 'has_any', 'has_all', 'has_none']);
const dayOps = new Set<SegmentOperator>(['in_last_days', 'not_in_last_days']);
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: unknown): value is string {
  if (typeof value !== 'string' || !isoDate.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/** The rule's value as its field takes it, or the message saying why not. */
function checkValue(
  spec: SegmentFieldSpec,
  options: readonly SegmentOption[] | undefined,
  op: SegmentOperator,
  value: unknown,
): { value: unknown } | { error: string } {
  if (valueless.has(op))
    return value === undefined || value === null ? { value: null } : { error: 'unrecognized_keys' };
  if (value === undefined || value === null) return { error: 'required' };
  if (dayOps.has(op)) {
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 36_500
      ? { value }
      : { error: 'number.invalid' };
  }
  if (listOps.has(op)) {
    if (!Array.isArray(value) || value.length === 0 || value.length > 500) return { error: 'invalid' };
    if (!value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)) return { error: 'invalid' };
    if (options && !value.every((v) => options.some((o) => o.value === v))) return { error: 'invalid_value' };
    return { value: [...new Set(value as string[])] };
  }
  const one = (v: unknown): { value: unknown } | { error: string } => {
    switch (spec.type) {
      case 'number':
        return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e12
          ? { value: v }
          : { error: 'number.invalid' };
      case 'date':
        return validDate(v) ? { value: v } : { error: 'date.invalid' };
      default:
        return typeof v === 'string' && v.length > 0 && v.length <= 200 ? { value: v } : { error: 'invalid' };
    }
  };
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return { error: 'invalid' };
    const from = one(value[0]);
    const to = one(value[1]);
    if ('error' in from) return from;
    if ('error' in to) return to;
    return (from.value as number | string) <= (to.value as number | string)
      ? { value: [from.value, to.value] }
      : { error: 'segment.range_reversed' };
  }
  return one(value);
}

export type CheckedRules = {
  match: 'all' | 'any';
  rules: (CheckedRule | { match: 'all' | 'any'; rules: CheckedRule[] })[];
};

/**
 * Checks each rule against the declared fields (an enum's value against its
 * options, the workspace's own tiers or branches among them); every problem
 * found, by its path under `at`.
 */
export async function checkRules(
  trx: Trx,
  ctx: Ctx,
  rules: SegmentRules,
  at = 'rules',
): Promise<{ rules: CheckedRules; errors: FieldError[] }> {
  const fields = installedSegmentFields();
  const errors: FieldError[] = [];
  const used = new Set(rules.rules.flatMap((r) => (isGroup(r) ? r.rules.map((x) => x.field) : [r.field])));
  const loaded = new Map<string, readonly SegmentOption[]>();
  for (const key of used) {
    const spec = fields.get(key);
    if (spec?.loadOptions) loaded.set(key, await spec.loadOptions(trx, ctx));
    else if (spec?.options) loaded.set(key, spec.options);
  }
  const checkOne = (rule: SegmentRule, path: string): CheckedRule | null => {
    const spec = fields.get(rule.field);
    if (!spec) {
      errors.push({ field: `${path}.field`, message: 'segment.field_unknown' });
      return null;
    }
    const op = rule.op as SegmentOperator;
    if (!operatorsOf(spec).includes(op)) {
      errors.push({ field: `${path}.op`, message: 'segment.operator_invalid' });
      return null;
    }
    if (rule.withinDays !== undefined && !spec.period) {
      errors.push({ field: `${path}.withinDays`, message: 'segment.period_not_allowed' });
      return null;
    }
    const checked = checkValue(spec, loaded.get(rule.field), op, rule.value);
    if ('error' in checked) {
      errors.push({ field: `${path}.value`, message: checked.error });
      return null;
    }
    return { field: rule.field, op, value: checked.value, withinDays: rule.withinDays };
  };
  const checked: CheckedRules = { match: rules.match, rules: [] };
  rules.rules.forEach((rule, i) => {
    const path = `${at}.rules.${i}`;
    if (isGroup(rule)) {
      const inner = rule.rules.map((r, j) => checkOne(r, `${path}.rules.${j}`));
      checked.rules.push({ match: rule.match, rules: inner.filter((r): r is CheckedRule => r !== null) });
    } else {
      const one = checkOne(rule, path);
      if (one) checked.rules.push(one);
    }
  });
  return { rules: checked, errors };
}

/** The condition on `c` the checked rules make: one expression, every value a parameter. No rule: everyone. */
export function compileRules(eb: SegmentEb, rules: CheckedRules, env: SegmentEnv): Expression<SqlBool> {
  const fields = installedSegmentFields();
  const one = (rule: CheckedRule): Expression<SqlBool> => {
    const spec = fields.get(rule.field);
    if (!spec) throw new Error(`segment field ${rule.field} is not declared (rules were not checked)`);
    if (spec.where) return spec.where(eb, rule, env);
    if (!spec.value) throw new Error(`segment field ${rule.field} has neither value nor where`);
    return compareValue(eb, spec.value(eb, rule, env), spec.type, rule, env.now);
  };
  const combine = (how: 'all' | 'any', parts: Expression<SqlBool>[]) =>
    parts.length === 0 ? sql<SqlBool>`true` : how === 'all' ? eb.and(parts) : eb.or(parts);
  return combine(
    rules.match,
    rules.rules.map((rule) => ('match' in rule ? combine(rule.match, rule.rules.map(one)) : one(rule))),
  );
}
