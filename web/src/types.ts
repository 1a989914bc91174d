import type { Role } from '../../src/platform/platform.tables.ts';

export type { Role };
export type Locale = 'he' | 'en';
export type LifecycleStage = 'lead' | 'customer' | 'repeat' | 'loyal' | 'at_risk' | 'lost';
export type Channel = 'email' | 'sms' | 'whatsapp' | 'phone';
export type ConductFlag = 'warning' | 'restricted' | 'banned';

export const roles: readonly Role[] = ['owner', 'admin', 'agent', 'marketer', 'analyst', 'shopper'];
export const lifecycleStages: readonly LifecycleStage[] = ['lead', 'customer', 'repeat', 'loyal', 'at_risk', 'lost'];
export const channels: readonly Channel[] = ['email', 'sms', 'whatsapp', 'phone'];
export const conductFlags: readonly ConductFlag[] = ['warning', 'restricted', 'banned'];

export type User = { id: string; email: string; name: string; role: Role; locale: Locale };
export type Workspace = { id: string; name: string; locale: Locale; currency: string; timeZone: string };
export type Session = { user: User; workspace: Workspace; csrfToken: string };

export type Page<T> = { items: T[]; nextCursor: string | null };
export type CustomerPage = Page<Customer> & { total: number; totalExact?: boolean };

export type Address = { street: string | null; city: string | null; zip: string | null };

export type Customer = {
  id: string;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  firstNameLatin: string | null;
  lastNameLatin: string | null;
  email: string | null;
  phone: string | null;
  birthday: string | null;
  address: Address | null;
  attributes: Record<string, unknown>;
  tags: string[];
  lifecycleStage: LifecycleStage;
  preferredChannel: Channel | null;
  consents: Partial<Record<Channel, boolean>>;
  conductFlag: ConductFlag | null;
  conductNote: string | null;
  homeBranchId: string | null;
  source: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
  totals: { ordersCount: number; totalSpent: string; firstOrderAt: string | null; lastOrderAt: string | null };
};

export type Identity = { id: string; kind: string; value: string; source: string | null; createdAt: string };
export type ConsentEvent = {
  id: string;
  channel: Channel;
  status: 'granted' | 'revoked';
  source: string;
  textShown: string | null;
  recordedBy: string | null;
  occurredAt: string;
};
export type TimelineEvent = {
  id: string;
  type: string;
  occurredAt: string;
  refId: string | null;
  data: Record<string, unknown> | null;
};
export type Customer360 = Customer & {
  identities: Identity[];
  consentHistory: ConsentEvent[];
  timeline: Page<TimelineEvent>;
};

export type Branch = { id: string; code: string; name: string; city: string | null };
export type TagCount = { tag: string; count: number };

export type ImportKind = 'customers' | 'orders';
export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';
export type ImportPreview = {
  encoding: string;
  headers: string[];
  sampleRows: string[][];
  totalRows: number;
  /** True when the total is an estimate from the head of a big file (the preview reads no further). */
  totalRowsEstimated?: boolean;
  suggestedMapping: Record<string, string>;
};
export type ImportRowError = { row: number; column: string | null; reason: string };
export type ImportJob = {
  id: string;
  kind: ImportKind;
  filename: string;
  status: ImportStatus;
  totalRows: number;
  processedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  errorRows: number;
  errors?: ImportRowError[];
  failure: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export type WorkspaceUser = {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
};
export type Invitation = { id: string; email: string; role: Role; inviteUrl: string; expiresAt: string };
export type InvitationInfo = { email: string; role: Role; workspaceName: string };
export type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};
export type CreatedApiKey = { id: string; name: string; prefix: string; role: Role; key: string };
export type Settings = { name: string; locale: Locale; currency: string; timeZone: string } & Record<string, unknown>;

export type AuditEntry = {
  id: string;
  actorType: 'user' | 'api_key' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  at: string;
};
