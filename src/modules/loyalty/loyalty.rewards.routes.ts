import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import {
  addPoolCodes,
  createCampaign,
  listCampaignCodes,
  listCampaigns,
  updateCampaign,
} from './loyalty.coupons.campaigns.ts';
import { couponSchema, memberCouponsQuery } from './loyalty.coupons.schemas.ts';
import {
  addCodesBody,
  campaignSchema,
  createCampaignBody,
  createRewardBody,
  idParams,
  listCampaignsQuery,
  listRewardsQuery,
  redeemRewardBody,
  rewardSchema,
  updateCampaignBody,
  updateRewardBody,
} from './loyalty.rewards.schemas.ts';
import { createReward, listRewards, redeemReward, updateReward } from './loyalty.rewards.ts';

const tags = ['loyalty'];

/** The rewards catalog and the members-only campaigns, under /loyalty. */
export const rewardsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (
  app,
  { db, clock },
) => {
  app.post(
    '/loyalty/rewards',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: createRewardBody, response: replies({ 201: rewardSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await createReward(trx, ctx, req.body, clock()),
      })),
  );

  app.get(
    '/loyalty/rewards',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listRewardsQuery, response: replies({ 200: pageOf(rewardSchema) }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listRewards(trx, ctx, req.query)),
  );

  app.patch(
    '/loyalty/rewards/:id',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, params: idParams, body: updateRewardBody, response: replies({ 200: rewardSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateReward(trx, ctx, req.params.id, req.body, clock())),
  );

  app.post(
    '/loyalty/rewards/:id/redeem',
    {
      config: { access: 'coupons.redeem' },
      schema: { tags, params: idParams, body: redeemRewardBody, response: replies({ 201: couponSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await redeemReward(trx, ctx, { rewardId: req.params.id, customerId: req.body.customerId }, clock()),
      })),
  );

  app.post(
    '/loyalty/campaigns',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: createCampaignBody, response: replies({ 201: campaignSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await createCampaign(trx, ctx, req.body, clock()),
      })),
  );

  app.get(
    '/loyalty/campaigns',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listCampaignsQuery, response: replies({ 200: pageOf(campaignSchema) }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listCampaigns(trx, ctx, req.query)),
  );

  app.patch(
    '/loyalty/campaigns/:id',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, params: idParams, body: updateCampaignBody, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateCampaign(trx, ctx, req.params.id, req.body, clock())),
  );

  app.post(
    '/loyalty/campaigns/:id/codes',
    {
      config: { access: 'loyalty.manage' },
      schema: {
        tags,
        params: idParams,
        body: addCodesBody,
        response: replies({ 201: z.strictObject({ items: z.array(couponSchema) }) }),
      },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await addPoolCodes(trx, ctx, req.params.id, req.body.count, clock()),
      })),
  );

  app.get(
    '/loyalty/campaigns/:id/codes',
    {
      config: { access: 'loyalty.manage' },
      schema: {
        tags,
        params: idParams,
        querystring: memberCouponsQuery,
        response: replies({ 200: pageOf(couponSchema) }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listCampaignCodes(trx, ctx, req.params.id, req.query)),
  );
};
