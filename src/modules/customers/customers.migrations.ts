import type { Migration } from 'kysely';
import * as customerPage from './migrations/20261124_0005_customer_page.ts';
import * as digitParts from './migrations/20261124_0006_digit_parts.ts';
import * as customersFillfactor from './migrations/20261124_0007_customers_fillfactor.ts';
import * as pageChanges from './migrations/20261124_0008_page_changes.ts';
import * as customerEventsOnTimeline from './migrations/20261124_0009_customer_events_on_timeline.ts';
import * as consentErasure from './migrations/20261201_0014_consent_erasure.ts';

/** The customers module's schema changes, by their names in kysely_migration. */
export const customersMigrations: Record<string, Migration> = {
  '20261124_0005_customer_page': customerPage,
  '20261124_0006_digit_parts': digitParts,
  '20261124_0007_customers_fillfactor': customersFillfactor,
  '20261124_0008_page_changes': pageChanges,
  '20261124_0009_customer_events_on_timeline': customerEventsOnTimeline,
  '20261201_0014_consent_erasure': consentErasure,
};
