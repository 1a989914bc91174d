import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { replies } from '../../platform/replies.ts';
import { createRule, listRules, receiveEvent, updateRule } from './loyalty.rules.manage.ts';
import {
  eventBody,
  eventOutcomeSchema,
  listRulesQuery,
  ruleBody,
  ruleIdParams,
  ruleSchema,
  rulesListSchema,
} from './loyalty.rules.schemas.ts';

const tags = ['loyalty'];

/** Earning rules (/loyalty/rules) for managers, and the events API (/loyalty/events) for tills, stores and surveys. */
export const rulesRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (app, { db, clock }) => {
  app.get(
    '/loyalty/rules',
    {
      config: { access: 'loyalty.read' },
      schema: { tags, querystring: listRulesQuery, response: replies({ 200: rulesListSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listRules(trx, ctx, req.query)),
  );

  app.post(
    '/loyalty/rules',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, body: ruleBody, response: replies({ 201: ruleSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await createRule(trx, ctx, req.body, clock()),
      })),
  );

  app.put(
    '/loyalty/rules/:id',
    {
      config: { access: 'loyalty.manage' },
      schema: { tags, params: ruleIdParams, body: ruleBody, response: replies({ 200: ruleSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateRule(trx, ctx, req.params.id, req.body, clock())),
  );

  app.post(
    '/loyalty/events',
    {
      config: { access: 'loyalty.events' },
      schema: { tags, body: eventBody, response: replies({ 200: eventOutcomeSchema, 201: eventOutcomeSchema }) },
    },
    async (req, reply) => {
      const outcome = await withCtx(db, req, (trx, ctx) => receiveEvent(trx, ctx, req.body, clock()));
      // The same event again: nothing more was awarded, and the answer says so.
      return reply.status(outcome.duplicate ? 200 : 201).send(outcome);
    },
  );
};
