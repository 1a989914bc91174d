import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../db/tenancy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Ctx } from './context.ts';
import { hashPassword, newId, randomToken, sha256, verifyPassword } from './crypto.ts';
import { AppError } from './errors.ts';
import type { Locale } from './messages.ts';
import type { Role, UserRow } from './platform.tables.ts';

export const SESSION_DAYS = 14;
const MAX_FAILED_LOGINS = 5;
const LOCKOUT_MINUTES = 15;
const INVITATION_DAYS = 7;
let dummyHash: Promise<string> | undefined;

export type PublicUser = { id: string; email: string; name: string; role: Role; locale: string | null };
export type PublicWorkspace = { id: string; name: string; locale: string; currency: string; timeZone: string };
export type SessionGrant = { token: string; csrfToken: string; user: PublicUser; workspace: PublicWorkspace };

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

function toPublicUser(row: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'locale'>): PublicUser {
  return { id: row.id, email: row.email, name: row.name, role: row.role, locale: row.locale };
}

export async function getWorkspace(trx: Trx, workspaceId: string): Promise<PublicWorkspace> {
  const row = await trx
    .selectFrom('workspaces')
    .selectAll()
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow(() => new AppError('NOT_FOUND'));
  return { id: row.id, name: row.name, locale: row.locale, currency: row.currency, timeZone: row.time_zone };
}

export async function updateWorkspace(
  trx: Trx,
  ctx: Ctx,
  patch: {
    name?: string | undefined;
    locale?: Locale | undefined;
    currency?: string | undefined;
    timeZone?: string | undefined;
  },
): Promise<PublicWorkspace> {
  const before = await getWorkspace(trx, ctx.workspaceId);
  const values: Record<string, string> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.locale !== undefined) values.locale = patch.locale;
  if (patch.currency !== undefined) values.currency = patch.currency;
  if (patch.timeZone !== undefined) values.time_zone = patch.timeZone;
  if (Object.keys(values).length > 0) {
    await trx.updateTable('workspaces').set(values).where('id', '=', ctx.workspaceId).execute();
  }
  const after = await getWorkspace(trx, ctx.workspaceId);
  await recordAudit(trx, ctx, {
    action: 'workspace.updated',
    entityType: 'workspace',
    entityId: ctx.workspaceId,
    before,
    after,
  });
  return after;
}

export async function isSetupNeeded(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('workspaces').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n === 0;
}

/** Creates a workspace with its owner; used by first-run setup, the CLI and tests. */
export async function createWorkspace(
  db: Kysely<DB>,
  input: { name: string; ownerName: string; ownerEmail: string; ownerPassword: string; locale?: Locale },
  options: { onlyIfFirst?: boolean } = {},
): Promise<{ workspaceId: string; ownerId: string }> {
  const workspaceId = newId();
  const ownerId = newId();
  const passwordHash = await hashPassword(input.ownerPassword);
  await inSystem(db, async (trx) => {
    if (options.onlyIfFirst) {
      // Two first-run setups at once: the second waits here for the first, then finds its workspace.
      await sql`select pg_advisory_xact_lock(hashtextextended('klient.setup', 0))`.execute(trx);
      const existing = await trx.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
      if (existing) throw new AppError('AUTH.SETUP_DONE');
    }
    await trx
      .insertInto('workspaces')
      .values({ id: workspaceId, name: input.name, locale: input.locale ?? 'he' })
      .execute();
  });
  await inWorkspace(db, workspaceId, async (trx) => {
    await trx
      .insertInto('users')
      .values({
        workspace_id: workspaceId,
        id: ownerId,
        email: normaliseEmail(input.ownerEmail),
        name: input.ownerName,
        password_hash: passwordHash,
        role: 'owner',
        locale: input.locale ?? 'he',
      })
      .execute();
    const ctx: Ctx = { workspaceId, actor: { type: 'system', id: null, role: 'owner', name: 'system' } };
    await recordAudit(trx, ctx, {
      action: 'user.created',
      entityType: 'user',
      entityId: ownerId,
      after: { email: normaliseEmail(input.ownerEmail), role: 'owner' },
    });
  });
  return { workspaceId, ownerId };
}

