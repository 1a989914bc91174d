import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';

/**
 * Branches: the business's shops and sites. Orders name the branch they were
 * placed in, a customer has a home branch, an import finds or creates them by
 * name; later tickets and mystery-shopping visits need them too. Every other
 * module reaches the `branches` table through these functions.
 */
export type Branch = { id: string; code: string; name: string; city: string | null };

export async function listBranches(trx: Trx, ctx: Ctx): Promise<Branch[]> {
  return trx
    .selectFrom('branches')
    .select(['id', 'code', 'name', 'city'])
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('name')
    .execute();
}

/** Whether the workspace has a branch with this id. */
export async function branchExists(trx: Trx, ctx: Ctx, branchId: string): Promise<boolean> {
  return (await nameOfBranch(trx, ctx, branchId)) !== null;
}

/** The branch's name, or null when it has none (no such branch). */
export async function nameOfBranch(trx: Trx, ctx: Ctx, branchId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('branches')
    .select('name')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', branchId)
    .executeTakeFirst();
  return row?.name ?? null;
}

/** The id of the branch with this code or name, created (code = name) on first sight. */
export async function findOrCreateBranch(trx: Trx, ctx: Ctx, nameOrCode: string): Promise<string> {
  const value = nameOrCode.trim();
  const found = await trx
    .selectFrom('branches')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('code', '=', value), eb('name', '=', value)]))
    .executeTakeFirst();
  if (found) return found.id;
  // Orders naming a new branch at once: one inserts it, the others wait for it and take it.
  const inserted = await trx
    .insertInto('branches')
    .values({ workspace_id: ctx.workspaceId, id: newId(), code: value, name: value })
    .onConflict((oc) => oc.columns(['workspace_id', 'code']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const winner = await trx
    .selectFrom('branches')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('code', '=', value)
    .executeTakeFirstOrThrow();
  return winner.id;
}
