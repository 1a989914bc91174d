import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { newId } from '../../platform/crypto.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import { getMember, listLedger, listMembers } from './loyalty.members.ts';
import { getProgram, saveProgram } from './loyalty.program.ts';
import { enrolledMemberSchema } from './loyalty.referrals.schemas.ts';
import { loyaltyReport, loyaltyReportSchema } from './loyalty.report.ts';
import {
  adjustmentBody,
  customerIdParams,
  enrollBody,
  ledgerLineSchema,
  ledgerQuery,
  listMembersQuery,
  memberDetailSchema,
  memberSchema,
  programBody,
  programSchema,
} from './loyalty.schemas.ts';
import { adjustMemberPoints, enroll, referFriend } from './loyalty.service.ts';

const tags = ['loyalty'];

/** The club's API under /loyalty. Every handler takes the time once, as `now`, and passes it down. */
export const loyaltyRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (
  app,
  { db, clock },
) => {
  app.get(
    '/loyalty/program',
    { config: { access: 'loyalty.read' }, schema: { tags, response: replies({ 200: programSchema }) } },
    async (req) => withCtx(db, req, getProgram),
  );

  app.put(
    '/loyalty/program',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: programBody, response: replies({ 200: programSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => saveProgram(trx, ctx, req.body)),
  );

  app.post(
    '/loyalty/members',
    {
      config: { access: 'loyalty.enroll' },
      schema: { tags, body: enrollBody, response: replies({ 200: enrolledMemberSchema, 201: enrolledMemberSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => {
        const source = ctx.actor.type === 'api_key' ? 'api' : 'staff';
        const now = clock();
        const { referralCode, ...enrolment } = req.body;
        const { member, created } = await enroll(trx, ctx, { ...enrolment, source }, now);
        // The same `now`: a friend who was a member before this enrolment is refused as one.
        const referral = referralCode
          ? await referFriend(trx, ctx, { friendCustomerId: member.customerId, referralCode }, now)
          : undefined;
        return { status: created ? 201 : 200, body: referral ? { ...member, referral } : member };
      }),
  );

  app.get(
    '/loyalty/members',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listMembersQuery, response: replies({ 200: pageOf(memberSchema) }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listMembers(trx, ctx, req.query)),
  );

  app.get(
    '/loyalty/members/:customerId',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, params: customerIdParams, response: replies({ 200: memberDetailSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getMember(trx, ctx, req.params.customerId, clock())),
  );

  app.get(
    '/loyalty/members/:customerId/ledger',
    {
      config: { access: 'loyalty.read' },
      schema: {
        tags,
        params: customerIdParams,
        querystring: ledgerQuery,
        response: replies({ 200: pageOf(ledgerLineSchema) }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listLedger(trx, ctx, req.params.customerId, req.query)),
  );

  app.post(
    '/loyalty/members/:customerId/adjustments',
    {
      config: { access: 'loyalty.adjust' },
      schema: { tags, params: customerIdParams, body: adjustmentBody, response: replies({ 201: memberDetailSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => {
        const now = clock();
        const member = await adjustMemberPoints(
          trx,
          ctx,
          { customerId: req.params.customerId, ...req.body, sourceKey: `adjust:${newId()}` },
          now,
        );
        return { status: 201, body: member };
      }),
  );

  app.get(
    '/loyalty/report',
    {
      config: { access: 'loyalty.read' },
      schema: {
        tags,
        querystring: z.object({ months: z.coerce.number().int().min(1).max(36).default(12) }).strict(),
        response: replies({ 200: loyaltyReportSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => loyaltyReport(trx, ctx, clock(), req.query.months)),
  );
};
