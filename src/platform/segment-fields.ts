import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';

/*
 * The fields a segment's rules may test, as each module declares them in its
 * module object (`segmentFields`): the customers module its profile, commerce
 * the purchases, the loyalty club its tiers and balances. A field says its
 * type (so which operators and values it takes, checked in one place) and
 * how to read it for the customer `c` — a scalar (a column, or a subquery
 * over the module's own tables joined to `c.id`) or a whole condition. The
 * segments module puts every rule of a segment into one parameterised query.
 */

/** The customer row a rule tests, as `c` (customers as c). */
export type SegmentEb = ExpressionBuilder<DB & { c: DB['customers'] }, 'c'>;

export type SegmentFieldType = 'text' | 'number' | 'date' | 'enum' | 'tags' | 'boolean';

/** The operators of each type, in the order the rule builder offers them. */
export const segmentOperators = {
  text: ['eq', 'neq', 'contains', 'not_contains', 'starts_with', 'is_set', 'is_not_set'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  date: ['before', 'after', 'between', 'in_last_days', 'not_in_last_days', 'is_set', 'is_not_set'],
  enum: ['in', 'not_in', 'is_set', 'is_not_set'],
  tags: ['has_any', 'has_all', 'has_none'],
  boolean: ['is_true', 'is_false'],
} as const satisfies Record<SegmentFieldType, readonly string[]>;

export type SegmentOperator = (typeof segmentOperators)[SegmentFieldType][number];

/** A rule as checked: its value already of the field's type (numbers as numbers, dates as YYYY-MM-DD). */
export type CheckedRule = {
  field: string;
  op: SegmentOperator;
  value: unknown;
  /** For a field that counts over a period (orders, spend): the last N days; absent for all time. */
  withinDays?: number | undefined;
};

export type SegmentOption = { readonly value: string; readonly he: string; readonly en: string };

export type SegmentFieldSpec = {
  readonly type: SegmentFieldType;
  readonly label: { readonly he: string; readonly en: string };
  /** Operators this field leaves out of its type's (a count is never unset, say). */
  readonly without?: readonly SegmentOperator[];
  /** Whether a rule may narrow the field to the last N days (`withinDays`). */
  readonly period?: boolean;
  /** An enum's values, each with its labels; or `loadOptions` when they are the workspace's own (tiers, branches). */
  readonly options?: readonly SegmentOption[];
  readonly loadOptions?: (trx: Trx, ctx: Ctx) => Promise<SegmentOption[]>;
  /** The field's value for `c` (a column of the customer's row), compared by its type. */
  readonly value?: (eb: SegmentEb, rule: CheckedRule, env: SegmentEnv) => Expression<unknown>;
  /**
   * The whole condition, for a field read from the module's own tables (use
   * `customerIdsWhere`, so the planner reads the table once, not once per
   * customer) or one that is not a single value (a product bought).
   */
  readonly where?: (eb: SegmentEb, rule: CheckedRule, env: SegmentEnv) => Expression<SqlBool>;
};

/** What a rule is read against: the workspace and the moment "the last N days" count back from. */
export type SegmentEnv = { readonly workspaceId: string; readonly now: Date };

/** The operators a field takes. */
export function operatorsOf(spec: SegmentFieldSpec): readonly SegmentOperator[] {
  const all: readonly SegmentOperator[] = segmentOperators[spec.type];
  return spec.without ? all.filter((op) => !spec.without?.includes(op)) : all;
}

const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/**
 * A scalar compared by its field's type and the rule's operator. An unset
 * value matches only `is_not_set` (and the negative text and enum operators:
 * "not equal to X" holds for a customer with nothing there).
 */
export function compareValue(
  eb: SegmentEb,
  value: Expression<unknown>,
  type: SegmentFieldType,
  rule: CheckedRule,
  now: Date,
): Expression<SqlBool> {
  const v = rule.value;
  const ref = value as Expression<string>;
  const cast = (x: unknown) => (type === 'number' ? sql`${x}::numeric` : type === 'date' ? sql`${x}::date` : sql`${x}`);
  const left = type === 'date' ? sql`(${ref})::date` : type === 'number' ? sql`(${ref})::numeric` : sql`${ref}`;
  switch (rule.op) {
    case 'is_set':
      return eb(ref, 'is not', null);
    case 'is_not_set':
      return eb(ref, 'is', null);
    case 'eq':
      return sql<SqlBool>`${left} = ${cast(v)}`;
    case 'neq':
      return sql<SqlBool>`${left} is distinct from ${cast(v)}`;
    case 'gt':
    case 'after':
      return sql<SqlBool>`${left} > ${cast(v)}`;
    case 'gte':
      return sql<SqlBool>`${left} >= ${cast(v)}`;
    case 'lt':
    case 'before':
      return sql<SqlBool>`${left} < ${cast(v)}`;
    case 'lte':
      return sql<SqlBool>`${left} <= ${cast(v)}`;
    case 'between': {
      const [from, to] = v as [unknown, unknown];
      return sql<SqlBool>`${left} between ${cast(from)} and ${cast(to)}`;
    }
    case 'contains':
      return sql<SqlBool>`${ref} ilike ${`%${likeEscaped(String(v))}%`}`;
    case 'not_contains':
      return sql<SqlBool>`coalesce(${ref}, '') not ilike ${`%${likeEscaped(String(v))}%`}`;
    case 'starts_with':
      return sql<SqlBool>`${ref} ilike ${`${likeEscaped(String(v))}%`}`;
    case 'in_last_days':
      return sql<SqlBool>`${ref} >= ${daysBefore(now, Number(v))}`;
    case 'not_in_last_days':
      return sql<SqlBool>`(${ref} is null or ${ref} < ${daysBefore(now, Number(v))})`;
    // An enum may be a uuid (a tier, a branch): compared as text.
    case 'in':
      return sql<SqlBool>`(${ref})::text = any(${v as string[]}::text[])`;
    case 'not_in':
      return sql<SqlBool>`(${ref} is null or not ((${ref})::text = any(${v as string[]}::text[])))`;
    case 'has_any':
      return sql<SqlBool>`${ref} && ${v as string[]}::text[]`;
    case 'has_all':
      return sql<SqlBool>`${ref} @> ${v as string[]}::text[]`;
    case 'has_none':
      return sql<SqlBool>`not (coalesce(${ref}, '{}') && ${v as string[]}::text[])`;
    case 'is_true':
      return sql<SqlBool>`coalesce(${ref}, false)`;
    case 'is_false':
      return sql<SqlBool>`not coalesce(${ref}, false)`;
    default:
      throw new Error(`operator ${rule.op} does not compare a value: the field needs its own where`);
  }
}

/**
 * Whether a customer with no row in the field's table (no order in the
 * period, not a member) matches the rule, where the field then reads `absent`
 * (0 for a count or a sum, null for a column): as compareValue would answer.
 */
export function absentMatches(rule: CheckedRule, absent: 0 | null): boolean {
  const v = rule.value;
  if (absent === null) {
    return ['is_not_set', 'neq', 'not_contains', 'not_in', 'not_in_last_days', 'has_none', 'is_false'].includes(
      rule.op,
    );
  }
  const n = Number(v);
  switch (rule.op) {
    case 'eq':
      return n === 0;
    case 'neq':
      return n !== 0;
    case 'gt':
      return 0 > n;
    case 'gte':
      return 0 >= n;
    case 'lt':
      return 0 < n;
    case 'lte':
      return 0 <= n;
    case 'between': {
      const [from, to] = (v as [number, number]).map(Number) as [number, number];
      return from <= 0 && 0 <= to;
    }
    default:
      return false;
  }
}

/**
 * The rule as a set of customer ids, read from a module's table in one pass
 * (an uncorrelated subquery the planner hashes, also inside an OR): `ids(test)`
 * gives the ids of the customers whose rows pass `test` (a where or a having).
 * When a customer without rows matches too (`absent`), it is "not among those
 * whose rows fail".
 */
export function customerIdsWhere(
  eb: SegmentEb,
  rule: CheckedRule,
  absent: 0 | null,
  ids: (test: (value: Expression<unknown>) => Expression<SqlBool>) => Expression<unknown>,
  type: SegmentFieldType,
  env: SegmentEnv,
): Expression<SqlBool> {
  const test = (value: Expression<unknown>) => compareValue(eb, value, type, rule, env.now);
  if (!absentMatches(rule, absent)) return sql<SqlBool>`c.id in (${ids(test)})`;
  return sql<SqlBool>`c.id not in (${ids((value) => sql<SqlBool>`not (${test(value)})`)})`;
}

/** The start of a rule's period (`withinDays` before `now`), or null for all time. */
export function periodStart(rule: CheckedRule, now: Date): Date | null {
  return rule.withinDays ? daysBefore(now, rule.withinDays) : null;
}
