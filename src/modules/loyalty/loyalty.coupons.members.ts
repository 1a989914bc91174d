import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { couponReplyOf, couponsPage, couponsQuery } from './loyalty.coupons.codes.ts';
import { shekels } from './loyalty.coupons.schemas.ts';
import type { CouponStatus } from './loyalty.coupons.tables.ts';
import { requireMember } from './loyalty.members.ts';

// A member's coupons: the list, and its part of a customer's export and merge.

/** A member's coupons (the rewards it bought, the pool codes it used), newest first. */
export async function listMemberCoupons(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  query: { limit: number; cursor?: string | undefined; status?: CouponStatus | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  await requireMember(trx, ctx, customerId);
  return couponsPage(trx, ctx, { customerId }, query, 'coupons');
}

/** A customer's part of the export: the coupons it held and every use of a code it made. */
export async function exportCoupons(trx: Trx, ctx: Ctx, customerId: string) {
  const coupons = await couponsQuery(trx, ctx)
    .where('c.customer_id', '=', customerId)
    .orderBy('c.created_at')
    .execute();
  const couponUses = await trx
    .selectFrom('loyalty_coupon_uses as u')
    .innerJoin('loyalty_coupons as c', (join) =>
      join.onRef('c.workspace_id', '=', 'u.workspace_id').onRef('c.id', '=', 'u.coupon_id'),
    )
    .select(['c.code', 'c.name', 'u.order_id', 'u.basket_total_agorot', 'u.discount_agorot', 'u.used_at'])
    .where('u.workspace_id', '=', ctx.workspaceId)
    .where('u.customer_id', '=', customerId)
    .orderBy('u.used_at')
    .execute();
  return {
    coupons: coupons.map(couponReplyOf),
    couponUses: couponUses.map((u) => ({
      code: u.code,
      name: u.name,
      orderId: u.order_id,
      basketTotal: shekels(u.basket_total_agorot),
      discount: shekels(u.discount_agorot),
      usedAt: u.used_at,
    })),
  };
}

/**
 * A merge gives the survivor the merged customer's coupons and its uses of
 * codes. A campaign both had already stays on the merged one's record: the
 * survivor has had that campaign once, and keeps it that way.
 */
export async function mergeCoupons(trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) {
  await trx
    .updateTable('loyalty_coupons')
    .set({ customer_id: ids.survivorId })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', ids.mergedId)
    .execute();
  await trx
    .updateTable('loyalty_coupon_uses as u')
    .set({ customer_id: ids.survivorId })
    .where('u.workspace_id', '=', ctx.workspaceId)
    .where('u.customer_id', '=', ids.mergedId)
    .where((eb) =>
      eb.or([
        eb('u.campaign_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('loyalty_coupon_uses as s')
              .select('s.id')
              .whereRef('s.workspace_id', '=', 'u.workspace_id')
              .whereRef('s.campaign_id', '=', 'u.campaign_id')
              .where('s.customer_id', '=', ids.survivorId),
          ),
        ),
      ]),
    )
    .execute();
}
