import type { ColumnType } from 'kysely';

export type TimelineEventTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  occurred_at: ColumnType<Date, Date | string, Date | string>;
  type: string;
  ref_id: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type TimelineTables = {
  timeline_events: TimelineEventTable;
};

declare module '../../db/schema.ts' {
  interface DB extends TimelineTables {}
}
