import type { Migration } from 'kysely';
import * as catalogue from './migrations/20261201_232000_timeline_catalogue.ts';

/** The timeline module's schema changes, by their names in kysely_migration. */
export const timelineMigrations: Record<string, Migration> = {
  '20261201_232000_timeline_catalogue': catalogue,
};
