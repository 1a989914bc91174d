import type { Migration } from 'kysely';
import * as campaigns from './migrations/20261204_100000_campaigns.ts';

/** The campaigns module's schema changes, by their names in kysely_migration. */
export const campaignsMigrations: Record<string, Migration> = {
  '20261204_100000_campaigns': campaigns,
};
