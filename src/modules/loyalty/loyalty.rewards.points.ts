import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { book, type Entry, lockMember, lotsOf } from './loyalty.ledger.ts';

/**
 * Gives back the points of a spend (a reward whose coupon was not used): one
 * booking of kind 'void' that puts back into each lot exactly what the spend
 * took from it, against the club's redeemed account. The lots keep their
 * dates, so points of a lot past its expiry go at the next expiry run. A
 * member in debt (after a clawback) pays it first from what comes back, so a
 * member never holds a debt and points at once. `customerId` is who holds the
 * points now: the spender, or the survivor it was merged into (a merge moves
 * lots by their ids). The same cause books once: null the second time.
 */
export async function voidSpend(
  trx: Trx,
  ctx: Ctx,
  input: { spendId: string; customerId: string; sourceKey: string; note?: string; occurredAt: Date },
): Promise<{ id: string | null; points: number }> {
  const { customerId } = input;
  await lockMember(trx, ctx, customerId);
  const spend = await trx
    .selectFrom('loyalty_transactions')
    .select('kind')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', input.spendId)
    .executeTakeFirstOrThrow();
  if (spend.kind !== 'spend') throw new Error(`transaction ${input.spendId} is a ${spend.kind}, not a spend`);
  const taken = await trx
    .selectFrom('loyalty_entries')
    .select(['lot_id', 'amount'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('transaction_id', '=', input.spendId)
    .where('account', '=', 'member.available')
    .orderBy('line_no')
    .execute();
  const entries: Entry[] = [];
  let points = 0;
  let debt = -((await lotsOf(trx, ctx, customerId, 'member.available')).find((l) => l.lotId === null)?.remaining ?? 0);
  for (const line of taken) {
    const back = -Number(line.amount);
    entries.push({ account: 'member.available', customerId, lotId: line.lot_id, amount: back });
    points += back;
    const pay = line.lot_id === null ? 0 : Math.min(Math.max(debt, 0), back);
    if (pay > 0) {
      entries.push({ account: 'member.available', customerId, lotId: line.lot_id, amount: -pay });
      entries.push({ account: 'member.available', customerId, lotId: null, amount: pay });
      debt -= pay;
    }
  }
  entries.push({ account: 'club.redeemed', amount: -points });
  const id = await book(trx, ctx, {
    customerId,
    kind: 'void',
    sourceKey: input.sourceKey,
    occurredAt: input.occurredAt,
    entries,
    ...(input.note ? { note: input.note } : {}),
  });
  return { id, points: id ? points : 0 };
}
