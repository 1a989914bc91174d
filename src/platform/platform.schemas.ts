import { z } from 'zod';
import { checked, instant, pageOf } from './replies.ts';
import { roles } from './roles.ts';

// Replies of the platform's routes: setup, sessions, settings, users, invitations, API keys, audit.

const role = z.enum(roles);
const locale = z.enum(['he', 'en']);

export const publicUserSchema = z.strictObject({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role,
  locale: checked(locale.nullable()),
});

export const workspaceSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  locale: checked(locale),
  currency: z.string(),
  timeZone: z.string(),
});

export const setupStateSchema = z.strictObject({ needed: z.boolean() });

/** What the caller's role may do, as the server checks it: screens show exactly what it would allow. */
const permissions = z.array(z.string());
/** The roles the caller may hand out (to a key, an invitation, a user): none above its own. */
const grantableRoles = z.array(role);

/** A signed-in session (the cookie is set beside it); send `csrfToken` back in `x-csrf-token`. */
export const sessionSchema = z.strictObject({
  user: publicUserSchema,
  workspace: workspaceSchema,
  csrfToken: z.string(),
  permissions,
  grantableRoles,
});

/** Who is calling: an API key is no user and has no CSRF token. */
export const meSchema = z.strictObject({
  user: publicUserSchema.nullable(),
  workspace: workspaceSchema,
  csrfToken: z.string().nullable(),
  permissions,
  grantableRoles,
});

export const workspaceUserSchema = z.strictObject({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role,
  status: z.enum(['active', 'disabled']),
  lastLoginAt: instant.nullable(),
  createdAt: instant,
});
export const workspaceUserPageSchema = pageOf(workspaceUserSchema);

export const userChangeSchema = z.strictObject({ role, status: z.enum(['active', 'disabled']) });

export const invitationSchema = z.strictObject({
  id: z.uuid(),
  email: z.string(),
  role,
  expiresAt: instant,
  inviteUrl: z.string(),
});

export const invitationInfoSchema = z.strictObject({ email: z.string(), role, workspaceName: z.string() });

export const apiKeySchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  role,
  createdAt: instant,
  lastUsedAt: instant.nullable(),
  revokedAt: instant.nullable(),
});
export const apiKeyPageSchema = pageOf(apiKeySchema);

/** A new key: `key` is shown this once and never again. */
export const createdApiKeySchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  role,
  prefix: z.string(),
  key: z.string(),
});

export const auditEntrySchema = z.strictObject({
  id: z.uuid(),
  actorType: z.enum(['user', 'api_key', 'system']),
  actorId: z.uuid().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  at: instant,
});
export const auditPageSchema = pageOf(auditEntrySchema);
