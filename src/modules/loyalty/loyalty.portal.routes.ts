import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { idempotent } from '../../platform/http.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { noContent, replies } from '../../platform/replies.ts';
import { couponSchema } from './loyalty.coupons.schemas.ts';
import {
  clubParams,
  clubRewardParams,
  clubSchema,
  codeSentSchema,
  consentBody,
  consentReplySchema,
  historyQuery,
  historySchema,
  joinBody,
  joinReplySchema,
  loginBody,
  portalMeSchema,
  signedInSchema,
  verifyBody,
} from './loyalty.portal.schemas.ts';
import {
  clubFace,
  clubWorkspace,
  endSession,
  joinClub,
  MEMBER_COOKIE,
  memberHistory,
  memberHome,
  portalCtx,
  requestCode,
  SESSION_DAYS,
  sessionMember,
  setMessagesConsent,
  verifyCode,
} from './loyalty.portal.ts';
import { redeemReward } from './loyalty.service.ts';

const tags = ['loyalty portal'];

/** The header every unsafe portal request carries: a cross-site form cannot set it, so it cannot post (CSRF). */
export const MEMBER_HEADER = 'x-klient-member';

export type PortalRoutesOptions = {
  db: Kysely<DB>;
  jobs: Pick<Jobs, 'sendWithin'>;
  clock: () => Date;
  secureCookies: boolean;
  publicUrl: string;
};

/**
 * The public join page and the member portal, under /club/:publicKey. No staff
 * login: each route is `access: 'public'` and acts as the club's portal actor
 * (loyalty.portal.ts); a staff session the browser may also hold is not used.
 */
export const portalRoutes: FastifyPluginAsyncZod<PortalRoutesOptions> = async (
  app,
  { db, jobs, clock, secureCookies, publicUrl },
) => {
  const cookiePath = (publicKey: string) => `/api/v1/club/${publicKey}`;

  /** The club's workspace and the portal actor in it; an unsafe request without the portal's header is refused. */
  async function club(req: FastifyRequest<{ Params: { publicKey: string } }>): Promise<Ctx> {
    if (req.method !== 'GET' && req.headers[MEMBER_HEADER] !== '1')
      throw new AppError('LOYALTY.PORTAL_HEADER_REQUIRED');
    const workspaceId = await clubWorkspace(db, req.params.publicKey);
    if (!workspaceId) throw new AppError('LOYALTY.CLUB_NOT_FOUND');
    return portalCtx(workspaceId, req.ip, req.locale);
  }

  /** As club(), for a signed-in member of that club: the member's customer id, from the session alone. */
  async function member(req: FastifyRequest<{ Params: { publicKey: string } }>) {
    const ctx = await club(req);
    const token = req.cookies[MEMBER_COOKIE];
    const customerId = token
      ? await inWorkspace(db, ctx.workspaceId, (trx) => sessionMember(trx, ctx, token, clock()))
      : null;
    if (!customerId) throw new AppError('LOYALTY.PORTAL_SIGNED_OUT');
    return { ctx, customerId };
  }

  const inClub = <T>(ctx: Ctx, fn: (trx: Trx) => Promise<T>) => inWorkspace(db, ctx.workspaceId, fn);

  app.get(
    '/club/:publicKey',
    { config: { access: 'public' }, schema: { tags, params: clubParams, response: replies({ 200: clubSchema }) } },
    async (req) => {
      const ctx = await club(req);
      return inClub(ctx, (trx) => clubFace(trx, ctx, clock()));
    },
  );

  app.post(
    '/club/:publicKey/join',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags, params: clubParams, body: joinBody, response: replies({ 201: joinReplySchema }) },
    },
    async (req, reply) => {
      const ctx = await club(req);
      return reply.code(201).send(await inClub(ctx, (trx) => joinClub(trx, ctx, req.body, clock())));
    },
  );

  app.post(
    '/club/:publicKey/login',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags, params: clubParams, body: loginBody, response: replies({ 200: codeSentSchema }) },
    },
    async (req) => {
      const ctx = await club(req);
      return inClub(ctx, (trx) => requestCode(trx, ctx, jobs, req.body, clock()));
    },
  );

  app.post(
    '/club/:publicKey/verify',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags, params: clubParams, body: verifyBody, response: replies({ 200: signedInSchema }) },
    },
    async (req, reply) => {
      const ctx = await club(req);
      // A wrong try is committed before it is refused: the count of tries must hold.
      const check = await inClub(ctx, (trx) => verifyCode(trx, ctx, req.body, clock()));
      if (!check.ok) throw new AppError(check.reason, { fields: [{ field: 'code', message: 'invalid' }] });
      reply.setCookie(MEMBER_COOKIE, check.token, {
        path: cookiePath(req.params.publicKey),
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookies,
        maxAge: SESSION_DAYS * 86_400,
      });
      return { expiresAt: check.expiresAt };
    },
  );

  app.post(
    '/club/:publicKey/logout',
    { config: { access: 'public' }, schema: { tags, params: clubParams, response: replies({ 204: noContent }) } },
    async (req, reply) => {
      const ctx = await club(req);
      const token = req.cookies[MEMBER_COOKIE];
      if (token) await inClub(ctx, (trx) => endSession(trx, ctx, token, clock()));
      clearMember(reply, cookiePath(req.params.publicKey));
      return reply.code(204).send();
    },
  );

  app.get(
    '/club/:publicKey/me',
    { config: { access: 'public' }, schema: { tags, params: clubParams, response: replies({ 200: portalMeSchema }) } },
    async (req) => {
      const { ctx, customerId } = await member(req);
      return inClub(ctx, (trx) => memberHome(trx, ctx, customerId, clock(), publicUrl));
    },
  );

  app.get(
    '/club/:publicKey/me/history',
    {
      config: { access: 'public' },
      schema: { tags, params: clubParams, querystring: historyQuery, response: replies({ 200: historySchema }) },
    },
    async (req) => {
      const { ctx, customerId } = await member(req);
      return inClub(ctx, (trx) => memberHistory(trx, ctx, customerId, req.query));
    },
  );

  app.post(
    '/club/:publicKey/rewards/:id/redeem',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { tags, params: clubRewardParams, response: replies({ 201: couponSchema }) },
    },
    async (req, reply) => {
      const { ctx, customerId } = await member(req);
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length === 0) {
        throw new AppError('VALIDATION', { fields: [{ field: 'headers.idempotency-key', message: 'required' }] });
      }
      // The platform's replay of retries, in the member's name: its key is the member's own, never another's.
      req.headers['idempotency-key'] = `member:${customerId}:${key}`;
      req.auth = { ...ctx, via: 'session', csrfToken: null, sessionId: null };
      return idempotent(db, req, reply, async (trx) => ({
        status: 201,
        body: await redeemReward(trx, ctx, { rewardId: req.params.id, customerId }, clock()),
      }));
    },
  );

  app.put(
    '/club/:publicKey/consent',
    {
      config: { access: 'public' },
      schema: { tags, params: clubParams, body: consentBody, response: replies({ 200: consentReplySchema }) },
    },
    async (req) => {
      const { ctx, customerId } = await member(req);
      return inClub(ctx, (trx) => setMessagesConsent(trx, ctx, customerId, req.body.messages, clock()));
    },
  );
};

function clearMember(reply: FastifyReply, path: string) {
  reply.clearCookie(MEMBER_COOKIE, { path, httpOnly: true, sameSite: 'strict' });
}