async function openSession(
  trx: Trx,
  workspaceId: string,
  userId: string,
): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken(24);
  await trx
    .insertInto('sessions')
    .values({
      workspace_id: workspaceId,
      id: newId(),
      user_id: userId,
      token_hash: sha256(token),
      csrf_token: csrfToken,
      expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    })
    .execute();
  return { token, csrfToken };
}

async function grantFor(trx: Trx, user: UserRow): Promise<SessionGrant> {
  const { token, csrfToken } = await openSession(trx, user.workspace_id, user.id);
  return { token, csrfToken, user: toPublicUser(user), workspace: await getWorkspace(trx, user.workspace_id) };
}

export async function setupFirstWorkspace(
  db: Kysely<DB>,
  input: { businessName: string; ownerName: string; email: string; password: string; locale: Locale },
): Promise<SessionGrant> {
  if (!(await isSetupNeeded(db))) throw new AppError('AUTH.SETUP_DONE');
  const { workspaceId, ownerId } = await createWorkspace(
    db,
    {
      name: input.businessName,
      ownerName: input.ownerName,
      ownerEmail: input.email,
      ownerPassword: input.password,
      locale: input.locale,
    },
    { onlyIfFirst: true },
  );
  return inWorkspace(db, workspaceId, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return grantFor(trx, user);
  });
}

/**
 * Password login with lockout: after 5 failures in a row the account is
 * locked for 15 minutes, and the answer does not tell whether the email exists.
 */
export async function login(db: Kysely<DB>, email: string, password: string): Promise<SessionGrant> {
  const candidates = await inSystem(db, (trx) =>
    trx
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normaliseEmail(email))
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute(),
  );
  if (candidates.length === 0) {
    // Spend the same time as a real check, so response times do not reveal which emails exist.
    dummyHash ??= hashPassword(randomToken());
    await verifyPassword(await dummyHash, password);
    throw new AppError('AUTH.INVALID_CREDENTIALS');
  }
  const now = Date.now();
  for (const user of candidates) {
    if (user.locked_until && user.locked_until.getTime() > now) throw new AppError('AUTH.LOCKED');
    if (user.password_hash && (await verifyPassword(user.password_hash, password))) {
      return inWorkspace(db, user.workspace_id, async (trx) => {
        await trx
          .updateTable('users')
          .set({ failed_logins: 0, locked_until: null, last_login_at: new Date() })
          .where('workspace_id', '=', user.workspace_id)
          .where('id', '=', user.id)
          .execute();
        return grantFor(trx, user);
      });
    }
  }
  for (const user of candidates) {
    await inWorkspace(db, user.workspace_id, async (trx) => {
      const failures = user.failed_logins + 1;
      await trx
        .updateTable('users')
        .set({
          failed_logins: failures >= MAX_FAILED_LOGINS ? 0 : failures,
          locked_until: failures >= MAX_FAILED_LOGINS ? new Date(now + LOCKOUT_MINUTES * 60_000) : null,
        })
        .where('workspace_id', '=', user.workspace_id)
        .where('id', '=', user.id)
        .execute();
      if (failures >= MAX_FAILED_LOGINS) {
        await recordAudit(
          trx,
          { workspaceId: user.workspace_id, actor: { type: 'system', id: null, role: 'owner', name: 'system' } },
          { action: 'user.locked_out', entityType: 'user', entityId: user.id },
        );
      }
    });
  }
  throw new AppError('AUTH.INVALID_CREDENTIALS');
}

export async function logout(db: Kysely<DB>, workspaceId: string, sessionId: string): Promise<void> {
  await inWorkspace(db, workspaceId, (trx) =>
    trx.deleteFrom('sessions').where('workspace_id', '=', workspaceId).where('id', '=', sessionId).execute(),
  );
}

export type ResolvedAuth = { ctx: Ctx; csrfToken: string | null; sessionId: string | null; locale: string | null };

export async function resolveSession(db: Kysely<DB>, token: string): Promise<ResolvedAuth | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 's.workspace_id').onRef('u.id', '=', 's.user_id'),
    )
    .select([
      's.id as session_id',
      's.workspace_id',
      's.csrf_token',
      'u.id',
      'u.name',
      'u.role',
      'u.locale',
      'u.status',
    ])
    .where('s.token_hash', '=', sha256(token))
    .where('s.expires_at', '>', new Date())
    .executeTakeFirst();
  if (row?.status !== 'active') return null;
  const actor: Actor = { type: 'user', id: row.id, role: row.role, name: row.name };
  return {
    ctx: { workspaceId: row.workspace_id, actor },
    csrfToken: row.csrf_token,
    sessionId: row.session_id,
    locale: row.locale,
  };
}

