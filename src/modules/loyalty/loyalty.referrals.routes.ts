import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import {
  listReferralsQuery,
  referralLinkSchema,
  referralListItemSchema,
  referralSettingsBody,
  referralSettingsSchema,
} from './loyalty.referrals.schemas.ts';
import { getReferralSettings, listReferrals, referralLink, saveReferralSettings } from './loyalty.referrals.ts';
import { customerIdParams } from './loyalty.schemas.ts';

const tags = ['loyalty'];

/** Referrals under /loyalty/referrals, and a member's share link. A friend is referred on enrolment (POST /loyalty/members). */
export const referralsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date; publicUrl: string }> = async (
  app,
  { db, clock, publicUrl },
) => {
  app.get(
    '/loyalty/referrals',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listReferralsQuery, response: replies({ 200: pageOf(referralListItemSchema) }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listReferrals(trx, ctx, req.query)),
  );

  app.get(
    '/loyalty/referrals/settings',
    { config: { access: 'loyalty.read' }, schema: { tags, response: replies({ 200: referralSettingsSchema }) } },
    async (req) => withCtx(db, req, getReferralSettings),
  );

  app.put(
    '/loyalty/referrals/settings',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: referralSettingsBody, response: replies({ 200: referralSettingsSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => saveReferralSettings(trx, ctx, req.body, clock())),
  );

  app.get(
    '/loyalty/members/:customerId/referral-link',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, params: customerIdParams, response: replies({ 200: referralLinkSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => referralLink(trx, ctx, req.params.customerId, publicUrl)),
  );
};
