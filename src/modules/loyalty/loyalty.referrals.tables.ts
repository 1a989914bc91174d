import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Moment = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: PostgreSQL sends it as a string; the code writes numbers or strings. */
type Count = ColumnType<string, number | string | bigint | undefined, number | string | bigint>;

export type ReferralStatus = 'pending' | 'qualified' | 'refused';
/** Why a referral was refused: it is stored with the row and shown on the referrals page and the timeline. */
export type ReferralRefusal = 'self_referral' | 'already_member' | 'already_referred' | 'referrals_off' | 'merged';

export type LoyaltyReferralTable = {
  workspace_id: string;
  id: string;
  /** The member whose code the friend gave (after a merge, the survivor). */
  referrer_customer_id: string;
  friend_customer_id: string;
  /** The code as it was given; blanked when either side is erased. */
  code: string;
  status: ReferralStatus;
  reason: ReferralRefusal | null;
  /** The friend's first purchase, once it qualified the referral. */
  order_id: string | null;
  referrer_points: Count;
  friend_points: Count;
  referred_at: Moment;
  qualified_at: Moment | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyReferralSettingsTable = {
  workspace_id: string;
  enabled: Generated<boolean>;
  /** Points each side gets when the friend's first purchase qualifies the referral. */
  referrer_points: Generated<number>;
  friend_points: Generated<number>;
  updated_at: UpdatedAt;
};

/** Referrals and their settings: tables of the loyalty module (src/platform/walls.test.ts). */
export type ReferralsTables = {
  loyalty_referrals: LoyaltyReferralTable;
  loyalty_referral_settings: LoyaltyReferralSettingsTable;
};

declare module '../../db/schema.ts' {
  interface DB extends ReferralsTables {}
}
