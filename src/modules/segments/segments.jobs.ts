import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { refreshSegment, segmentsDue } from './segments.service.ts';

export const REFRESH_QUEUE = 'segments.refresh';

/**
 * Saved segments whose schedule is due, refreshed each in a transaction of
 * its own (a late or second run refreshes what is due then, no more). A
 * segment whose rules no longer hold (a tier or branch it names was removed)
 * is left as it was and counted apart: its screen says so on the next
 * refresh by hand. Returns how many were refreshed and how many were not.
 */
export async function refreshDueSegments(db: Kysely<DB>, now: Date, only: { workspaceId?: string } = {}) {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('segments')
      .select('workspace_id')
      .distinct()
      .$if(only.workspaceId !== undefined, (q) => q.where('workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  let refreshed = 0;
  let stale = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    const due = await inWorkspace(db, workspaceId, (trx) => segmentsDue(trx, ctx, now));
    for (const id of due) {
      try {
        await inWorkspace(db, workspaceId, (trx) => refreshSegment(trx, ctx, id, now));
        refreshed++;
      } catch (error) {
        if (!(error instanceof AppError) || !['VALIDATION', 'SEGMENT.NOT_FOUND'].includes(error.code)) throw error;
        stale++;
      }
    }
  }
  return { refreshed, stale };
}
