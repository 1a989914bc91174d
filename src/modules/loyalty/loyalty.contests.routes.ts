import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import {
  contestDetailSchema,
  contestEntryBody,
  contestEntrySchema,
  contestIdParams,
  contestSchema,
  contestVerificationSchema,
  createContestBody,
  judgeContestBody,
  listContestsQuery,
  listEntriesQuery,
  updateContestBody,
} from './loyalty.contests.schemas.ts';
import {
  createContest,
  drawContest,
  enterContest,
  getContest,
  judgeContest,
  listContestEntries,
  listContests,
  setContestStatus,
  verifyContest,
} from './loyalty.contests.ts';

const tags = ['loyalty'];

/** The club's contests, under /loyalty/contests: set up, entered, drawn or judged, and verified. */
export const contestsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (
  app,
  { db, clock },
) => {
  app.post(
    '/loyalty/contests',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: createContestBody, response: replies({ 201: contestSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await createContest(trx, ctx, req.body, clock()),
      })),
  );

  app.get(
    '/loyalty/contests',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listContestsQuery, response: replies({ 200: pageOf(contestSchema) }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listContests(trx, ctx, req.query, clock())),
  );

  app.get(
    '/loyalty/contests/:id',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, params: contestIdParams, response: replies({ 200: contestDetailSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getContest(trx, ctx, req.params.id, clock())),
  );

  app.patch(
    '/loyalty/contests/:id',
    {
      config: { access: 'loyalty.manage' },
      schema: {
        tags,
        params: contestIdParams,
        body: updateContestBody,
        response: replies({ 200: contestDetailSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => setContestStatus(trx, ctx, req.params.id, req.body.status, clock())),
  );

  app.post(
    '/loyalty/contests/:id/entries',
    {
      config: { access: 'loyalty.enroll' },
      schema: { tags, params: contestIdParams, body: contestEntryBody, response: replies({ 201: contestEntrySchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await enterContest(trx, ctx, req.params.id, req.body, clock()),
      })),
  );

  app.get(
    '/loyalty/contests/:id/entries',
    {
      config: { access: 'loyalty.read' },
      schema: {
        tags,
        params: contestIdParams,
        querystring: listEntriesQuery,
        response: replies({ 200: z.strictObject({ items: z.array(contestEntrySchema) }) }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listContestEntries(trx, ctx, req.params.id, req.query)),
  );

  app.post(
    '/loyalty/contests/:id/draw',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, params: contestIdParams, response: replies({ 200: contestDetailSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => drawContest(trx, ctx, req.params.id, clock())),
  );

  app.post(
    '/loyalty/contests/:id/judge',
    {
      config: { access: 'loyalty.manage' },
      schema: {
        tags,
        params: contestIdParams,
        body: judgeContestBody,
        response: replies({ 200: contestDetailSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => judgeContest(trx, ctx, req.params.id, req.body, clock())),
  );

  app.post(
    '/loyalty/contests/:id/verify',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, params: contestIdParams, response: replies({ 200: contestVerificationSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => verifyContest(trx, ctx, req.params.id)),
  );
};
