import type { Migration } from 'kysely';
import * as outbox from './migrations/20261202_021200_outbox.ts';
import * as unsubscribeLinks from './migrations/20261204_095000_unsubscribe_links.ts';
import * as sending from './migrations/20261205_090000_outbox_sending.ts';
import * as timeline from './migrations/20261205_091000_messages_on_timeline.ts';

/** The messaging module's schema changes, by their names in kysely_migration. */
export const messagingMigrations: Record<string, Migration> = {
  '20261202_021200_outbox': outbox,
  '20261204_095000_unsubscribe_links': unsubscribeLinks,
  '20261205_090000_outbox_sending': sending,
  '20261205_091000_messages_on_timeline': timeline,
};
