import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';

/*
 * A customer's referrals in a merge, an export and an erasure. A merge moves
 * the merged customer's referrals, as referrer and as friend, to the survivor:
 * a friend keeps one referral that counts (a qualified one, else the earliest),
 * the other is refused as 'merged'; a pending referral whose two sides are now
 * one person is refused as a self-referral. Points already given stay where
 * the ledger's merge moved them, so nothing is given or counted twice.
 */

export async function mergeReferrals(trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }, now: Date) {
  const counting = await trx
    .selectFrom('loyalty_referrals')
    .select(['id', 'status', 'referred_at', 'friend_customer_id'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('friend_customer_id', 'in', [ids.survivorId, ids.mergedId])
    .where('status', '<>', 'refused')
    .forUpdate()
    .execute();
  if (counting.length > 1) {
    const rank = (r: (typeof counting)[number]) => (r.status === 'qualified' ? 0 : 1);
    const [keep] = [...counting].sort((a, b) => rank(a) - rank(b) || a.referred_at.getTime() - b.referred_at.getTime());
    await trx
      .updateTable('loyalty_referrals')
      .set({ status: 'refused', reason: 'merged', updated_at: now })
      .where('workspace_id', '=', ctx.workspaceId)
      .where(
        'id',
        'in',
        counting.filter((r) => r.id !== keep?.id).map((r) => r.id),
      )
      .execute();
  }
  for (const column of ['friend_customer_id', 'referrer_customer_id'] as const) {
    await trx
      .updateTable('loyalty_referrals')
      .set({ [column]: ids.survivorId, updated_at: now })
      .where('workspace_id', '=', ctx.workspaceId)
      .where(column, '=', ids.mergedId)
      .execute();
  }
  await trx
    .updateTable('loyalty_referrals')
    .set({ status: 'refused', reason: 'self_referral', updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('referrer_customer_id', '=', ids.survivorId)
    .where('friend_customer_id', '=', ids.survivorId)
    .where('status', '=', 'pending')
    .execute();
}

/** The customer's referrals, as referrer and as friend, for the export of its data. */
export async function exportReferrals(trx: Trx, ctx: Ctx, customerId: string) {
  const rows = await trx
    .selectFrom('loyalty_referrals')
    .select([
      'id',
      'referrer_customer_id',
      'friend_customer_id',
      'code',
      'status',
      'reason',
      'order_id',
      'referrer_points',
      'friend_points',
      'referred_at',
      'qualified_at',
    ])
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('referrer_customer_id', '=', customerId), eb('friend_customer_id', '=', customerId)]))
    .orderBy('referred_at')
    .execute();
  return rows.map((r) => {
    const role = r.referrer_customer_id === customerId ? 'referrer' : 'friend';
    return {
      role,
      code: r.code,
      status: r.status,
      reason: r.reason,
      orderId: r.order_id,
      points: Number(role === 'referrer' ? r.referrer_points : r.friend_points),
      referredAt: r.referred_at,
      qualifiedAt: r.qualified_at,
    };
  });
}

/** Erasure keeps the referrals (the points they gave stay on the books) but not the code the person shared. */
export async function eraseReferrals(trx: Trx, ctx: Ctx, customerId: string, now: Date) {
  await trx
    .updateTable('loyalty_referrals')
    .set({ code: '', updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('referrer_customer_id', '=', customerId), eb('friend_customer_id', '=', customerId)]))
    .where('code', '<>', '')
    .execute();
}
