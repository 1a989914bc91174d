import type { Migration } from 'kysely';
import * as ordersOnTimeline from './migrations/20261124_0004_orders_on_timeline.ts';
import * as orderAmounts from './migrations/20261201_0013_order_amounts.ts';
import * as orderAddresses from './migrations/20261201_0015_order_addresses.ts';
import * as segmentIndexes from './migrations/20261204_091000_segment_indexes.ts';

/** The commerce module's schema changes, by their names in kysely_migration. */
export const commerceMigrations: Record<string, Migration> = {
  '20261124_0004_orders_on_timeline': ordersOnTimeline,
  '20261201_0013_order_amounts': orderAmounts,
  '20261201_0015_order_addresses': orderAddresses,
  '20261204_091000_segment_indexes': segmentIndexes,
};