const API_KEY_PREFIX = 'kl_';

// API keys are looked up on every machine request; a short cache saves that
// round trip. Revoking clears the entry here at once; another server process
// sees a revocation within API_KEY_CACHE_MS.
const API_KEY_CACHE_MS = 10_000;
const apiKeyCache = new Map<string, { auth: ResolvedAuth; until: number }>();

export async function resolveApiKey(db: Kysely<DB>, key: string): Promise<ResolvedAuth | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const keyHash = sha256(key);
  const cached = apiKeyCache.get(keyHash);
  if (cached && cached.until > Date.now()) return cached.auth;
  const row = await db
    .selectFrom('api_keys')
    .select(['workspace_id', 'id', 'name', 'role', 'last_used_at'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) {
    apiKeyCache.delete(keyHash);
    return null;
  }
  // Record use at most once a minute: a write per request would cost more than the request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: new Date() })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .execute();
  }
  const auth: ResolvedAuth = {
    ctx: { workspaceId: row.workspace_id, actor: { type: 'api_key', id: row.id, role: row.role, name: row.name } },
    csrfToken: null,
    sessionId: null,
    locale: null,
  };
  if (apiKeyCache.size > 10_000) apiKeyCache.clear();
  apiKeyCache.set(keyHash, { auth, until: Date.now() + API_KEY_CACHE_MS });
  return auth;
}

export async function createApiKey(trx: Trx, ctx: Ctx, input: { name: string; role: Role }) {
  const secret = randomToken(32);
  const prefix = secret.slice(0, 8);
  const key = `${API_KEY_PREFIX}${secret}`;
  const id = newId();
  await trx
    .insertInto('api_keys')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      name: input.name,
      prefix: `${API_KEY_PREFIX}${prefix}`,
      key_hash: sha256(key),
      role: input.role,
      created_by: ctx.actor.type === 'user' ? ctx.actor.id : null,
    })
    .execute();
  await recordAudit(trx, ctx, {
    action: 'api_key.created',
    entityType: 'api_key',
    entityId: id,
    after: { name: input.name, role: input.role, prefix: `${API_KEY_PREFIX}${prefix}` },
  });
  return { id, name: input.name, role: input.role, prefix: `${API_KEY_PREFIX}${prefix}`, key };
}

export async function listApiKeys(trx: Trx, ctx: Ctx) {
  const rows = await trx
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiKey(trx: Trx, ctx: Ctx, id: string): Promise<void> {
  const revokedAt = new Date();
  const revoked = await trx
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(['name', 'role', 'prefix'])
    .executeTakeFirst();
  if (!revoked) throw new AppError('API_KEY.NOT_FOUND');
  for (const [hash, entry] of apiKeyCache) if (entry.auth.ctx.actor.id === id) apiKeyCache.delete(hash);
  await recordAudit(trx, ctx, {
    action: 'api_key.revoked',
    entityType: 'api_key',
    entityId: id,
    before: { ...revoked, revokedAt: null },
    after: { ...revoked, revokedAt },
  });
}

export async function listUsers(trx: Trx, ctx: Ctx) {
  const rows = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'status', 'last_login_at', 'created_at'])
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    status: r.status,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  }));
}

