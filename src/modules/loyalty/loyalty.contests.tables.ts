import type { ColumnType, Generated } from 'kysely';

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
type JsonOf<T> = ColumnType<T, string, string>;

export type ContestKind = 'draw' | 'skill';
export type ContestStatus = 'draft' | 'open' | 'closed' | 'drawn';
export type ContestProcedure = 'hmac-sha256-rank-v1' | 'judged';

/** One winner as the result keeps it: the member, its place (1 first), and the judges' note for a skill contest. */
export type StoredWinner = { customerId: string; rank: number; note: string };

export type LoyaltyContestTable = {
  workspace_id: string;
  id: string;
  name: string;
  description: Generated<string>;
  prize: string;
  kind: ContestKind;
  question: Generated<string>;
  /** Tiers whose members may take part; empty for every member. */
  tier_ids: JsonOf<string[]>;
  min_lifetime_points: MaybeCount;
  min_available_points: MaybeCount;
  joined_before: Moment | null;
  entry_cost_points: Count;
  winners_count: number;
  opens_at: Moment;
  closes_at: Moment;
  status: Generated<ContestStatus>;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type LoyaltyContestEntryTable = {
  workspace_id: string;
  contest_id: string;
  customer_id: string;
  answer: Generated<string>;
  points_paid: Count;
  spend_transaction_id: string | null;
  entered_at: Moment;
  actor: string;
};

/** A contest's result: at most one per contest (its primary key), so a contest is decided once. */
export type LoyaltyContestResultTable = {
  workspace_id: string;
  contest_id: string;
  procedure: ContestProcedure;
  seed: string | null;
  /** Customer ids, ascending, as they were frozen when the contest was decided. */
  entrants: JsonOf<string[]>;
  entrants_count: number;
  entrants_digest: string;
  winners: JsonOf<StoredWinner[]>;
  decided_by: string;
  decided_by_name: string;
  decided_at: Moment;
};

/** The tables this part owns (the loyalty module's): no other module writes SQL against them. */
export type LoyaltyContestTables = {
  loyalty_contests: LoyaltyContestTable;
  loyalty_contest_entries: LoyaltyContestEntryTable;
  loyalty_contest_results: LoyaltyContestResultTable;
};

declare module '../../db/schema.ts' {
  interface DB extends LoyaltyContestTables {}
}
