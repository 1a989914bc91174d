import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { eventTypePattern } from './loyalty.rules.ts';

// Earning rules (/loyalty/rules) and the events that feed them (/loyalty/events).

const text = (max: number) => z.string().trim().max(max);

/** A moment a business record can hold: 1900 to 2999 (the ISO form alone lets through year 0000). */
const moment = z.iso
  .datetime({ offset: true })
  .refine(
    (v) => {
      const at = Date.parse(v);
      return at >= Date.UTC(1900, 0, 1) && at < Date.UTC(3000, 0, 1);
    },
    { message: 'klient:date.out_of_range' },
  )
  .transform((v) => new Date(v));

const eventType = z.string().trim().regex(eventTypePattern, { message: 'loyalty:rules.errors.eventType' });

/**
 * A rule as a manager writes it, whole (PUT replaces it whole, status included:
 * pausing is a PUT with status 'paused'). A purchase rule names its target
 * (products by id, or categories by name) and its award: `points` per shekel
 * of the matching lines (per_ils), `points` once per order with such a line
 * (per_order), or the lines' points times `multiplierPct` (multiplier, 200 for
 * double). An event rule names its event and gives `points` per event.
 */
export const ruleBody = z
  .object({
    name: text(120).min(1),
    kind: z.enum(['purchase', 'event']),
    status: z.enum(['active', 'paused']).default('active'),
    /** When it starts (now when left out) and ends (null: no end). */
    startsAt: moment.optional(),
    endsAt: moment.nullable().default(null),
    /** The tiers whose members it is for; empty for every member. */
    tierIds: z.array(z.uuid()).max(20).default([]),
    target: z.enum(['product', 'category']).nullable().default(null),
    productIds: z.array(z.uuid()).max(500).default([]),
    categories: z.array(text(120).min(1)).max(100).default([]),
    award: z.enum(['per_ils', 'per_order', 'multiplier']).nullable().default(null),
    eventType: eventType.nullable().default(null),
    points: z.number().int().min(1).max(1_000_000).nullable().default(null),
    multiplierPct: z.number().int().min(101).max(1000).nullable().default(null),
    /** An event's points wait out the return window (purchase points always follow their order). */
    pending: z.boolean().default(false),
    /** Times one member may be awarded, ever or per period; null for no limit. */
    maxPerMember: z.number().int().min(1).max(1_000_000).nullable().default(null),
    limitPeriod: z.enum(['ever', 'day', 'week', 'month', 'year']).default('ever'),
    /** Awards in all; null for no limit. */
    maxTotal: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
  })
  .strict();
export type RuleBody = z.output<typeof ruleBody>;

export const ruleSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['purchase', 'event']),
  status: z.enum(['active', 'paused']),
  startsAt: instant,
  endsAt: instant.nullable(),
  tierIds: z.array(z.uuid()),
  target: z.enum(['product', 'category']).nullable(),
  productIds: z.array(z.uuid()),
  categories: z.array(z.string()),
  award: z.enum(['per_ils', 'per_order', 'multiplier']).nullable(),
  eventType: z.string().nullable(),
  points: z.number().int().nullable(),
  multiplierPct: z.number().int().nullable(),
  pending: z.boolean(),
  maxPerMember: z.number().int().nullable(),
  limitPeriod: z.enum(['ever', 'day', 'week', 'month', 'year']),
  maxTotal: z.number().int().nullable(),
  /** Awards made so far, and their points. */
  awards: z.number().int(),
  awardedPoints: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});
export type Rule = z.output<typeof ruleSchema>;

export const rulesListSchema = z.strictObject({ items: z.array(ruleSchema) });

export const listRulesQuery = z
  .object({
    kind: z.enum(['purchase', 'event']).optional(),
    status: z.enum(['active', 'paused']).optional(),
  })
  .strict();

export const ruleIdParams = z.object({ id: z.uuid() }).strict();

/** An event from a till, web store or survey tool: the same type and eventId award once. */
export const eventBody = z
  .object({
    customerId: z.uuid(),
    type: eventType,
    eventId: text(200).min(1),
    occurredAt: moment.optional(),
  })
  .strict();

export const eventOutcomeSchema = z.strictObject({
  /** True when this type and eventId came before: nothing more was awarded, and the first time's awards are shown. */
  duplicate: z.boolean(),
  points: z.number().int(),
  awards: z.array(
    z.strictObject({ ruleId: z.uuid(), name: z.string(), points: z.number().int(), pending: z.boolean() }),
  ),
});
