/*
 * The shapes of the server's replies, taken from its zod schemas (type-only
 * imports: nothing of the server reaches the bundle). A reply is encoded
 * through its schema, so what the JSON holds is the schema's input side:
 * `Reply<typeof schema>` (a moment is its ISO string, money a decimal string).
 * A change to a reply schema fails the typecheck of every screen that reads it.
 */
import type { z } from 'zod';
import type { orderSchema } from '../../src/modules/commerce/commerce.schemas.ts';
import type {
  consentEventSchema,
  customer360Schema,
  customerAddressSchema,
  customerPageSchema,
  customerSchema,
  identitySchema,
  tagCountSchema,
  timelineEventSchema,
} from '../../src/modules/customers/customers.schemas.ts';
import type {
  importDetailSchema,
  importPreviewSchema,
  importRowErrorSchema,
  importSchema,
} from '../../src/modules/imports/imports.schemas.ts';
import type { branchSchema } from '../../src/modules/locations/locations.schemas.ts';
import type {
  apiKeySchema,
  auditEntrySchema,
  createdApiKeySchema,
  invitationInfoSchema,
  invitationSchema,
  publicUserSchema,
  sessionSchema,
  workspaceSchema,
  workspaceUserSchema,
} from '../../src/platform/platform.schemas.ts';
import type { Role } from '../../src/platform/platform.tables.ts';

/** The JSON of a reply whose schema is S. */
export type Reply<S extends z.ZodType> = z.input<S>;

export type { Role };
export type User = Reply<typeof publicUserSchema>;
export type Workspace = Reply<typeof workspaceSchema>;
export type Locale = Workspace['locale'];
export type Session = Reply<typeof sessionSchema>;
export type Settings = Workspace;

export type Page<T> = { items: T[]; nextCursor: string | null };
export type CustomerPage = Reply<typeof customerPageSchema>;
export type Address = Reply<typeof customerAddressSchema>;
export type Customer = Reply<typeof customerSchema>;
export type LifecycleStage = Customer['lifecycleStage'];
export type ConductFlag = NonNullable<Customer['conductFlag']>;
export type Identity = Reply<typeof identitySchema>;
export type ConsentEvent = Reply<typeof consentEventSchema>;
export type Channel = ConsentEvent['channel'];
export type TimelineEvent = Reply<typeof timelineEventSchema>;
export type Customer360 = Reply<typeof customer360Schema>;
export type Branch = Reply<typeof branchSchema>;
export type TagCount = Reply<typeof tagCountSchema>;
export type Order = Reply<typeof orderSchema>;

export type ImportPreview = Reply<typeof importPreviewSchema>;
export type ImportKind = ImportPreview['kind'];
export type ImportRowError = Reply<typeof importRowErrorSchema>;
/** An import as listed; the one asked for by id also brings its first row errors. */
export type ImportJob = Reply<typeof importSchema> & Partial<Pick<Reply<typeof importDetailSchema>, 'errors'>>;
export type ImportStatus = ImportJob['status'];

export type WorkspaceUser = Reply<typeof workspaceUserSchema>;
export type Invitation = Reply<typeof invitationSchema>;
export type InvitationInfo = Reply<typeof invitationInfoSchema>;
export type ApiKey = Reply<typeof apiKeySchema>;
export type CreatedApiKey = Reply<typeof createdApiKeySchema>;
export type AuditEntry = Reply<typeof auditEntrySchema>;

/** Every member of the union U, each once (the lists below are the screens' order; the server's schemas say what they hold). */
type Exactly<U, L extends readonly U[]> = [U] extends [L[number]] ? L : never;
const every =
  <U>() =>
  <const L extends readonly U[]>(list: Exactly<U, L>): readonly U[] =>
    list;

export const roles = every<Role>()(['owner', 'admin', 'agent', 'marketer', 'analyst', 'shopper']);
export const lifecycleStages = every<LifecycleStage>()(['lead', 'customer', 'repeat', 'loyal', 'at_risk', 'lost']);
export const channels = every<Channel>()(['email', 'sms', 'whatsapp', 'phone']);
export const conductFlags = every<ConductFlag>()(['warning', 'restricted', 'banned']);
