import { randomInt } from 'node:crypto';
import { type Insertable, type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { benefitReplyOf } from './loyalty.coupons.benefit.ts';
import type { CouponStatus, LoyaltyCouponTable } from './loyalty.coupons.tables.ts';

/*
 * Coupon codes and rows: making codes (random, or the business's own), finding
 * one whatever the case it is typed in, and a coupon as replies show it.
 */

export type CouponRow = Selectable<LoyaltyCouponTable> & { order_id: string | null };
/** A coupon to make, but for its code; its id may be given when it is one. */
export type NewCoupon = Omit<Insertable<LoyaltyCouponTable>, 'workspace_id' | 'id' | 'code'> & { id?: string };

// newReferralCode's alphabet (loyalty.members.ts): read out at a till without confusion (no 0/O, 1/I/L).
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A coupon code, 10 characters: about 8×10^14 of them, so one is not guessed. */
export function newCouponCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** Makes `count` coupons alike but for their codes (a code taken already is drawn again). */
export async function insertCoupons(trx: Trx, ctx: Ctx, coupon: NewCoupon, count: number) {
  const made: Selectable<LoyaltyCouponTable>[] = [];
  for (let attempt = 0; made.length < count && attempt < 5; attempt++) {
    const rows = Array.from({ length: count - made.length }, () => ({
      ...coupon,
      workspace_id: ctx.workspaceId,
      id: count === 1 && coupon.id ? coupon.id : newId(),
      code: newCouponCode(),
    }));
    made.push(
      ...(await trx
        .insertInto('loyalty_coupons')
        .values(rows)
        .onConflict((oc) => oc.columns(['workspace_id', 'code_key']).doNothing())
        .returningAll()
        .execute()),
    );
  }
  if (made.length < count) throw new Error('no free coupon codes after five draws');
  return made;
}

/** Makes a coupon with the code the business chose; refused when the workspace has that code in any case. */
export async function insertCouponWithCode(trx: Trx, ctx: Ctx, coupon: NewCoupon, code: string) {
  const row = await trx
    .insertInto('loyalty_coupons')
    .values({ ...coupon, workspace_id: ctx.workspaceId, id: coupon.id ?? newId(), code })
    .onConflict((oc) => oc.columns(['workspace_id', 'code_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('COUPON.CODE_TAKEN', { fields: [{ field: 'code', message: 'value.taken' }] });
  return row;
}

/** Coupons with the order that used each single-use one. */
export function couponsQuery(trx: Trx, ctx: Ctx) {
  return trx
    .selectFrom('loyalty_coupons as c')
    .selectAll('c')
    .select((eb) =>
      eb
        .selectFrom('loyalty_coupon_uses as u')
        .select('u.order_id')
        .whereRef('u.workspace_id', '=', 'c.workspace_id')
        .whereRef('u.coupon_id', '=', 'c.id')
        .where('c.multi_use', '=', false)
        .limit(1)
        .as('order_id'),
    )
    .where('c.workspace_id', '=', ctx.workspaceId);
}

/**
 * One page of a campaign's or a member's coupons, newest first (unused ones only with `status: 'active'`); the
 * cursor is named for the list it pages (`'campaign-codes'`, `'coupons'`), so one list's cursor is refused by another.
 */
export async function couponsPage(
  trx: Trx,
  ctx: Ctx,
  of: { campaignId: string } | { customerId: string },
  query: { limit: number; cursor?: string | undefined; status?: CouponStatus | undefined },
  cursorName: string,
) {
  const owner =
    'campaignId' in of ? (['c.campaign_id', of.campaignId] as const) : (['c.customer_id', of.customerId] as const);
  const after = decodeTimeCursor(query.cursor, cursorName);
  const rows = await couponsQuery(trx, ctx)
    .where(owner[0], '=', owner[1])
    .$if(query.status !== undefined, (q) => q.where('c.status', '=', query.status!))
    .$if(after !== null, (q) =>
      q.where(sql<boolean>`(c.created_at, c.id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`),
    )
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, cursorName),
  );
  return { items: page.map(couponReplyOf), nextCursor };
}

/** The workspace's coupon of a code, in any case: another workspace's code is not found. */
export async function findCoupon(trx: Trx, ctx: Ctx, code: string): Promise<CouponRow | undefined> {
  return couponsQuery(trx, ctx).where('c.code_key', '=', sql<string>`upper(${code})`).executeTakeFirst();
}

export async function couponById(trx: Trx, ctx: Ctx, id: string): Promise<CouponRow> {
  return couponsQuery(trx, ctx).where('c.id', '=', id).executeTakeFirstOrThrow();
}

export function couponReplyOf(row: Selectable<LoyaltyCouponTable> & { order_id?: string | null }) {
  return {
    id: row.id,
    code: row.code,
    source: row.reward_id ? ('reward' as const) : ('campaign' as const),
    rewardId: row.reward_id,
    campaignId: row.campaign_id,
    customerId: row.customer_id,
    name: row.name,
    ...benefitReplyOf(row),
    pointsCost: Number(row.points_cost),
    multiUse: row.multi_use,
    status: row.status,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    usedAt: row.used_at,
    orderId: row.order_id ?? null,
    voidedAt: row.voided_at,
  };
}
