import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** A branch (a shop, a site) of the business; created by the foundation migration. */
export type BranchTable = {
  workspace_id: string;
  id: string;
  code: string;
  name: string;
  city: string | null;
  created_at: CreatedAt;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type LocationsTables = {
  branches: BranchTable;
};

declare module '../../db/schema.ts' {
  interface DB extends LocationsTables {}
}
