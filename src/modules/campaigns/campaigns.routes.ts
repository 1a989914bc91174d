import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withCtx } from '../../platform/http.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { noContent, pageOf, replies } from '../../platform/replies.ts';
import {
  campaignSchema,
  createCampaignBody,
  createTemplateBody,
  idParams,
  previewTemplateBody,
  templatePreviewSchema,
  templateSchema,
  unsubscribeParams,
} from './campaigns.schemas.ts';
import {
  cancelCampaign,
  createCampaign,
  createTemplate,
  deleteCampaign,
  deleteTemplate,
  getCampaign,
  getTemplate,
  listCampaigns,
  listTemplates,
  previewTemplate,
  sendCampaign,
  updateCampaign,
  updateTemplate,
} from './campaigns.service.ts';
import { unsubscribe } from './campaigns.unsubscribe.ts';
import { unsubscribePage } from './campaigns.unsubscribe-page.ts';

const tags = ['campaigns'];

/** Templates, campaigns, and the unsubscribe link every marketing message carries. */
export const campaignsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; jobs: Jobs; clock: () => Date }> = async (
  app,
  { db, jobs, clock },
) => {
  // RFC 8058: a mail program's one-click unsubscribe is a form POST (List-Unsubscribe=One-Click).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  app.post(
    '/templates',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, body: createTemplateBody, response: replies({ 201: templateSchema }) },
    },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => createTemplate(trx, ctx, req.body, clock()))),
  );
  app.get(
    '/templates',
    { config: { access: 'campaigns.read' }, schema: { tags, response: replies({ 200: pageOf(templateSchema) }) } },
    async (req) => withCtx(db, req, (trx, ctx) => listTemplates(trx, ctx)),
  );
  app.get(
    '/templates/:id',
    {
      config: { access: 'campaigns.read' },
      schema: { tags, params: idParams, response: replies({ 200: templateSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getTemplate(trx, ctx, req.params.id)),
  );
  app.put(
    '/templates/:id',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, params: idParams, body: createTemplateBody, response: replies({ 200: templateSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateTemplate(trx, ctx, req.params.id, req.body, clock())),
  );
  app.delete(
    '/templates/:id',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, params: idParams, response: replies({ 204: noContent }) },
    },
    async (req, reply) => {
      await withCtx(db, req, (trx, ctx) => deleteTemplate(trx, ctx, req.params.id));
      return reply.code(204).send();
    },
  );
  app.post(
    '/templates/:id/preview',
    {
      config: { access: 'campaigns.read' },
      schema: { tags, params: idParams, body: previewTemplateBody, response: replies({ 200: templatePreviewSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => previewTemplate(trx, ctx, req.params.id, req.body.customerId)),
  );

  app.post(
    '/campaigns',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, body: createCampaignBody, response: replies({ 201: campaignSchema }) },
    },
    async (req, reply) =>
      reply.code(201).send(await withCtx(db, req, (trx, ctx) => createCampaign(trx, ctx, req.body, clock()))),
  );
  app.get(
    '/campaigns',
    { config: { access: 'campaigns.read' }, schema: { tags, response: replies({ 200: pageOf(campaignSchema) }) } },
    async (req) => withCtx(db, req, (trx, ctx) => listCampaigns(trx, ctx)),
  );
  app.get(
    '/campaigns/:id',
    {
      config: { access: 'campaigns.read' },
      schema: { tags, params: idParams, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getCampaign(trx, ctx, req.params.id)),
  );
  app.put(
    '/campaigns/:id',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, params: idParams, body: createCampaignBody, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateCampaign(trx, ctx, req.params.id, req.body, clock())),
  );
  app.delete(
    '/campaigns/:id',
    {
      config: { access: 'campaigns.manage' },
      schema: { tags, params: idParams, response: replies({ 204: noContent }) },
    },
    async (req, reply) => {
      await withCtx(db, req, (trx, ctx) => deleteCampaign(trx, ctx, req.params.id));
      return reply.code(204).send();
    },
  );
  app.get(
    '/campaigns/:id/report',
    {
      config: { access: 'campaigns.read' },
      schema: { tags, params: idParams, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getCampaign(trx, ctx, req.params.id)),
  );
  app.post(
    '/campaigns/:id/send',
    {
      config: { access: 'campaigns.send' },
      schema: { tags, params: idParams, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => sendCampaign(trx, ctx, jobs, req.params.id, clock())),
  );
  app.post(
    '/campaigns/:id/cancel',
    {
      config: { access: 'campaigns.send' },
      schema: { tags, params: idParams, response: replies({ 200: campaignSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => cancelCampaign(trx, ctx, req.params.id, clock())),
  );

  // The link in every marketing message: a page that asks (GET), and the change itself (POST, also one-click).
  app.get(
    '/unsubscribe/:token',
    { config: { access: 'public' }, schema: { tags, params: unsubscribeParams, hide: true } },
    async (req, reply) => reply.type('text/html; charset=utf-8').send(unsubscribePage(req.locale, 'ask', req.url)),
  );
  app.post(
    '/unsubscribe/:token',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { tags, params: unsubscribeParams, hide: true },
    },
    async (req, reply) => {
      const done = await unsubscribe(db, req.params.token);
      if (!done) return reply.code(404).type('text/html; charset=utf-8').send(unsubscribePage(req.locale, 'invalid'));
      return reply.type('text/html; charset=utf-8').send(unsubscribePage(req.locale, 'done', undefined, done));
    },
  );
};
