import type { ColumnType, Generated } from 'kysely';

export type ImportKind = 'customers' | 'orders';
export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';
export type ImportRowError = { row: number; column: string | null; reason: string };

export type ImportTable = {
  workspace_id: string;
  id: string;
  kind: ImportKind;
  filename: string;
  status: Generated<ImportStatus>;
  /** Field → header, or → { value } for one value every row takes (a fixed-value mapping). */
  mapping: ColumnType<Record<string, string | { value: string }>, string, string>;
  encoding: string | null;
  file: Buffer | null;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  inserted_rows: Generated<number>;
  updated_rows: Generated<number>;
  unchanged_rows: Generated<number>;
  error_rows: Generated<number>;
  errors: ColumnType<ImportRowError[], string | undefined, string>;
  failure: string | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  finished_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type ImportsTables = {
  imports: ImportTable;
};

declare module '../../db/schema.ts' {
  interface DB extends ImportsTables {}
}
