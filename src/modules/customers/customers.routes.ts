import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { idempotent, requireAuth, withCtx } from '../../platform/http.ts';
import type { CustomerPageCache } from './customers.page-cache.ts';
import {
  consentBody,
  createCustomerBody,
  customerIdParams,
  listCustomersQuery,
  mergeBody,
  noteBody,
  tagsBody,
  updateCustomerBody,
} from './customers.schemas.ts';
import {
  addNote,
  archiveCustomer,
  changeConsent,
  createCustomer,
  eraseCustomer,
  exportCustomer,
  findDuplicates,
  getCustomer,
  getCustomer360,
  listBranches,
  listTags,
  listTimeline,
  mergeCustomers,
  searchCustomers,
  setCustomerTags,
  updateCustomer,
} from './customers.service.ts';

const tags = ['customers'];

export const customersRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; pages: CustomerPageCache }> = async (
  app,
  { db, pages },
) => {
  app.get(
    '/customers',
    { config: { access: 'customers.read' }, schema: { tags, querystring: listCustomersQuery } },
    async (req) => withCtx(db, req, (trx, ctx) => searchCustomers(trx, ctx, req.query)),
  );

  app.post(
    '/customers',
    {
      config: { access: 'customers.write' },
      schema: {
        tags,
        body: createCustomerBody,
        querystring: z.object({ allowDuplicate: z.enum(['true', 'false']).optional() }).strict(),
      },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => ({
        status: 201,
        body: await createCustomer(trx, ctx, req.body, { allowDuplicate: req.query.allowDuplicate === 'true' }),
      })),
  );

  app.get(
    '/customers/:id',
    { config: { access: 'customers.read' }, schema: { tags, params: customerIdParams } },
    async (req, reply) => {
      const ctx = requireAuth(req);
      const body = await pages.page(ctx.workspaceId, req.params.id, () => getCustomer360(db, ctx, req.params.id));
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.patch(
    '/customers/:id',
    { config: { access: 'customers.write' }, schema: { tags, params: customerIdParams, body: updateCustomerBody } },
    async (req) => withCtx(db, req, (trx, ctx) => updateCustomer(trx, ctx, req.params.id, req.body)),
  );

  app.delete(
    '/customers/:id',
    { config: { access: 'customers.write' }, schema: { tags, params: customerIdParams } },
    async (req, reply) => {
      await withCtx(db, req, (trx, ctx) => archiveCustomer(trx, ctx, req.params.id));
      return reply.code(204).send();
    },
  );

  app.get(
    '/customers/:id/timeline',
    {
      config: { access: 'customers.read' },
      schema: {
        tags,
        params: customerIdParams,
        querystring: z
          .object({
            cursor: z.string().max(300).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
          })
          .strict(),
      },
    },
    async (req) =>
      withCtx(db, req, async (trx, ctx) => {
        await getCustomer(trx, ctx, req.params.id);
        return listTimeline(trx, ctx, req.params.id, { limit: req.query.limit, cursor: req.query.cursor });
      }),
  );

  app.post(
    '/customers/:id/consents',
    { config: { access: 'customers.consent' }, schema: { tags, params: customerIdParams, body: consentBody } },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => changeConsent(trx, ctx, req.params.id, req.body))),
  );

  app.post(
    '/customers/:id/notes',
    { config: { access: 'customers.write' }, schema: { tags, params: customerIdParams, body: noteBody } },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => addNote(trx, ctx, req.params.id, req.body.body))),
  );

  app.put(
    '/customers/:id/tags',
    { config: { access: 'customers.tag' }, schema: { tags, params: customerIdParams, body: tagsBody } },
    async (req) => withCtx(db, req, (trx, ctx) => setCustomerTags(trx, ctx, req.params.id, req.body.tags)),
  );

  app.get(
    '/customers/:id/duplicates',
    { config: { access: 'customers.read' }, schema: { tags, params: customerIdParams } },
    async (req) => ({
      items: await withCtx(db, req, (trx, ctx) => findDuplicates(trx, ctx, req.params.id)),
      nextCursor: null,
    }),
  );

  app.post(
    '/customers/:id/merge',
    { config: { access: 'customers.merge' }, schema: { tags, params: customerIdParams, body: mergeBody } },
    async (req) => withCtx(db, req, (trx, ctx) => mergeCustomers(trx, ctx, req.params.id, req.body.otherId)),
  );

  app.get(
    '/customers/:id/export',
    { config: { access: 'customers.export' }, schema: { tags, params: customerIdParams } },
    async (req, reply) => {
      const data = await withCtx(db, req, (trx, ctx) => exportCustomer(trx, ctx, req.params.id));
      return reply.header('content-disposition', `attachment; filename="customer-${req.params.id}.json"`).send(data);
    },
  );

  app.post(
    '/customers/:id/erase',
    { config: { access: 'customers.erase' }, schema: { tags, params: customerIdParams } },
    async (req) => withCtx(db, req, (trx, ctx) => eraseCustomer(trx, ctx, req.params.id)),
  );

  app.get('/branches', { config: { access: 'customers.read' }, schema: { tags } }, async (req) => ({
    items: await withCtx(db, req, listBranches),
    nextCursor: null,
  }));

  app.get('/tags', { config: { access: 'customers.read' }, schema: { tags } }, async (req) => ({
    items: await withCtx(db, req, listTags),
    nextCursor: null,
  }));
};
