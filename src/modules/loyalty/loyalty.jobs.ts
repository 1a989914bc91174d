import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { expireDueBulk, membersWithLotsDue, releaseDueBulk } from './loyalty.maintain-bulk.ts';
import { reviewTiersBulk } from './loyalty.points-bulk.ts';
import { findProgram } from './loyalty.program.ts';
import { maintainMember, membersDue } from './loyalty.service.ts';

export const MAINTAIN_QUEUE = 'loyalty.maintain';

/** Members looked after in one transaction: a crash loses at most this much work, which the next run redoes. */
const CHUNK = 200;
/** Members whose lots are released or expired together, in a few statements. */
const BULK = 2000;

/**
 * The club's clock work, every hour (and whenever a run was missed): pending
 * points released, points expired, tiers reviewed, in every workspace with a
 * club. Each member's step books only what is still due, so a late run, a
 * second run or two servers running it at once leave the ledger as one run
 * would. Returns how many members it looked at (a member reviewed and
 * then released counts twice). `only` keeps it to one
 * workspace (a test's own, or a business's re-run).
 */
export async function maintainLoyalty(db: Kysely<DB>, now: Date, only: { workspaceId?: string } = {}): Promise<number> {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('loyalty_programs')
      .select('workspace_id')
      .where('status', '=', 'active')
      .$if(only.workspaceId !== undefined, (q) => q.where('workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  let looked = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    // Tiers for the whole club at once; then, member by member, the points that time releases or expires.
    looked += await inWorkspace(db, workspaceId, async (trx) => {
      const program = await findProgram(trx, ctx);
      return program ? reviewTiersBulk(trx, ctx, program, now) : 0;
    });
    // Releases and per-batch expiries for the many at once; members in debt or expiring by inactivity below.
    const club = await inWorkspace(db, workspaceId, (trx) => findProgram(trx, ctx));
    for (const step of club?.expiryMode === 'batch' ? (['release', 'expire'] as const) : (['release'] as const)) {
      const members = await inWorkspace(db, workspaceId, (trx) => membersWithLotsDue(trx, ctx, now, step));
      for (let start = 0; start < members.length; start += BULK) {
        const chunk = members.slice(start, start + BULK);
        looked += await inWorkspace(db, workspaceId, (trx) =>
          (step === 'release' ? releaseDueBulk : expireDueBulk)(trx, ctx, now, chunk),
        );
      }
    }
    const due = await inWorkspace(db, workspaceId, (trx) => membersDue(trx, ctx, now));
    for (let start = 0; start < due.length; start += CHUNK) {
      await inWorkspace(db, workspaceId, async (trx) => {
        // The club's settings once per chunk, not once per member.
        const program = await findProgram(trx, ctx);
        for (const customerId of due.slice(start, start + CHUNK)) {
          await maintainMember(trx, ctx, customerId, now, program);
        }
      });
    }
    looked += due.length;
  }
  return looked;
}
