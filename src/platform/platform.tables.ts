import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Role } from './roles.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type Json = ColumnType<unknown, string, string>;

export type { Role } from './roles.ts';

export type WorkspaceTable = {
  id: string;
  name: string;
  locale: Generated<string>;
  currency: Generated<string>;
  time_zone: Generated<string>;
  work_week: Generated<number[]>;
  created_at: CreatedAt;
};
export type WorkspaceRow = Selectable<WorkspaceTable>;

export type UserTable = {
  workspace_id: string;
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  role: Role;
  status: Generated<'active' | 'disabled'>;
  locale: string | null;
  last_login_at: Timestamp | null;
  created_at: CreatedAt;
};
export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;

/**
 * Failed logins of one email from one client address, whether or not an account has the email
 * (klient_system.login_throttles, migration 20261201_233000): a system table, read and written in
 * `inSystem` only.
 */
export type LoginThrottleTable = {
  /** sha256 hex of the normalised email (normaliseEmail): nobody's email is kept as typed. */
  email_hash: string;
  /** The client address as throttleAddress gives it (an IPv6 client by its /64 network). */
  address: string;
  failures: number;
  /** The failure count at the last attempt whose password was checked. */
  checked: number;
  blocked_until: Timestamp | null;
  last_failed_at: Timestamp;
};

export type InvitationTable = {
  workspace_id: string;
  id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  created_at: CreatedAt;
};

export type SessionTable = {
  workspace_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  csrf_token: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
};

export type ApiKeyTable = {
  workspace_id: string;
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: Role;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};
export type ApiKeyRow = Selectable<ApiKeyTable>;

export type AuditLogTable = {
  workspace_id: string;
  id: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  ip: string | null;
  at: CreatedAt;
};

export type DomainEventTable = {
  workspace_id: string;
  id: string;
  type: string;
  payload: Json;
  occurred_at: CreatedAt;
};

export type IdempotencyKeyTable = {
  workspace_id: string;
  key: string;
  route: string;
  request_hash: string;
  status_code: number;
  response: Json;
  created_at: CreatedAt;
};

export type EventDeliveryTable = {
  workspace_id: string;
  event_id: string;
  subscriber: string;
  delivered_at: CreatedAt;
};

/** The tables the platform owns (src/platform/walls.test.ts). */
export type PlatformTables = {
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
};

declare module '../db/schema.ts' {
  interface DB extends PlatformTables {}
}
