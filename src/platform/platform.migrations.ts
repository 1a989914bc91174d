import type { Migration } from 'kysely';
import * as foundation from './migrations/20261124_0001_foundation.ts';
import * as eventDeliveries from './migrations/20261124_0002_event_deliveries.ts';
import * as invitationsByMachine from './migrations/20261124_0003_invitations_by_machine.ts';
import * as auditLogByTime from './migrations/20261124_0010_audit_log_by_time.ts';
import * as loginThrottle from './migrations/20261201_0011_login_throttle.ts';
import * as loginThrottleByEmail from './migrations/20261201_233000_login_throttle_by_email.ts';

/** The platform's schema changes (workspaces, users, keys, audit, events), by their names in kysely_migration. */
export const platformMigrations: Record<string, Migration> = {
  '20261124_0001_foundation': foundation,
  '20261124_0002_event_deliveries': eventDeliveries,
  '20261124_0003_invitations_by_machine': invitationsByMachine,
  '20261124_0010_audit_log_by_time': auditLogByTime,
  '20261201_0011_login_throttle': loginThrottle,
  '20261201_233000_login_throttle_by_email': loginThrottleByEmail,
};
