import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { idempotent, withCtx } from '../../platform/http.ts';
import { replies } from '../../platform/replies.ts';
import {
  createdOrderSchema,
  createOrderBody,
  createProductBody,
  listOrdersQuery,
  orderPageSchema,
  orderSchema,
  productPageSchema,
  productSchema,
  refundBody,
} from './commerce.schemas.ts';
import { createOrder, createProduct, getOrder, listOrders, listProducts, refundOrder } from './commerce.service.ts';

const tags = ['commerce'];
const idParams = z.object({ id: z.uuid() }).strict();

export const commerceRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB> }> = async (app, { db }) => {
  app.post(
    '/products',
    {
      config: { access: 'commerce.write' },
      schema: { tags, body: createProductBody, response: replies({ 201: productSchema }) },
    },
    async (req, reply) => reply.code(201).send(await withCtx(db, req, (trx, ctx) => createProduct(trx, ctx, req.body))),
  );

  app.get(
    '/products',
    {
      config: { access: 'commerce.read' },
      schema: {
        tags,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(500).default(100),
            cursor: z.string().max(100).optional(),
          })
          .strict(),
        response: replies({ 200: productPageSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listProducts(trx, ctx, req.query)),
  );

  app.post(
    '/orders',
    {
      config: { access: 'commerce.write' },
      schema: { tags, body: createOrderBody, response: replies({ 200: createdOrderSchema, 201: createdOrderSchema }) },
    },
    async (req, reply) =>
      idempotent(db, req, reply, async (trx, ctx) => {
        const { order, created } = await createOrder(trx, ctx, req.body);
        return { status: created ? 201 : 200, body: order };
      }),
  );

  app.get(
    '/orders',
    {
      config: { access: 'commerce.read' },
      schema: { tags, querystring: listOrdersQuery, response: replies({ 200: orderPageSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listOrders(trx, ctx, req.query)),
  );

  app.get(
    '/orders/:id',
    {
      config: { access: 'commerce.read' },
      schema: { tags, params: idParams, response: replies({ 200: orderSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getOrder(trx, ctx, req.params.id)),
  );

  app.post(
    '/orders/:id/refunds',
    {
      config: { access: 'commerce.write' },
      schema: { tags, params: idParams, body: refundBody, response: replies({ 201: orderSchema }) },
    },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => refundOrder(trx, ctx, req.params.id, req.body))),
  );
};
