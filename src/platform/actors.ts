import type { Trx } from '../db/tenancy.ts';
import { keyHolds } from './api-keys.service.ts';
import type { Actor } from './context.ts';

/**
 * The actor as they stand now, for work that runs after the request that
 * started it (an import job): a user who was disabled, or whose role was
 * lowered, acts with what they hold today; a revoked key, or one whose
 * maker was disabled, removed or no longer holds its role, acts no more (null).
 */
export async function currentActor(trx: Trx, workspaceId: string, actor: Actor): Promise<Actor | null> {
  if (actor.type === 'system' || actor.id === null) return actor;
  if (actor.type === 'user') {
    const user = await trx
      .selectFrom('users')
      .select(['role', 'status'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', actor.id)
      .executeTakeFirst();
    return user?.status === 'active' ? { ...actor, role: user.role } : null;
  }
  const key = await trx
    .selectFrom('api_keys as k')
    .leftJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 'k.workspace_id').onRef('u.id', '=', 'k.created_by'),
    )
    .select(['k.role', 'k.revoked_at', 'k.created_by', 'u.role as creatorRole', 'u.status as creatorStatus'])
    .where('k.workspace_id', '=', workspaceId)
    .where('k.id', '=', actor.id)
    .executeTakeFirst();
  if (!key || key.revoked_at !== null) return null;
  // The rule the API key lookup applies: a key holds while its maker is active and may still grant its role.
  const creator =
    key.creatorRole && key.creatorStatus ? { role: key.creatorRole, status: key.creatorStatus } : undefined;
  if (!keyHolds(key, creator)) return null;
  return { ...actor, role: key.role };
}
