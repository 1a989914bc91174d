import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import { listAudit } from './audit.ts';
import {
  acceptInvitation,
  createApiKey,
  createInvitation,
  describeInvitation,
  getWorkspace,
  isSetupNeeded,
  listApiKeys,
  listUsers,
  login,
  logout,
  me,
  revokeApiKey,
  SESSION_DAYS,
  type SessionGrant,
  setupFirstWorkspace,
  updateUser,
  updateWorkspace,
} from './auth.service.ts';
import { AppError } from './errors.ts';
import { mayGrant } from './grants.ts';
import { requireAuth, withCtx } from './http.ts';
import { permissionsOf } from './permissions.ts';
import {
  apiKeyPageSchema,
  auditPageSchema,
  createdApiKeySchema,
  invitationInfoSchema,
  invitationSchema,
  meSchema,
  sessionSchema,
  setupStateSchema,
  userChangeSchema,
  workspaceSchema,
  workspaceUserPageSchema,
} from './platform.schemas.ts';
import { noContent, replies } from './replies.ts';
import { roles } from './roles.ts';

export const SESSION_COOKIE = 'klient_session';

const password = z.string().min(10, { message: 'klient:password.weak' }).max(200);
const email = z.email().max(254);
const role = z.enum(roles);
const locale = z.enum(['he', 'en']);
const idParams = z.object({ id: z.uuid() }).strict();

export type PlatformRoutesOptions = {
  db: Kysely<DB>;
  secureCookies: boolean;
  /** Where people reach this server (KLIENT_PUBLIC_URL): links sent to them start here, never with a request's Host. */
  publicUrl: string;
};

export const platformRoutes: FastifyPluginAsyncZod<PlatformRoutesOptions> = async (
  app,
  { db, secureCookies, publicUrl },
) => {
  const origin = publicUrl.replace(/\/+$/, '');
  const startSession = (reply: FastifyReply, grant: SessionGrant) => {
    reply.setCookie(SESSION_COOKIE, grant.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies,
      maxAge: SESSION_DAYS * 86_400,
    });
    return {
      user: grant.user,
      workspace: grant.workspace,
      csrfToken: grant.csrfToken,
      permissions: permissionsOf(grant.user.role),
      grantableRoles: roles.filter((r) => mayGrant(grant.user.role, r)),
    };
  };

  app.get(
    '/setup',
    { config: { access: 'public' }, schema: { tags: ['auth'], response: replies({ 200: setupStateSchema }) } },
    async () => ({
      needed: await isSetupNeeded(db),
    }),
  );

  app.post(
    '/setup',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        body: z
          .object({
            businessName: z.string().trim().min(1).max(200),
            ownerName: z.string().trim().min(1).max(200),
            email,
            password,
            locale: locale.default('he'),
          })
          .strict(),
        response: replies({ 201: sessionSchema }),
      },
    },
    async (req, reply) => reply.code(201).send(startSession(reply, await setupFirstWorkspace(db, req.body))),
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        body: z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) }).strict(),
        response: replies({ 200: sessionSchema }),
      },
    },
    async (req, reply) => {
      try {
        return startSession(reply, await login(db, req.body.email, req.body.password, req.ip));
      } catch (error) {
        if (error instanceof AppError && typeof error.extra.retryAfter === 'number') {
          reply.header('retry-after', String(error.extra.retryAfter));
        }
        throw error;
      }
    },
  );

  app.post(
    '/auth/logout',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], response: replies({ 204: noContent }) } },
    async (req, reply) => {
      const auth = requireAuth(req);
      if (auth.sessionId) await logout(db, auth.workspaceId, auth.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], response: replies({ 200: meSchema }) } },
    async (req) => {
      const auth = requireAuth(req);
      const result = await withCtx(db, req, (trx, ctx) => me(trx, ctx));
      const role = auth.actor.role;
      return {
        ...result,
        csrfToken: auth.csrfToken,
        permissions: permissionsOf(role),
        grantableRoles: roles.filter((r) => mayGrant(role, r)),
      };
    },
  );

  app.get(
    '/settings',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['settings'], response: replies({ 200: workspaceSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getWorkspace(trx, ctx.workspaceId)),
  );

  app.patch(
    '/settings',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags: ['settings'],
        body: z
          .object({
            name: z.string().trim().min(1).max(200).optional(),
            locale: locale.optional(),
            currency: z
              .string()
              .regex(/^[A-Z]{3}$/)
              .optional(),
            timeZone: z
              .string()
              .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz), { message: 'klient:invalid' })
              .optional(),
          })
          .strict(),
        response: replies({ 200: workspaceSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateWorkspace(trx, ctx, req.body)),
  );

  app.get(
    '/users',
    {
      config: { access: 'users.manage' },
      schema: { tags: ['users'], response: replies({ 200: workspaceUserPageSchema }) },
    },
    async (req) => ({
      items: await withCtx(db, req, listUsers),
      nextCursor: null,
    }),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        params: idParams,
        body: z.object({ role: role.optional(), status: z.enum(['active', 'disabled']).optional() }).strict(),
        response: replies({ 200: userChangeSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => updateUser(trx, ctx, req.params.id, req.body)),
  );

  app.post(
    '/invitations',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        body: z.object({ email, role }).strict(),
        response: replies({ 201: invitationSchema }),
      },
    },
    async (req, reply) => {
      const invitation = await withCtx(db, req, (trx, ctx) => createInvitation(trx, ctx, req.body));
      return reply.code(201).send({
        id: invitation.id,
        email: invitation.email,
        role: invitation.role,
        expiresAt: invitation.expiresAt,
        inviteUrl: `${origin}/invite/${invitation.token}`,
      });
    },
  );

  const tokenParams = z.object({ token: z.string().min(20).max(100) }).strict();
  app.get(
    '/invitations/:token',
    {
      config: { access: 'public' },
      schema: { tags: ['users'], params: tokenParams, response: replies({ 200: invitationInfoSchema }) },
    },
    async (req) => describeInvitation(db, req.params.token),
  );

  app.post(
    '/invitations/:token/accept',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['users'],
        params: tokenParams,
        body: z.object({ name: z.string().trim().min(1).max(200), password }).strict(),
        response: replies({ 200: sessionSchema }),
      },
    },
    async (req, reply) => startSession(reply, await acceptInvitation(db, req.params.token, req.body)),
  );

  app.get(
    '/api-keys',
    {
      config: { access: 'apikeys.manage' },
      schema: { tags: ['api keys'], response: replies({ 200: apiKeyPageSchema }) },
    },
    async (req) => ({
      items: await withCtx(db, req, listApiKeys),
      nextCursor: null,
    }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'apikeys.manage' },
      schema: {
        tags: ['api keys'],
        body: z.object({ name: z.string().trim().min(1).max(100), role: role.default('admin') }).strict(),
        response: replies({ 201: createdApiKeySchema }),
      },
    },
    async (req, reply) => reply.code(201).send(await withCtx(db, req, (trx, ctx) => createApiKey(trx, ctx, req.body))),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'apikeys.manage' },
      schema: { tags: ['api keys'], params: idParams, response: replies({ 204: noContent }) },
    },
    async (req, reply) => {
      await withCtx(db, req, (trx, ctx) => revokeApiKey(trx, ctx, req.params.id));
      return reply.code(204).send();
    },
  );

  app.get(
    '/audit',
    {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'],
        querystring: z
          .object({
            entityType: z.string().max(50).optional(),
            entityId: z.uuid().optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            cursor: z.string().max(500).optional(),
          })
          .strict(),
        response: replies({ 200: auditPageSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listAudit(trx, ctx, req.query)),
  );
};
