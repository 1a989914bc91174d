import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import type { ModuleJob } from '../../platform/module.ts';
import { findProgram } from './loyalty.program.ts';
import { pendingReferrals, qualifyReferral } from './loyalty.referrals.qualify.ts';
import { referralSettings } from './loyalty.referrals.ts';

export const REFERRALS_QUEUE = 'loyalty.referrals';

/** Pending referrals read at a time (the club's settings read once for each such chunk). */
const CHUNK = 200;

/**
 * Qualifies the pending referrals whose friend's first purchase is past its
 * return window, in every workspace with an active club (or `only` one).
 * Each referral is qualified under its row's lock and its rewards carry its
 * source keys, so a late run, a second run or two at once book them once.
 * Returns how many referrals qualified.
 */
export async function qualifyReferrals(
  db: Kysely<DB>,
  now: Date,
  only: { workspaceId?: string } = {},
): Promise<number> {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('loyalty_referrals as r')
      .innerJoin('loyalty_programs as p', 'p.workspace_id', 'r.workspace_id')
      .select('r.workspace_id')
      .distinct()
      .where('r.status', '=', 'pending')
      .where('p.status', '=', 'active')
      .$if(only.workspaceId !== undefined, (q) => q.where('r.workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  let qualified = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    let after: string | undefined;
    for (;;) {
      const ids = await inWorkspace(db, workspaceId, (trx) => pendingReferrals(trx, ctx, CHUNK, after));
      if (ids.length === 0) break;
      const club = await inWorkspace(db, workspaceId, async (trx) => ({
        program: await findProgram(trx, ctx),
        settings: await referralSettings(trx, ctx),
      }));
      // One transaction each: a referral's locks (its members', then its row) are held only while it is booked.
      for (const id of ids) {
        if (await inWorkspace(db, workspaceId, (trx) => qualifyReferral(trx, ctx, id, now, club))) qualified++;
      }
      after = ids.at(-1);
      if (ids.length < CHUNK) break;
    }
  }
  return qualified;
}

/** The hourly job (loyalty.module.ts `jobs`). */
export const referralsJob: ModuleJob = {
  queue: REFERRALS_QUEUE,
  handler:
    ({ db }) =>
    async () => {
      await qualifyReferrals(db, new Date());
    },
  schedule: { cron: '23 * * * *' },
};
