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
let dummyHash: Promise<string> | undefined;

export type PublicUser = { id: string; email: string; name: string; role: Role; locale: string | null };
export type PublicWorkspace = { id: string; name: string; locale: string; currency: string; timeZone: string };
export type SessionGrant = { token: string; csrfToken: string; user: PublicUser; workspace: PublicWorkspace };

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export function toPublicUser(row: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'locale'>): PublicUser {
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

export async function grantFor(trx: Trx, user: UserRow): Promise<SessionGrant> {
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

export { createApiKey, listApiKeys, resolveApiKey, revokeApiKey } from './api-keys.service.ts';
export {
  acceptInvitation,
  createInvitation,
  describeInvitation,
  listUsers,
  me,
  setUserLocale,
  updateUser,
} from './users.service.ts';
