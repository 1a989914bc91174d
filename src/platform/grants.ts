import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { allPermissions, can } from './permissions.ts';
import type { Role } from './platform.tables.ts';

/**
 * Nobody grants more than they hold: a role may hand out (to an API key, an
 * invitation or another user) only a role whose permissions are all its own,
 * and only an owner makes (or unmakes) an owner.
 */
export function mayGrant(grantor: Role, role: Role): boolean {
  if (grantor === 'owner') return true;
  if (role === 'owner') return false;
  return allPermissions().every((permission) => !can(role, permission) || can(grantor, permission));
}

export function assertMayGrant(ctx: Ctx, role: Role): void {
  if (!mayGrant(ctx.actor.role, role)) {
    throw new AppError('AUTH.ROLE_ABOVE_OWN', {
      fields: [{ field: 'role', message: 'role.above_own' }],
      extra: { role, yourRole: ctx.actor.role },
    });
  }
}

/**
 * The user on whose authority the actor acts: the user themselves, or the user
 * who made the API key (a key made by a key inherits its maker); null for the
 * system. What that user may no longer do, their keys may not do either.
 */
export async function grantorOf(trx: Trx, ctx: Ctx): Promise<string | null> {
  if (ctx.actor.type === 'user') return ctx.actor.id;
  if (ctx.actor.type !== 'api_key' || !ctx.actor.id) return null;
  const key = await trx
    .selectFrom('api_keys')
    .select('created_by')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', ctx.actor.id)
    .executeTakeFirst();
  return key?.created_by ?? null;
}
