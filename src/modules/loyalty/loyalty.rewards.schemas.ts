import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { benefitFields, benefitReply, codeInput } from './loyalty.coupons.schemas.ts';

// The rewards catalog and the members-only coupon campaigns.

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

const rewardFields = {
  name: text(120).min(1),
  description: text(1000),
  ...benefitFields,
  pointsCost: z.number().int().min(1).max(100_000_000),
  /** The lowest tier (by rank, 1 the entry tier) that may redeem it; null for every member. */
  minTierRank: z.number().int().min(1).max(100).nullable(),
  /** How many may still be redeemed; null for no limit. */
  stock: z.number().int().min(0).max(100_000_000).nullable(),
  perMemberLimit: z.number().int().min(1).max(10_000).nullable(),
  startsAt: moment.nullable(),
  endsAt: moment.nullable(),
  /** A coupon is good for this many days after it is bought; null for no end. */
  couponValidDays: z.number().int().min(1).max(3650).nullable(),
  active: z.boolean(),
};

export const createRewardBody = z
  .object(rewardFields)
  .partial()
  .required({ name: true, kind: true, pointsCost: true })
  .strict();
export type CreateRewardBody = z.output<typeof createRewardBody>;

export const updateRewardBody = z.object(rewardFields).partial().strict();
export type UpdateRewardBody = z.output<typeof updateRewardBody>;

export const rewardSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  ...benefitReply,
  pointsCost: z.number().int(),
  minTierRank: z.number().int().nullable(),
  stock: z.number().int().nullable(),
  redeemed: z.number().int(),
  perMemberLimit: z.number().int().nullable(),
  startsAt: instant.nullable(),
  endsAt: instant.nullable(),
  couponValidDays: z.number().int().nullable(),
  active: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
});

export const listRewardsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    active: z.enum(['true', 'false']).optional(),
  })
  .strict();

export const redeemRewardBody = z.object({ customerId: z.uuid() }).strict();

const campaignFields = {
  name: text(120).min(1),
  description: text(1000),
  ...benefitFields,
  /** One shared code that each eligible member uses once, or a pool of single-use codes. */
  mode: z.enum(['shared', 'pool']),
  /** The shared code, as the business wants it printed ("SUMMER25"); made up when not given. */
  code: codeInput,
  /** How many single-use codes a pool starts with (more with POST …/codes). */
  poolSize: z.number().int().min(0).max(1000),
  /** The lowest tier (by rank) the campaign is for; null for every member. */
  minTierRank: z.number().int().min(1).max(100).nullable(),
  startsAt: moment,
  endsAt: moment,
  /** Uses over all members; null for no limit. */
  maxUses: z.number().int().min(1).max(100_000_000).nullable(),
  active: z.boolean(),
};

export const createCampaignBody = z
  .object(campaignFields)
  .partial()
  .required({ name: true, kind: true, mode: true, startsAt: true, endsAt: true })
  .strict();
export type CreateCampaignBody = z.output<typeof createCampaignBody>;

// A campaign's benefit is on its codes already given out: it stays as it was made.
export const updateCampaignBody = z
  .object({
    name: campaignFields.name,
    description: campaignFields.description,
    minTierRank: campaignFields.minTierRank,
    startsAt: campaignFields.startsAt,
    endsAt: campaignFields.endsAt,
    maxUses: campaignFields.maxUses,
    active: campaignFields.active,
  })
  .partial()
  .strict();
export type UpdateCampaignBody = z.output<typeof updateCampaignBody>;

export const campaignSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  ...benefitReply,
  mode: z.enum(['shared', 'pool']),
  /** The shared code (null for a pool). */
  code: z.string().nullable(),
  /** How many codes it has: 1 shared, or the pool's. */
  codes: z.number().int(),
  minTierRank: z.number().int().nullable(),
  startsAt: instant,
  endsAt: instant,
  maxUses: z.number().int().nullable(),
  used: z.number().int(),
  active: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
});

export const listCampaignsQuery = listRewardsQuery;

export const addCodesBody = z.object({ count: z.number().int().min(1).max(1000) }).strict();

export const idParams = z.object({ id: z.uuid() }).strict();
