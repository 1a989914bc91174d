import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { memberDetailSchema } from './loyalty.schemas.ts';

// The referrals API: a friend referred by a member's code, the list, the club's referral settings, a member's link.

const status = z.enum(['pending', 'qualified', 'refused']);
const reason = z.enum(['self_referral', 'already_member', 'already_referred', 'referrals_off', 'merged']);

export const referralSchema = z.strictObject({
  id: z.uuid(),
  referrerId: z.uuid(),
  friendId: z.uuid(),
  /** The code as given; empty once either side was erased. */
  code: z.string(),
  status,
  /** Why a refused referral does not count. */
  reason: reason.nullable(),
  /** The friend's first purchase, which qualified it. */
  orderId: z.uuid().nullable(),
  referrerPoints: z.number().int(),
  friendPoints: z.number().int(),
  referredAt: instant,
  qualifiedAt: instant.nullable(),
});

export const referralListItemSchema = referralSchema.extend({
  referrerName: z.string().nullable(),
  friendName: z.string().nullable(),
});

/** An enrolment's reply: the member, and the referral its code made (absent when none was given). */
export const enrolledMemberSchema = memberDetailSchema.extend({ referral: referralSchema.optional() });

export const listReferralsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    status: status.optional(),
    /** The referrer's customer id. */
    referrerId: z.uuid().optional(),
  })
  .strict();

export const referralSettingsBody = z
  .object({
    enabled: z.boolean(),
    referrerPoints: z.number().int().min(0).max(1_000_000),
    friendPoints: z.number().int().min(0).max(1_000_000),
  })
  .strict();

export const referralSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  referrerPoints: z.number().int(),
  friendPoints: z.number().int(),
  updatedAt: instant.nullable(),
});

export const referralLinkSchema = z.strictObject({
  code: z.string(),
  /** `${publicUrl}/club/${publicKey}/join?ref=${code}`: the club's public join page with the member's code. */
  link: z.string(),
  enabled: z.boolean(),
  referrerPoints: z.number().int(),
  friendPoints: z.number().int(),
});
