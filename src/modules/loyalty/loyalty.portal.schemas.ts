import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { benefitReply, couponSchema } from './loyalty.coupons.schemas.ts';

// The public join page and the member portal's API, under /club/:publicKey. Nothing here names a workspace.

const text = (max: number) => z.string().trim().max(max);

export const clubParams = z
  .object({
    publicKey: z
      .string()
      .min(20)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
  })
  .strict();
export const clubRewardParams = clubParams.extend({ id: z.uuid() }).strict();

/** The email or phone a person gives; at least one (the service names the field when neither). */
const contact = {
  email: text(254).optional(),
  phone: text(40).optional(),
};

export const joinBody = z
  .object({
    firstName: text(80).min(1),
    lastName: text(80).optional(),
    ...contact,
    /** The club's terms accepted: without it there is no joining. */
    acceptTerms: z.boolean(),
    /** Agreed to the club's messages (points earned, expiry warnings, members' offers): a separate checkbox. */
    messagesConsent: z.boolean().default(false),
    /** The referring member's code, from the share link's ?ref=. */
    ref: text(40).optional(),
  })
  .strict();
export type JoinBody = z.output<typeof joinBody>;

export const loginBody = z.object(contact).strict();
export type LoginBody = z.output<typeof loginBody>;

export const verifyBody = z
  .object({
    ...contact,
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, { message: 'klient:invalid' }),
  })
  .strict();
export type VerifyBody = z.output<typeof verifyBody>;

export const consentBody = z.object({ messages: z.boolean() }).strict();

export const historyQuery = z
  .object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(50).default(20) })
  .strict();

/** The club's public face: what the join page shows before anyone signs in. */
export const clubSchema = z.strictObject({
  name: z.string(),
  joinTerms: z.string(),
  /** The exact text of the club-messages checkbox, in the language asked for; what the consent history records. */
  messagesConsentText: z.string(),
  status: z.enum(['active', 'paused']),
  earnPoints: z.number().int(),
  earnPerAgorot: z.number().int(),
  redeemPoints: z.number().int(),
  redeemValueAgorot: z.number().int(),
  tierBasis: z.enum(['points', 'spend']),
  tiers: z.array(
    z.strictObject({
      name: z.string(),
      rank: z.number().int(),
      threshold: z.number().int(),
      earnMultiplierPct: z.number().int(),
      birthdayPoints: z.number().int(),
      earlyAccess: z.boolean(),
      perks: z.string(),
    }),
  ),
  rewards: z.array(
    z.strictObject({
      id: z.uuid(),
      name: z.string(),
      description: z.string(),
      pointsCost: z.number().int(),
      minTierRank: z.number().int().nullable(),
    }),
  ),
});

/** The same for a new member and one who was already (the page tells nobody who is a member). */
export const joinReplySchema = z.strictObject({ joined: z.literal(true), clubName: z.string() });
export const codeSentSchema = z.strictObject({ sent: z.literal(true), expiresInMinutes: z.number().int() });
export const signedInSchema = z.strictObject({ expiresAt: instant });

const portalLedgerLine = z.strictObject({
  id: z.uuid(),
  kind: z.enum(['earn', 'release', 'spend', 'void', 'clawback', 'expire', 'adjust', 'merge', 'bonus']),
  occurredAt: instant,
  points: z.number().int(),
  released: z.number().int(),
  releaseAt: instant.nullable(),
  expiresAt: instant.nullable(),
  /** What was bought, for a spend; staff notes on other bookings stay with the staff. */
  label: z.string().nullable(),
});
export const historySchema = z.strictObject({ items: z.array(portalLedgerLine), nextCursor: z.string().nullable() });

export const portalRewardSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  ...benefitReply,
  pointsCost: z.number().int(),
  minTierRank: z.number().int().nullable(),
  endsAt: instant.nullable(),
  /** Whether the member may redeem it now; when not, why. */
  eligible: z.boolean(),
  reason: z.enum(['points', 'tier', 'stock', 'limit', 'dates']).nullable(),
});

/** What a signed-in member sees of themselves. */
export const portalMeSchema = z.strictObject({
  club: z.strictObject({ name: z.string(), redeemPoints: z.number().int(), redeemValueAgorot: z.number().int() }),
  name: z.string().nullable(),
  available: z.number().int(),
  availableValue: z.string(),
  pending: z.number().int(),
  pendingLots: z.array(z.strictObject({ points: z.number().int(), releaseAt: instant })),
  expiringSoon: z.array(z.strictObject({ points: z.number().int(), expiresAt: instant })),
  tier: z.strictObject({ name: z.string(), rank: z.number().int(), threshold: z.number().int() }).nullable(),
  tierBasis: z.enum(['points', 'spend']),
  /** Points earned, or agorot spent, in the qualification period: the progress bar's value. */
  qualifyingValue: z.number().int(),
  nextTier: z.strictObject({ name: z.string(), threshold: z.number().int(), remaining: z.number().int() }).nullable(),
  history: historySchema,
  rewards: z.array(portalRewardSchema),
  coupons: z.array(couponSchema),
  referral: z.strictObject({
    code: z.string(),
    link: z.string().nullable(),
    enabled: z.boolean(),
    referrerPoints: z.number().int(),
    friendPoints: z.number().int(),
  }),
  messagesConsent: z.boolean(),
});

export const consentReplySchema = z.strictObject({ messagesConsent: z.boolean() });
