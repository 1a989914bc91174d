import type { Trx } from '../db/tenancy.ts';
import type { Actor } from './context.ts';

/**
 * The actor as they stand now, for work that runs after the request that
 * started it (an import job): a user who was disabled, or whose role was
 * lowered, acts with what they hold today; a revoked key, or one whose
 * creator was disabled, acts no more (null).
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
    .select(['k.role', 'k.revoked_at', 'k.created_by', 'u.status as creatorStatus'])
    .where('k.workspace_id', '=', workspaceId)
    .where('k.id', '=', actor.id)
    .executeTakeFirst();
  if (!key || key.revoked_at !== null) return null;
  if (key.created_by !== null && key.creatorStatus !== 'active') return null;
  return { ...actor, role: key.role };
}