export async function updateUser(
  trx: Trx,
  ctx: Ctx,
  id: string,
  patch: { role?: Role | undefined; status?: 'active' | 'disabled' | undefined },
) {
  const before = await trx
    .selectFrom('users')
    .select(['id', 'role', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('USER.NOT_FOUND'));
  // Only an owner may make or unmake owners.
  if ((patch.role === 'owner' || before.role === 'owner') && ctx.actor.role !== 'owner') {
    throw new AppError('AUTH.FORBIDDEN');
  }
  const after = { role: patch.role ?? before.role, status: patch.status ?? before.status };
  if (before.role === 'owner' && (after.role !== 'owner' || after.status !== 'active')) {
    const owners = await trx
      .selectFrom('users')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('workspace_id', '=', ctx.workspaceId)
      .where('role', '=', 'owner')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    if (owners.n <= 1) throw new AppError('USER.LAST_OWNER');
  }
  await trx.updateTable('users').set(after).where('workspace_id', '=', ctx.workspaceId).where('id', '=', id).execute();
  if (after.status === 'disabled') {
    await trx.deleteFrom('sessions').where('workspace_id', '=', ctx.workspaceId).where('user_id', '=', id).execute();
  }
  await recordAudit(trx, ctx, {
    action: 'user.updated',
    entityType: 'user',
    entityId: id,
    before,
    after: { id, ...after },
  });
  return after;
}

export async function createInvitation(trx: Trx, ctx: Ctx, input: { email: string; role: Role }) {
  if (input.role === 'owner' && ctx.actor.role !== 'owner') throw new AppError('AUTH.FORBIDDEN');
  const email = normaliseEmail(input.email);
  const existing = await trx
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing) throw new AppError('USER.EMAIL_TAKEN', { fields: [{ field: 'email', message: 'invalid' }] });
  const token = randomToken();
  const id = newId();
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  await trx
    .insertInto('invitations')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      email,
      role: input.role,
      token_hash: sha256(token),
      // An API key or the system may invite too; only a user is recorded as the inviter.
      invited_by: ctx.actor.type === 'user' ? ctx.actor.id : null,
      expires_at: expiresAt,
    })
    .execute();
  await recordAudit(trx, ctx, {
    action: 'invitation.created',
    entityType: 'invitation',
    entityId: id,
    after: { email, role: input.role },
  });
  return { id, email, role: input.role, token, expiresAt };
}

async function findInvitation(db: Kysely<DB>, token: string) {
  const row = await inSystem(db, (trx) =>
    trx
      .selectFrom('invitations as i')
      .innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
      .select([
        'i.workspace_id',
        'i.id',
        'i.email',
        'i.role',
        'i.expires_at',
        'i.accepted_at',
        'w.name as workspace_name',
      ])
      .where('i.token_hash', '=', sha256(token))
      .executeTakeFirst(),
  );
  if (!row || row.accepted_at || row.expires_at.getTime() < Date.now()) throw new AppError('AUTH.INVITATION_INVALID');
  return row;
}

export async function describeInvitation(db: Kysely<DB>, token: string) {
  const row = await findInvitation(db, token);
  return { email: row.email, role: row.role, workspaceName: row.workspace_name };
}

export async function acceptInvitation(
  db: Kysely<DB>,
  token: string,
  input: { name: string; password: string },
): Promise<SessionGrant> {
  const invitation = await findInvitation(db, token);
  const passwordHash = await hashPassword(input.password);
  return inWorkspace(db, invitation.workspace_id, async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: new Date() })
      .where('workspace_id', '=', invitation.workspace_id)
      .where('id', '=', invitation.id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) throw new AppError('AUTH.INVITATION_INVALID');
    // Two invitations to one email: the person joined through the other one already.
    const existing = await trx
      .selectFrom('users')
      .select('id')
      .where('workspace_id', '=', invitation.workspace_id)
      .where('email', '=', invitation.email)
      .executeTakeFirst();
    if (existing) throw new AppError('USER.EMAIL_TAKEN');
    const userId = newId();
    const user = await trx
      .insertInto('users')
      .values({
        workspace_id: invitation.workspace_id,
        id: userId,
        email: invitation.email,
        name: input.name,
        password_hash: passwordHash,
        role: invitation.role,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      {
        workspaceId: invitation.workspace_id,
        actor: { type: 'user', id: userId, role: invitation.role, name: input.name },
      },
      {
        action: 'user.created',
        entityType: 'user',
        entityId: userId,
        after: { email: invitation.email, role: invitation.role },
      },
    );
    return grantFor(trx, user);
  });
}

export async function me(trx: Trx, ctx: Ctx) {
  if (ctx.actor.type !== 'user' || !ctx.actor.id)
    return { user: null, workspace: await getWorkspace(trx, ctx.workspaceId) };
  const user = await trx
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', ctx.actor.id)
    .executeTakeFirstOrThrow(() => new AppError('AUTH.UNAUTHENTICATED'));
  return { user: toPublicUser(user), workspace: await getWorkspace(trx, ctx.workspaceId) };
}

export async function setUserLocale(trx: Trx, ctx: Ctx, locale: Locale) {
  if (ctx.actor.type !== 'user' || !ctx.actor.id) return;
  await trx
    .updateTable('users')
    .set({ locale })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', ctx.actor.id)
    .execute();
}
