import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Moment = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: PostgreSQL sends it as a string; the code writes numbers or strings. */
type Count = ColumnType<string, number | string | bigint | undefined, number | string | bigint>;
/** A date column (no time): read and written as 'YYYY-MM-DD'. */
type DateOnly = ColumnType<string, string, string>;

export type RuleKind = 'purchase' | 'event';
export type RuleStatus = 'active' | 'paused';
export type RuleTarget = 'product' | 'category';
export type RuleAward = 'per_ils' | 'per_order' | 'multiplier';
export type LimitPeriod = 'ever' | 'day' | 'week' | 'month' | 'year';

export type LoyaltyEarningRuleTable = {
  workspace_id: string;
  id: string;
  name: string;
  kind: RuleKind;
  status: Generated<RuleStatus>;
  starts_at: Moment;
  ends_at: Moment | null;
  /** The tiers whose members it is for; empty for every member. */
  tier_ids: ColumnType<string[], string[] | undefined, string[]>;
  target: RuleTarget | null;
  product_ids: ColumnType<string[], string[] | undefined, string[]>;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  award: RuleAward | null;
  multiplier_pct: number | null;
  event_type: string | null;
  points: number | null;
  pending: Generated<boolean>;
  max_per_member: number | null;
  limit_period: Generated<LimitPeriod>;
  max_total: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyRuleAwardTable = {
  workspace_id: string;
  id: string;
  rule_id: string;
  customer_id: string;
  transaction_id: string;
  order_id: string | null;
  event_type: string | null;
  event_key: string | null;
  points: Count;
  occurred_at: Moment;
  local_date: DateOnly;
  created_at: CreatedAt;
};

export type LoyaltyRuleEventTable = {
  workspace_id: string;
  type: string;
  event_key: string;
  customer_id: string;
  occurred_at: Moment;
  points: Count;
  received_at: CreatedAt;
};

/** The earning rules, their awards and the events received: tables of the loyalty module (src/platform/walls.test.ts). */
export type RulesTables = {
  loyalty_earning_rules: LoyaltyEarningRuleTable;
  loyalty_rule_awards: LoyaltyRuleAwardTable;
  loyalty_rule_events: LoyaltyRuleEventTable;
};

declare module '../../db/schema.ts' {
  interface DB extends RulesTables {}
}
