import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { idempotent, requireAuth, withCtx } from '../../platform/http.ts';
import { erasedReplySchema, noContent, pageOf, replies } from '../../platform/replies.ts';
import type { CustomerPageCache } from './customers.page-cache.ts';
import type { Customer360 } from './customers.schemas.ts';
import {
  consentBody,
  consentChangeSchema,
  createCustomerBody,
  customer360Schema,
  customerExportSchema,
  customerIdParams,
  customerPageSchema,
  customerSchema,
  erasureSchema,
  listCustomersQuery,
  mergeBody,
  noteBody,
  noteSchema,
  tagCountSchema,
  tagsBody,
  timelinePageSchema,
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
    {
      config: { access: 'customers.read' },
      schema: { tags, querystring: listCustomersQuery, response: replies({ 200: customerPageSchema }) },
    },
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
        response: replies({ 201: z.union([customerSchema, erasedReplySchema]) }),
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
    {
      config: { access: 'customers.read' },
      // Documented, not applied: the page is sent as the JSON string kept for it (customers.page-cache.ts).
      schema: {
        tags,
        params: customerIdParams,
        response: replies({
          200: { description: 'The customer page', content: { 'application/json': { schema: customer360Schema } } },
        }),
      },
    },
    async (req, reply) => {
      const ctx = requireAuth(req);
      const body = await pages.page(ctx.workspaceId, req.params.id, () => getCustomer360(db, ctx, req.params.id));
      // The page's JSON as kept, in a Buffer: fastify sends it as it is, past the schema's encoder.
      return reply.type('application/json; charset=utf-8').send(body as unknown as Customer360);
    },
  );

  app.patch(
    '/customers/:id',
    {
      config: { access: 'customers.write' },
      schema: { tags, params: customerIdParams, body: updateCustomerBody, response: replies({ 200: customerSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateCustomer(trx, ctx, req.params.id, req.body)),
  );

  app.delete(
    '/customers/:id',
    {
      config: { access: 'customers.write' },
      schema: { tags, params: customerIdParams, response: replies({ 204: noContent }) },
    },
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
        response: replies({ 200: timelinePageSchema }),
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
    {
      config: { access: 'customers.consent' },
      schema: { tags, params: customerIdParams, body: consentBody, response: replies({ 201: consentChangeSchema }) },
    },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => changeConsent(trx, ctx, req.params.id, req.body))),
  );

  app.post(
    '/customers/:id/notes',
    {
      config: { access: 'customers.write' },
      schema: { tags, params: customerIdParams, body: noteBody, response: replies({ 201: noteSchema }) },
    },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => addNote(trx, ctx, req.params.id, req.body.body))),
  );

  app.put(
    '/customers/:id/tags',
    {
      config: { access: 'customers.tag' },
      schema: { tags, params: customerIdParams, body: tagsBody, response: replies({ 200: customerSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => setCustomerTags(trx, ctx, req.params.id, req.body.tags)),
  );

  app.get(
    '/customers/:id/duplicates',
    {
      config: { access: 'customers.read' },
      schema: { tags, params: customerIdParams, response: replies({ 200: pageOf(customerSchema) }) },
    },
    async (req) => ({
      items: await withCtx(db, req, (trx, ctx) => findDuplicates(trx, ctx, req.params.id)),
      nextCursor: null,
    }),
  );

  app.post(
    '/customers/:id/merge',
    {
      config: { access: 'customers.merge' },
      schema: { tags, params: customerIdParams, body: mergeBody, response: replies({ 200: customerSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => mergeCustomers(trx, ctx, req.params.id, req.body.otherId)),
  );

  app.get(
    '/customers/:id/export',
    {
      config: { access: 'customers.export' },
      schema: {
        tags,
        params: customerIdParams,
        response: replies({
          200: {
            description: "The customer's data as a JSON file (content-disposition: attachment)",
            content: { 'application/json': { schema: customerExportSchema } },
          },
        }),
      },
    },
    async (req, reply) => {
      const data = await withCtx(db, req, (trx, ctx) => exportCustomer(trx, ctx, req.params.id));
      return reply.header('content-disposition', `attachment; filename="customer-${req.params.id}.json"`).send(data);
    },
  );

  app.post(
    '/customers/:id/erase',
    {
      config: { access: 'customers.erase' },
      schema: { tags, params: customerIdParams, response: replies({ 200: erasureSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => eraseCustomer(trx, ctx, req.params.id)),
  );

  app.get(
    '/tags',
    { config: { access: 'customers.read' }, schema: { tags, response: replies({ 200: pageOf(tagCountSchema) }) } },
    async (req) => ({
      items: await withCtx(db, req, listTags),
      nextCursor: null,
    }),
  );
};
