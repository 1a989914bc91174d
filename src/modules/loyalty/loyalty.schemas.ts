import { z } from 'zod';
import { instant } from '../../platform/replies.ts';

// The loyalty club's API: its settings and tiers, its members and their points.

const points = z.number().int().min(-10_000_000).max(10_000_000);
const text = (max: number) => z.string().trim().max(max);

const tierBody = z
  .object({
    id: z.uuid().optional(),
    name: text(60).min(1),
    /** Points, or agorot spent, in the qualification period. */
    threshold: z.number().int().min(0).max(10_000_000_000),
    earnMultiplierPct: z.number().int().min(0).max(1000).default(100),
    birthdayPoints: z.number().int().min(0).max(1_000_000).default(0),
    earlyAccess: z.boolean().default(false),
    perks: text(500).default(''),
  })
  .strict();

export const programBody = z
  .object({
    name: text(80).min(1),
    status: z.enum(['active', 'paused']).default('active'),
    earnPoints: z.number().int().min(1).max(1000).default(1),
    earnPerAgorot: z.number().int().min(1).max(1_000_000).default(100),
    redeemPoints: z.number().int().min(1).max(1_000_000).default(100),
    redeemValueAgorot: z.number().int().min(0).max(100_000_000).default(500),
    pendingDays: z.number().int().min(0).max(365).default(14),
    expiryMode: z.enum(['none', 'batch', 'inactivity']).default('batch'),
    expiryMonths: z.number().int().min(1).max(120).default(24),
    expiryWarningDays: z.number().int().min(0).max(365).default(30),
    qualification: z.enum(['rolling_12', 'calendar_year', 'lifetime']).default('rolling_12'),
    tierBasis: z.enum(['points', 'spend']).default('spend'),
    downgrade: z.enum(['one_tier', 'replace']).default('one_tier'),
    joinTerms: text(2000).default(''),
    tiers: z.array(tierBody).max(10).default([]),
  })
  .strict();
export type ProgramBody = z.output<typeof programBody>;

const tierSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  rank: z.number().int(),
  threshold: z.number().int(),
  earnMultiplierPct: z.number().int(),
  birthdayPoints: z.number().int(),
  earlyAccess: z.boolean(),
  perks: z.string(),
});

export const programSchema = z.strictObject({
  name: z.string(),
  status: z.enum(['active', 'paused']),
  earnPoints: z.number().int(),
  earnPerAgorot: z.number().int(),
  redeemPoints: z.number().int(),
  redeemValueAgorot: z.number().int(),
  pendingDays: z.number().int(),
  expiryMode: z.enum(['none', 'batch', 'inactivity']),
  expiryMonths: z.number().int(),
  expiryWarningDays: z.number().int(),
  qualification: z.enum(['rolling_12', 'calendar_year', 'lifetime']),
  tierBasis: z.enum(['points', 'spend']),
  downgrade: z.enum(['one_tier', 'replace']),
  joinTerms: z.string(),
  /** The club's part of its public addresses: /club/<publicKey>/join, /club/<publicKey>. */
  publicKey: z.string(),
  tiers: z.array(tierSchema),
  updatedAt: instant,
});

export const enrollBody = z
  .object({
    customerId: z.uuid(),
    /** The member agreed to the club's messages (points earned, expiry warnings, members' offers). */
    messagesConsent: z.boolean().default(false),
    /** A member's referral code the customer gave on joining: the member referred a friend (loyalty.referrals.ts). */
    referralCode: z.string().trim().min(1).max(40).optional(),
  })
  .strict();

const tierRef = z.strictObject({ id: z.uuid(), name: z.string(), rank: z.number().int() }).nullable();

/** A member as the members list shows it. */
export const memberSchema = z.strictObject({
  customerId: z.uuid(),
  name: z.string().nullable(),
  status: z.enum(['active', 'left', 'merged']),
  source: z.enum(['staff', 'api', 'portal', 'import', 'demo']),
  joinedAt: instant,
  tier: tierRef,
  available: z.number().int(),
  pending: z.number().int(),
  lifetimePoints: z.number().int(),
  lastActivityAt: instant,
  referralCode: z.string(),
  messagesConsent: z.boolean(),
});

/** One member's standing: balance, what is pending and when it comes, and how far the next tier is. */
export const memberDetailSchema = memberSchema.extend({
  /** Available points in shekels at the club's redemption rate ("12.50"). */
  availableValue: z.string(),
  inDebt: z.boolean(),
  pendingLots: z.array(z.strictObject({ points: z.number().int(), releaseAt: instant })),
  expiringSoon: z.array(z.strictObject({ points: z.number().int(), expiresAt: instant })),
  qualifyingValue: z.number().int(),
  tierBasis: z.enum(['points', 'spend']),
  tierReviewAt: instant.nullable(),
  nextTier: z.strictObject({ id: z.uuid(), name: z.string(), remaining: z.number().int() }).nullable(),
});

export const ledgerLineSchema = z.strictObject({
  id: z.uuid(),
  kind: z.enum(['earn', 'release', 'spend', 'void', 'clawback', 'expire', 'adjust', 'merge', 'bonus']),
  occurredAt: instant,
  points: z.number().int(),
  /** Of the points: how many moved between pending and available, for a release. */
  released: z.number().int(),
  releaseAt: instant.nullable(),
  expiresAt: instant.nullable(),
  orderId: z.uuid().nullable(),
  note: z.string(),
});

export const listMembersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    tierId: z.uuid().optional(),
  })
  .strict();

export const ledgerQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const adjustmentBody = z
  .object({
    points: points.refine((p) => p !== 0, { message: 'loyalty:points.zero' }),
    note: text(300).min(1),
  })
  .strict();

export const customerIdParams = z.object({ customerId: z.uuid() }).strict();
