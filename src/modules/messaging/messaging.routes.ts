import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { withCtx } from '../../platform/http.ts';
import type { MailSettings } from '../../platform/module.ts';
import { replies } from '../../platform/replies.ts';
import {
  messagingChannelsSchema,
  outboxMessageDetailSchema,
  outboxPageSchema,
  outboxQuery,
} from './messaging.schemas.ts';
import { getOutboxMessage, listOutbox, messagingChannels } from './messaging.service.ts';

const tags = ['messaging'];
const idParams = z.object({ id: z.uuid() }).strict();

export const messagingRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; mail: MailSettings }> = async (
  app,
  { db, mail },
) => {
  app.get(
    '/messaging/outbox',
    {
      config: { access: 'messaging.read' },
      schema: { tags, querystring: outboxQuery, response: replies({ 200: outboxPageSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listOutbox(trx, ctx, req.query)),
  );

  app.get(
    '/messaging/outbox/:id',
    {
      config: { access: 'messaging.read' },
      schema: { tags, params: idParams, response: replies({ 200: outboxMessageDetailSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getOutboxMessage(trx, ctx, req.params.id)),
  );

  // Whether mail goes out or is only kept here: the outbox screen says so.
  app.get(
    '/messaging/channels',
    { config: { access: 'messaging.read' }, schema: { tags, response: replies({ 200: messagingChannelsSchema }) } },
    async () => messagingChannels(mail),
  );
};
