import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withCtx } from '../../platform/http.ts';
import { noContent, pageOf, replies } from '../../platform/replies.ts';
import {
  createSegmentBody,
  previewSegmentBody,
  segmentCustomerSchema,
  segmentFieldsSchema,
  segmentMembersQuery,
  segmentParams,
  segmentPreviewSchema,
  segmentSchema,
  updateSegmentBody,
} from './segments.schemas.ts';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  refreshSegment,
  segmentFields,
  segmentMembers,
  updateSegment,
} from './segments.service.ts';

const tags = ['segments'];

/** Segments: the fields rules may test, a live count of rules, saved segments and their members. */
export const segmentsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; clock: () => Date }> = async (
  app,
  { db, clock },
) => {
  app.get(
    '/segments/fields',
    { config: { access: 'segments.read' }, schema: { tags, response: replies({ 200: segmentFieldsSchema }) } },
    async (req) => withCtx(db, req, (trx, ctx) => segmentFields(trx, ctx)),
  );

  app.post(
    '/segments/preview',
    {
      config: { access: 'segments.read' },
      schema: { tags, body: previewSegmentBody, response: replies({ 200: segmentPreviewSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => previewSegment(trx, ctx, req.body.rules, clock())),
  );

  app.post(
    '/segments',
    {
      config: { access: 'segments.manage' },
      schema: { tags, body: createSegmentBody, response: replies({ 201: segmentSchema }) },
    },
    async (req, reply) => {
      const segment = await withCtx(db, req, (trx, ctx) => createSegment(trx, ctx, req.body, clock()));
      return reply.code(201).send(segment);
    },
  );

  app.get(
    '/segments',
    { config: { access: 'segments.read' }, schema: { tags, response: replies({ 200: pageOf(segmentSchema) }) } },
    async (req) => withCtx(db, req, (trx, ctx) => listSegments(trx, ctx)),
  );

  app.get(
    '/segments/:id',
    {
      config: { access: 'segments.read' },
      schema: { tags, params: segmentParams, response: replies({ 200: segmentSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getSegment(trx, ctx, req.params.id)),
  );

  app.patch(
    '/segments/:id',
    {
      config: { access: 'segments.manage' },
      schema: { tags, params: segmentParams, body: updateSegmentBody, response: replies({ 200: segmentSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateSegment(trx, ctx, req.params.id, req.body, clock())),
  );

  app.delete(
    '/segments/:id',
    {
      config: { access: 'segments.manage' },
      schema: { tags, params: segmentParams, response: replies({ 204: noContent }) },
    },
    async (req, reply) => {
      await withCtx(db, req, (trx, ctx) => deleteSegment(trx, ctx, req.params.id));
      return reply.code(204).send();
    },
  );

  app.post(
    '/segments/:id/refresh',
    {
      config: { access: 'segments.manage' },
      schema: { tags, params: segmentParams, response: replies({ 200: segmentSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => refreshSegment(trx, ctx, req.params.id, clock())),
  );

  app.get(
    '/segments/:id/customers',
    {
      config: { access: 'segments.read' },
      schema: {
        tags,
        params: segmentParams,
        querystring: segmentMembersQuery,
        response: replies({ 200: pageOf(segmentCustomerSchema) }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => segmentMembers(trx, ctx, req.params.id, req.query)),
  );
};
