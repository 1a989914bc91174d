import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withCtx } from '../../platform/http.ts';
import { pageOf, replies } from '../../platform/replies.ts';
import { branchSchema } from './locations.schemas.ts';
import { listBranches } from './locations.service.ts';

const tags = ['locations'];

export const locationsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB> }> = async (app, { db }) => {
  // Whoever may read customers may read where they shop: the branch list fills the customers' filters and forms.
  app.get(
    '/branches',
    { config: { access: 'customers.read' }, schema: { tags, response: replies({ 200: pageOf(branchSchema) }) } },
    async (req) => ({
      items: await withCtx(db, req, listBranches),
      nextCursor: null,
    }),
  );
};
