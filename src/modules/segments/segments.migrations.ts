import type { Migration } from 'kysely';
import * as segments from './migrations/20261204_090000_segments.ts';

/** The segments module's schema changes, by their names in kysely_migration. */
export const segmentsMigrations: Record<string, Migration> = {
  '20261204_090000_segments': segments,
};
