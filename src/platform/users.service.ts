import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../db/tenancy.ts';
import { apiKeysChanged } from './api-keys.service.ts';
import { recordAudit } from './audit.ts';
import type { Ctx } from './context.ts';
import { hashPassword, newId, randomToken, sha256 } from './crypto.ts';
import { AppError } from './errors.ts';
import { assertMayGrant, grantorOf, mayGrant } from './grants.ts';
import type { Locale } from './messages.ts';
import type { Role } from './platform.tables.ts';
import { getWorkspace, grantFor, normaliseEmail, type SessionGrant, toPublicUser } from './sessions.ts';

const INVITATION_DAYS = 7;

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
  // Nobody changes their own role or status (nor through a key they made): another owner or admin does.
  const changes =
    (patch.role !== undefined && patch.role !== before.role) || (patch.status ?? before.status) !== before.status;
  if (changes && (await grantorOf(trx, ctx)) === id) throw new AppError('USER.SELF_CHANGE');
  // Capped at the actor's own role, both the user as they are and what they become:
  // only an owner makes or unmakes an owner.
  if (!mayGrant(ctx.actor.role, before.role)) throw new AppError('AUTH.FORBIDDEN');
  if (patch.role !== undefined) assertMayGrant(ctx, patch.role);
  const after = { role: patch.role ?? before.role, status: patch.status ?? before.status };
  if (before.role === 'owner' && (after.role !== 'owner' || after.status !== 'active')) {
    // Locked, so two owners demoting each other at once cannot leave none.
    const owners = await trx
      .selectFrom('users')
      .select('id')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('role', '=', 'owner')
      .where('status', '=', 'active')
      .forUpdate()
      .execute();
    if (!owners.some((o) => o.id !== id)) throw new AppError('USER.LAST_OWNER');
  }
  await trx.updateTable('users').set(after).where('workspace_id', '=', ctx.workspaceId).where('id', '=', id).execute();
  // Their API keys hold only while they are active and hold the keys' roles.
  await apiKeysChanged(trx);
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
  assertMayGrant(ctx, input.role);
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
      // An API key invites on the authority of the user who made it; the system invites as nobody.
      invited_by: await grantorOf(trx, ctx),
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
      .leftJoin('users as u', (join) =>
        join.onRef('u.workspace_id', '=', 'i.workspace_id').onRef('u.id', '=', 'i.invited_by'),
      )
      .select([
        'i.workspace_id',
        'i.id',
        'i.email',
        'i.role',
        'i.invited_by',
        'i.expires_at',
        'i.accepted_at',
        'w.name as workspace_name',
        'u.role as inviter_role',
        'u.status as inviter_status',
      ])
      .where('i.token_hash', '=', sha256(token))
      .executeTakeFirst(),
  );
  if (!row || row.accepted_at || row.expires_at.getTime() < Date.now()) throw new AppError('AUTH.INVITATION_INVALID');
  // An invitation grants on its inviter's authority: it lapses when they are disabled or no longer hold its role.
  if (
    row.invited_by !== null &&
    !(row.inviter_status === 'active' && row.inviter_role && mayGrant(row.inviter_role, row.role))
  )
    throw new AppError('AUTH.INVITATION_INVALID');
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
