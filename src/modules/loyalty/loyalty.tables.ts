import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Moment = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: PostgreSQL sends it as a string; the code writes numbers or strings. */
type Count = ColumnType<string, number | string | bigint | undefined, number | string | bigint>;

export type ExpiryMode = 'none' | 'batch' | 'inactivity';
export type Qualification = 'rolling_12' | 'calendar_year' | 'lifetime';
export type TierBasis = 'points' | 'spend';
export type DowngradePolicy = 'one_tier' | 'replace';
export type MemberSource = 'staff' | 'api' | 'portal' | 'import' | 'demo';
export type LedgerKind = 'earn' | 'release' | 'spend' | 'void' | 'clawback' | 'expire' | 'adjust' | 'merge' | 'bonus';
export type LedgerAccount = 'member.pending' | 'member.available' | 'club.issued' | 'club.redeemed' | 'club.expired';

export type LoyaltyProgramTable = {
  workspace_id: string;
  name: string;
  status: Generated<'active' | 'paused'>;
  /** `earn_points` points for every `earn_per_agorot` agorot spent (1 per 100: a point a shekel). */
  earn_points: Generated<number>;
  earn_per_agorot: Generated<number>;
  /** `redeem_points` points are worth `redeem_value_agorot` agorot (100 points = 500 agorot). */
  redeem_points: Generated<number>;
  redeem_value_agorot: Generated<number>;
  pending_days: Generated<number>;
  expiry_mode: Generated<ExpiryMode>;
  expiry_months: Generated<number>;
  expiry_warning_days: Generated<number>;
  qualification: Generated<Qualification>;
  tier_basis: Generated<TierBasis>;
  downgrade: Generated<DowngradePolicy>;
  join_terms: Generated<string>;
  /** The club's part of its public addresses (/club/<key>/join), random and unique; set by the column's default. */
  public_key: Generated<string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyTierTable = {
  workspace_id: string;
  id: string;
  name: string;
  /** 1 is the entry tier; each higher rank needs a higher threshold. */
  rank: number;
  /** Points earned, or agorot spent, in the qualification period (the program's tier_basis). */
  threshold: Count;
  earn_multiplier_pct: Generated<number>;
  birthday_points: Generated<number>;
  early_access: Generated<boolean>;
  perks: Generated<string>;
};

export type LoyaltyMemberTable = {
  workspace_id: string;
  customer_id: string;
  status: Generated<'active' | 'left' | 'merged'>;
  source: MemberSource;
  joined_at: Moment;
  tier_id: string | null;
  tier_since: Moment | null;
  /** When the tier is next looked at for a move down (the end of its qualification period). */
  tier_review_at: Moment | null;
  referral_code: string;
  messages_consent: Generated<boolean>;
  merged_into: string | null;
  /** The ledger's sums for this member, kept in the same transaction as each booking. */
  available: Count;
  pending: Count;
  lifetime_points: Count;
  last_activity_at: Moment;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyTransactionTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  kind: LedgerKind;
  /** What caused it (`order:<id>`, `refund:<event id>`, `release:<lot>` ...): the same cause books once. */
  source_key: string;
  occurred_at: Moment;
  /** The change to the member's points, pending and available together. */
  points: Count;
  /** Spend that counts toward a tier (negative for a refund). */
  spend_agorot: Count;
  /** For an earning: when its points become available, and when they expire. */
  release_at: Moment | null;
  expires_at: Moment | null;
  order_id: string | null;
  note: Generated<string>;
  actor: string;
  created_at: CreatedAt;
};

export type LoyaltyEntryTable = {
  workspace_id: string;
  transaction_id: string;
  line_no: number;
  account: LedgerAccount;
  /** The member, for a member's account; null for the club's accounts. */
  customer_id: string | null;
  /** The earning whose points this moves; null for the club's accounts and for a member's debt. */
  lot_id: string | null;
  amount: Count;
  /** The booking's date, as its transaction's (the club's report sums by month from it). */
  occurred_at: Date;
};

export type LoyaltyTierChangeTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  from_tier_id: string | null;
  to_tier_id: string | null;
  from_name: string | null;
  to_name: string | null;
  reason: 'join' | 'upgrade' | 'review' | 'merge';
  occurred_at: Moment;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type LoyaltyTables = {
  loyalty_programs: LoyaltyProgramTable;
  loyalty_tiers: LoyaltyTierTable;
  loyalty_members: LoyaltyMemberTable;
  loyalty_transactions: LoyaltyTransactionTable;
  loyalty_entries: LoyaltyEntryTable;
  loyalty_tier_changes: LoyaltyTierChangeTable;
};

declare module '../../db/schema.ts' {
  interface DB extends LoyaltyTables {}
}
