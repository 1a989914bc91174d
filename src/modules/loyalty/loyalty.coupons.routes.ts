import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import { listMemberCoupons } from './loyalty.coupons.members.ts';
import {
  codeParams,
  couponCheckSchema,
  couponSchema,
  memberCouponsQuery,
  redeemCouponBody,
  redemptionSchema,
  validateCouponBody,
  voidedCouponSchema,
} from './loyalty.coupons.schemas.ts';
import { redeemCoupon, validateCoupon, voidCoupon } from './loyalty.coupons.ts';
import { customerIdParams } from './loyalty.schemas.ts';

const tags = ['coupons'];

/** The coupon API a till or web store calls (/coupons), and a member's coupons. */
export const couponsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (
  app,
  { db, clock },
) => {
  app.post(
    '/coupons/validate',
    {
      config: { access: 'coupons.redeem' },
      schema: { tags, body: validateCouponBody, response: replies({ 200: couponCheckSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => validateCoupon(trx, ctx, req.body, clock())),
  );

  app.post(
    '/coupons/redeem',
    {
      config: { access: 'coupons.redeem' },
      schema: { tags, body: redeemCouponBody, response: replies({ 200: redemptionSchema, 201: redemptionSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => {
        const { created, redemption } = await redeemCoupon(trx, ctx, req.body, clock());
        // The same code and order again: the first redemption, as it was.
        if (!created) reply.header('idempotent-replayed', 'true');
        return { status: created ? 201 : 200, body: redemption };
      }),
  );

  app.post(
    '/coupons/:code/void',
    {
      config: { access: 'coupons.redeem' },
      schema: { tags, params: codeParams, response: replies({ 200: voidedCouponSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => voidCoupon(trx, ctx, req.params.code, clock())),
  );

  app.get(
    '/loyalty/members/:customerId/coupons',
    {
      config: { access: 'loyalty.read' },
      schema: {
        tags: ['loyalty'],
        params: customerIdParams,
        querystring: memberCouponsQuery,
        response: replies({ 200: pageOf(couponSchema) }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listMemberCoupons(trx, ctx, req.params.customerId, req.query)),
  );
};
