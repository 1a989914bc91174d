import { addMonths } from 'date-fns';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { book, type Entry, lockMember, lotsOf } from './loyalty.ledger.ts';
import type { Program } from './loyalty.program.ts';

/**
 * Gives back the points of a spend (a reward whose coupon was not used): one
 * booking of kind 'void' that puts back into each lot exactly what the spend
 * took from it, against the club's redeemed account. The lots keep their
 * dates, so points of a lot past its expiry go at the next expiry run. A
 * member in debt (after a clawback) pays it first from what comes back, so a
 * member never holds a debt and points at once. `customerId` is who holds the
 * points now: the spender, or the survivor it was merged into (a merge moves
 * lots by their ids). The same cause books once: null the second time.
 *
 * Points that come back after their time are expired at once, in a booking
 * of their own: a lot past its expiry date, or a balance the member's
 * inactivity already expired. The expiry job would not take them again (it
 * expires a lot, or an inactive balance, once), so the void does it.
 */
export async function voidSpend(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  input: { spendId: string; customerId: string; sourceKey: string; note?: string; occurredAt: Date },
): Promise<{ id: string | null; points: number; expired: number }> {
  const { customerId } = input;
  const member = await lockMember(trx, ctx, customerId);
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
  if (!id) return { id, points: 0, expired: 0 };
  return { id, points, expired: await expireReturned(trx, ctx, program, member.last_activity_at, input, taken) };
}

/** Expires the points a void gave back that are already past their time; returns how many. */
async function expireReturned(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  lastActivityAt: Date,
  input: { customerId: string; sourceKey: string; occurredAt: Date },
  taken: { lot_id: string | null; amount: string }[],
): Promise<number> {
  if (program.expiryMode === 'none') return 0;
  const { customerId, occurredAt } = input;
  const lapsed = program.expiryMode === 'inactivity' && addMonths(lastActivityAt, program.expiryMonths) <= occurredAt;
  const lots = await lotsOf(trx, ctx, customerId, 'member.available');
  const entries: Entry[] = [];
  let expired = 0;
  for (const line of taken) {
    const lot = lots.find((l) => l.lotId !== null && l.lotId === line.lot_id);
    const due = lapsed || (program.expiryMode === 'batch' && lot?.expiresAt && lot.expiresAt <= occurredAt);
    const amount = lot && due ? Math.min(-Number(line.amount), lot.remaining) : 0;
    if (amount <= 0) continue;
    entries.push({ account: 'member.available', customerId, lotId: line.lot_id, amount: -amount });
    lot!.remaining -= amount;
    expired += amount;
  }
  if (expired === 0) return 0;
  entries.push({ account: 'club.expired', amount: expired });
  await book(trx, ctx, { customerId, kind: 'expire', sourceKey: `expire-${input.sourceKey}`, occurredAt, entries });
  return expired;
}
