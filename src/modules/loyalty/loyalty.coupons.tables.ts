import type { ColumnType, Generated, GeneratedAlways } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Moment = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: PostgreSQL sends it as a string; the code writes numbers or strings. */
type Count = ColumnType<string, number | string | bigint | undefined, number | string | bigint>;
type MaybeCount = ColumnType<
  string | null,
  number | string | bigint | null | undefined,
  number | string | bigint | null
>;

export type BenefitKind = 'percent_discount' | 'amount_discount' | 'gift' | 'free_delivery';
export type CampaignMode = 'shared' | 'pool';
export type CouponStatus = 'active' | 'used' | 'voided';

/** What a coupon takes off a basket; the same columns on rewards, campaigns and coupons. */
type BenefitColumns = {
  kind: BenefitKind;
  percent_off: number | null;
  amount_off_agorot: MaybeCount;
  /** The basket line a gift or free delivery makes free. */
  item_sku: string | null;
  min_basket_agorot: Count;
  max_discount_agorot: MaybeCount;
};

export type LoyaltyRewardTable = BenefitColumns & {
  workspace_id: string;
  id: string;
  name: string;
  description: Generated<string>;
  points_cost: Count;
  min_tier_rank: number | null;
  /** What may still be redeemed; null for no limit. */
  stock_left: number | null;
  redeemed_count: Generated<number>;
  per_member_limit: number | null;
  starts_at: Moment | null;
  ends_at: Moment | null;
  coupon_valid_days: number | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyCampaignTable = BenefitColumns & {
  workspace_id: string;
  id: string;
  name: string;
  description: Generated<string>;
  mode: CampaignMode;
  min_tier_rank: number | null;
  starts_at: Moment;
  ends_at: Moment;
  max_uses: number | null;
  used_count: Generated<number>;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyCouponTable = BenefitColumns & {
  workspace_id: string;
  id: string;
  code: string;
  /** upper(code), made by the database: codes are unique and found whatever their case. */
  code_key: GeneratedAlways<string>;
  reward_id: string | null;
  campaign_id: string | null;
  customer_id: string | null;
  multi_use: Generated<boolean>;
  status: Generated<CouponStatus>;
  name: string;
  points_cost: Count;
  spend_transaction_id: string | null;
  expires_at: Moment | null;
  used_at: Moment | null;
  voided_at: Moment | null;
  created_at: CreatedAt;
};

export type LoyaltyCouponUseTable = {
  workspace_id: string;
  id: string;
  coupon_id: string;
  campaign_id: string | null;
  customer_id: string | null;
  /** The order's id in the till or web store. */
  order_id: string;
  basket_total_agorot: Count;
  discount_agorot: Count;
  used_at: Moment;
  actor: string;
};

/** The rewards catalog, campaigns and coupons: tables of the loyalty module (src/platform/walls.test.ts). */
export type CouponsTables = {
  loyalty_rewards: LoyaltyRewardTable;
  loyalty_campaigns: LoyaltyCampaignTable;
  loyalty_coupons: LoyaltyCouponTable;
  loyalty_coupon_uses: LoyaltyCouponUseTable;
};

declare module '../../db/schema.ts' {
  interface DB extends CouponsTables {}
}
