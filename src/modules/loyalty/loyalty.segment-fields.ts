import type { SegmentEb, SegmentFieldSpec } from '../../platform/segment-fields.ts';
import { findProgram } from './loyalty.program.ts';

/*
 * What a segment may test of a customer's standing in the club: whether an
 * active member, the tier, points available and pending, lifetime points,
 * when they joined and were last active. A customer who is not an active
 * member has no tier or points (unset), so "balance under 100" does not take
 * in people outside the club; "not a member" says that.
 */

/** One of the customer's active membership's columns (a scalar subquery: one row at most, by its key). */
const memberColumn =
  (column: 'tier_id' | 'available' | 'pending' | 'lifetime_points' | 'joined_at' | 'last_activity_at') =>
  (eb: SegmentEb) =>
    eb
      .selectFrom('loyalty_members as lm')
      .select(`lm.${column}`)
      .whereRef('lm.workspace_id', '=', 'c.workspace_id')
      .whereRef('lm.customer_id', '=', 'c.id')
      .where('lm.status', '=', 'active');

export const loyaltySegmentFields = {
  'loyalty.member': {
    type: 'boolean',
    label: { he: 'חבר/ת מועדון', en: 'Club member' },
    where: (eb) =>
      eb.exists(
        eb
          .selectFrom('loyalty_members as lm')
          .select('lm.customer_id')
          .whereRef('lm.workspace_id', '=', 'c.workspace_id')
          .whereRef('lm.customer_id', '=', 'c.id')
          .where('lm.status', '=', 'active'),
      ),
  },
  'loyalty.tier': {
    type: 'enum',
    label: { he: 'דרגה במועדון', en: 'Club tier' },
    loadOptions: async (trx, ctx) =>
      ((await findProgram(trx, ctx))?.tiers ?? []).map((t) => ({ value: t.id, he: t.name, en: t.name })),
    value: memberColumn('tier_id'),
  },
  'loyalty.available': {
    type: 'number',
    label: { he: 'נקודות זמינות', en: 'Points available' },
    value: memberColumn('available'),
  },
  'loyalty.pending': {
    type: 'number',
    label: { he: 'נקודות בהמתנה', en: 'Points pending' },
    value: memberColumn('pending'),
  },
  'loyalty.lifetime_points': {
    type: 'number',
    label: { he: 'נקודות שנצברו מאז ההצטרפות', en: 'Points earned since joining' },
    value: memberColumn('lifetime_points'),
  },
  'loyalty.joined_at': {
    type: 'date',
    label: { he: 'הצטרף/ה למועדון', en: 'Joined the club' },
    value: memberColumn('joined_at'),
  },
  'loyalty.last_activity_at': {
    type: 'date',
    label: { he: 'פעילות אחרונה במועדון', en: 'Last club activity' },
    value: memberColumn('last_activity_at'),
  },
} as const satisfies Record<string, SegmentFieldSpec>;
