import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { newId, randomToken, sha256 } from './crypto.ts';
import { AppError } from './errors.ts';
import type { Role, UserRow } from './platform.tables.ts';

// What signing in, accepting an invitation and resolving a credential share: kept apart from
// auth.service.ts so that users and API keys can use it without importing auth (no import cycle).

export const SESSION_DAYS = 14;

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

export type ResolvedAuth = { ctx: Ctx; csrfToken: string | null; sessionId: string | null; locale: string | null };
