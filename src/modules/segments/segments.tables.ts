import type { ColumnType, Generated } from 'kysely';
import type { SegmentRules } from './segments.rules.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Moment = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** How often a saved segment's members are worked out again by the clock (always also on demand). */
export type SegmentSchedule = 'manual' | 'hourly' | 'daily';

/** A saved segment: its rules, and the customers who matched them when it was last refreshed. */
export type SegmentTable = {
  workspace_id: string;
  id: string;
  name: string;
  description: string | null;
  rules: ColumnType<SegmentRules, string, string>;
  schedule: Generated<SegmentSchedule>;
  customer_count: Generated<number>;
  refreshed_at: Moment;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
};

/** One customer in a segment as of its last refresh, and since when without a break. */
export type SegmentMemberTable = {
  workspace_id: string;
  segment_id: string;
  customer_id: string;
  added_at: ColumnType<Date, Date | string, never>;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type SegmentsTables = {
  segments: SegmentTable;
  segment_members: SegmentMemberTable;
};

declare module '../../db/schema.ts' {
  interface DB extends SegmentsTables {}
}
