import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Json } from '../../platform/platform.tables.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type LifecycleStage = 'lead' | 'customer' | 'repeat' | 'loyal' | 'at_risk' | 'lost';
export type ConsentChannel = 'email' | 'sms' | 'whatsapp' | 'phone';
export type ConductFlag = 'warning' | 'restricted' | 'banned';
export type CustomerStatus = 'active' | 'merged' | 'archived' | 'erased';

export type CustomerTable = {
  workspace_id: string;
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  first_name_latin: string | null;
  last_name_latin: string | null;
  email: string | null;
  phone: string | null;
  birthday: ColumnType<string | null, string | null, string | null>;
  address: Json | null;
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  lifecycle_stage: Generated<LifecycleStage>;
  preferred_channel: ConsentChannel | null;
  consents: ColumnType<Partial<Record<ConsentChannel, boolean>>, string | undefined, string>;
  conduct_flag: ConductFlag | null;
  conduct_note: string | null;
  home_branch_id: string | null;
  source: string | null;
  /** Who created the customer (a user's or an API key's name), for the timeline. */
  created_by: string | null;
  search_text: Generated<string>;
  orders_count: Generated<number>;
  total_spent: ColumnType<string, string | undefined, string>;
  first_order_at: Timestamp | null;
  last_order_at: Timestamp | null;
  status: Generated<CustomerStatus>;
  merged_into: string | null;
  erased_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
};
export type CustomerRow = Selectable<CustomerTable>;
export type NewCustomerRow = Insertable<CustomerTable>;

export type CustomerIdentityTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  kind: 'email' | 'phone' | 'external_id' | 'device';
  value: string;
  source: string | null;
  created_at: CreatedAt;
};

export type ConsentEventTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  channel: ConsentChannel;
  status: 'granted' | 'revoked';
  source: string;
  text_shown: string | null;
  recorded_by: string | null;
  occurred_at: ColumnType<Date, Date | string | undefined, never>;
};

export type NoteTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  body: string;
  author_id: string | null;
  created_at: CreatedAt;
};

export type CustomerMergeTable = {
  workspace_id: string;
  id: string;
  survivor_id: string;
  merged_id: string;
  snapshot: Json;
  merged_by: string | null;
  at: CreatedAt;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type CustomersTables = {
  customers: CustomerTable;
  customer_identities: CustomerIdentityTable;
  consent_events: ConsentEventTable;
  notes: NoteTable;
  customer_merges: CustomerMergeTable;
};

declare module '../../db/schema.ts' {
  interface DB extends CustomersTables {}
}
