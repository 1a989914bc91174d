import type { CommerceTables } from '../modules/commerce/commerce.tables.ts';
import type {
  ConsentEventTable,
  CustomerIdentityTable,
  CustomerMergeTable,
  CustomerTable,
  NoteTable,
} from '../modules/customers/customers.tables.ts';
import type { ImportTable } from '../modules/imports/imports.tables.ts';
import type { LocationsTables } from '../modules/locations/locations.tables.ts';
import type { LoyaltyTables } from '../modules/loyalty/loyalty.tables.ts';
import type { MessagingTables } from '../modules/messaging/messaging.tables.ts';
import type { TimelineEventTable } from '../modules/timeline/timeline.tables.ts';
import type {
  ApiKeyTable,
  AuditLogTable,
  DomainEventTable,
  EventDeliveryTable,
  IdempotencyKeyTable,
  InvitationTable,
  LoginThrottleTable,
  SessionTable,
  UserTable,
  WorkspaceTable,
} from '../platform/platform.tables.ts';

/** The whole database as Kysely sees it; each module owns its own table types. */
export type DB = CommerceTables &
  LocationsTables &
  LoyaltyTables &
  MessagingTables & {
    workspaces: WorkspaceTable;
    users: UserTable;
    invitations: InvitationTable;
    sessions: SessionTable;
    /** A system table in its own schema, outside the tenant rules of `public`: login happens before a workspace is known. */
    'klient_system.login_throttles': LoginThrottleTable;
    api_keys: ApiKeyTable;
    audit_log: AuditLogTable;
    domain_events: DomainEventTable;
    event_deliveries: EventDeliveryTable;
    idempotency_keys: IdempotencyKeyTable;
    customers: CustomerTable;
    customer_identities: CustomerIdentityTable;
    consent_events: ConsentEventTable;
    notes: NoteTable;
    customer_merges: CustomerMergeTable;
    timeline_events: TimelineEventTable;
    imports: ImportTable;
  };
