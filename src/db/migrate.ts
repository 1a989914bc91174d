import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as foundation from './migrations/20261124_0001_foundation.ts';
import * as eventDeliveries from './migrations/20261124_0002_event_deliveries.ts';
import * as invitationsByMachine from './migrations/20261124_0003_invitations_by_machine.ts';
import * as ordersOnTimeline from './migrations/20261124_0004_orders_on_timeline.ts';
import * as customerPage from './migrations/20261124_0005_customer_page.ts';
import * as digitParts from './migrations/20261124_0006_digit_parts.ts';
import * as customersFillfactor from './migrations/20261124_0007_customers_fillfactor.ts';
import * as pageChanges from './migrations/20261124_0008_page_changes.ts';
import * as customerEventsOnTimeline from './migrations/20261124_0009_customer_events_on_timeline.ts';
import * as auditLogByTime from './migrations/20261124_0010_audit_log_by_time.ts';
import * as loginThrottle from './migrations/20261201_0011_login_throttle.ts';
import * as orderAmounts from './migrations/20261201_0013_order_amounts.ts';
import * as consentErasure from './migrations/20261201_0014_consent_erasure.ts';
import * as orderAddresses from './migrations/20261201_0015_order_addresses.ts';

const migrations: Record<string, Migration> = {
  '20261124_0001_foundation': foundation,
  '20261124_0002_event_deliveries': eventDeliveries,
  '20261124_0003_invitations_by_machine': invitationsByMachine,
  '20261124_0004_orders_on_timeline': ordersOnTimeline,
  '20261124_0005_customer_page': customerPage,
  '20261124_0006_digit_parts': digitParts,
  '20261124_0007_customers_fillfactor': customersFillfactor,
  '20261124_0008_page_changes': pageChanges,
  '20261124_0009_customer_events_on_timeline': customerEventsOnTimeline,
  '20261124_0010_audit_log_by_time': auditLogByTime,
  '20261201_0011_login_throttle': loginThrottle,
  '20261201_0013_order_amounts': orderAmounts,
  '20261201_0014_consent_erasure': consentErasure,
  '20261201_0015_order_addresses': orderAddresses,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema to the latest version; the only way the schema changes. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
