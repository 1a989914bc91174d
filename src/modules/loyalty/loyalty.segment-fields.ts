import { type SqlBool, sql } from 'kysely';
import {
  type CheckedRule,
  customerIdsWhere,
  type SegmentEb,
  type SegmentEnv,
  type SegmentFieldSpec,
  type SegmentFieldType,
} from '../../platform/segment-fields.ts';
import { findProgram } from './loyalty.program.ts';

/*
 * What a segment may test of a customer's standing in the club: whether an
 * active member, the tier, points available and pending, lifetime points,
 * when they joined and were last active. A customer who is not an active
 * member has no tier or points (unset), so "balance under 100" does not take
 * in people outside the club; "not a member" says that.
 */

type MemberColumn = 'tier_id' | 'available' | 'pending' | 'lifetime_points' | 'joined_at' | 'last_activity_at';

/** A rule on one column of the customer's active membership, read in one pass over the members (unset for others). */
const memberColumn =
  (column: MemberColumn, type: SegmentFieldType) => (eb: SegmentEb, rule: CheckedRule, env: SegmentEnv) =>
    customerIdsWhere(
      eb,
      rule,
      null,
      (test) =>
        eb
          .selectFrom('loyalty_members as lm')
          .select('lm.customer_id')
          .where('lm.workspace_id', '=', env.workspaceId)
          .where('lm.status', '=', 'active')
          .where(test(sql.ref(`lm.${column}`))),
      type,
      env,
    );

export const loyaltySegmentFields = {
  'loyalty.member': {
    type: 'boolean',
    label: { he: 'חבר/ת מועדון', en: 'Club member' },
    where: (eb, rule, env) => {
      const members = eb
        .selectFrom('loyalty_members as lm')
        .select('lm.customer_id')
        .where('lm.workspace_id', '=', env.workspaceId)
        .where('lm.status', '=', 'active');
      return rule.op === 'is_true' ? sql<SqlBool>`c.id in (${members})` : sql<SqlBool>`c.id not in (${members})`;
    },
  },
  'loyalty.tier': {
    type: 'enum',
    label: { he: 'דרגה במועדון', en: 'Club tier' },
    loadOptions: async (trx, ctx) =>
      ((await findProgram(trx, ctx))?.tiers ?? []).map((t) => ({ value: t.id, he: t.name, en: t.name })),
    where: memberColumn('tier_id', 'enum'),
  },
  'loyalty.available': {
    type: 'number',
    label: { he: 'נקודות זמינות', en: 'Points available' },
    where: memberColumn('available', 'number'),
  },
  'loyalty.pending': {
    type: 'number',
    label: { he: 'נקודות בהמתנה', en: 'Points pending' },
    where: memberColumn('pending', 'number'),
  },
  'loyalty.lifetime_points': {
    type: 'number',
    label: { he: 'נקודות שנצברו מאז ההצטרפות', en: 'Points earned since joining' },
    where: memberColumn('lifetime_points', 'number'),
  },
  'loyalty.joined_at': {
    type: 'date',
    label: { he: 'הצטרף/ה למועדון', en: 'Joined the club' },
    where: memberColumn('joined_at', 'date'),
  },
  'loyalty.last_activity_at': {
    type: 'date',
    label: { he: 'פעילות אחרונה במועדון', en: 'Last club activity' },
    where: memberColumn('last_activity_at', 'date'),
  },
} as const satisfies Record<string, SegmentFieldSpec>;
