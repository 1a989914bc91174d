import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inWorkspace, type Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { sha256 } from './crypto.ts';
import { AppError, type ErrorCode, type FieldError, httpStatusOf } from './errors.ts';
import { errorTitle, fieldMessage, type Locale, localeFromHeader } from './messages.ts';
import { can, type Permission } from './permissions.ts';

export type Auth = Ctx & { via: 'session' | 'api_key'; csrfToken: string | null; sessionId: string | null };

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
    locale: Locale;
  }
  interface FastifyContextConfig {
    /** 'public' routes need no login; otherwise the permission the caller's role must hold. */
    access?: Permission | 'public' | 'authenticated';
  }
}

export function problem(
  reply: FastifyReply,
  locale: Locale,
  code: ErrorCode,
  fields: FieldError[] = [],
  extra: Record<string, unknown> = {},
) {
  const status = httpStatusOf(code);
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: `https://klient.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
      title: errorTitle(code, locale),
      status,
      code,
      detail: fields.length
        ? fields.map((f) => `${f.field}: ${fieldMessage(f.message, locale)}`).join('; ')
        : errorTitle(code, locale),
      errors: fields.map((f) => ({ field: f.field, message: fieldMessage(f.message, locale), code: f.message })),
      ...extra,
    });
}

function zodIssueToField(issue: {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}): FieldError[] {
  const base = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const params = issue.params as { keys?: string[]; format?: string };
  if (issue.keyword === 'unrecognized_keys' && params.keys) {
    return params.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unrecognized_keys' }));
  }
  let message = issue.keyword;
  if (issue.keyword === 'invalid_type' && issue.message?.endsWith('received undefined')) message = 'required';
  if (issue.keyword === 'invalid_format' && params.format === 'email') message = 'email.invalid';
  if (issue.message?.startsWith('klient:')) message = issue.message.slice('klient:'.length);
  return [{ field: base || '(body)', message }];
}

/** The one error handler: AppError codes, zod validation, Fastify's own errors, and unknown 500s. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | AppError | Error, req, reply) => {
    const locale = req.locale ?? localeFromHeader(req.headers['accept-language']);
    if (error instanceof AppError) return problem(reply, locale, error.code, error.fields, error.extra);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = (error as FastifyError).validationContext;
      const fields = error.validation.flatMap((v) =>
        zodIssueToField(v as unknown as Parameters<typeof zodIssueToField>[0]),
      );
      return problem(
        reply,
        locale,
        'VALIDATION',
        fields.map((f) => (context && context !== 'body' ? { ...f, field: `${context}.${f.field}` } : f)),
      );
    }
    const fastifyError = error as FastifyError;
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return problem(reply, locale, 'BAD_JSON');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
      case 'FST_PARTS_LIMIT':
      case 'FST_FILES_LIMIT':
        return problem(reply, locale, 'PAYLOAD_TOO_LARGE');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return problem(reply, locale, 'UNSUPPORTED_MEDIA_TYPE');
      case 'FST_ERR_RATE_LIMITED':
        return problem(reply, locale, 'RATE_LIMITED');
    }
    if (fastifyError.statusCode === 429) return problem(reply, locale, 'RATE_LIMITED');
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      if (fastifyError.statusCode === 413) return problem(reply, locale, 'PAYLOAD_TOO_LARGE');
      if (fastifyError.statusCode === 404) return problem(reply, locale, 'NOT_FOUND');
      if (fastifyError.statusCode === 415) return problem(reply, locale, 'UNSUPPORTED_MEDIA_TYPE');
      return problem(reply, locale, 'VALIDATION', [{ field: '(request)', message: 'invalid' }]);
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .type('application/problem+json; charset=utf-8')
      .send({
        type: 'about:blank',
        title: locale === 'he' ? 'שגיאה פנימית בשרת' : 'Internal server error',
        status: 500,
        errors: [],
      });
  });
}

export function requireAuth(req: FastifyRequest): Auth {
  if (!req.auth) throw new AppError('AUTH.UNAUTHENTICATED');
  return req.auth;
}

export function requirePermission(req: FastifyRequest, permission: Permission): Auth {
  const auth = requireAuth(req);
  if (!can(auth.actor.role, permission)) throw new AppError('AUTH.FORBIDDEN');
  return auth;
}

/** Runs a request's work in one transaction bound to the caller's workspace. */
export function withCtx<T>(db: Kysely<DB>, req: FastifyRequest, fn: (trx: Trx, ctx: Ctx) => Promise<T>): Promise<T> {
  const auth = requireAuth(req);
  return inWorkspace(db, auth.workspaceId, (trx) => fn(trx, auth));
}

/**
 * Replays the stored reply of a create that a machine retried with the same
 * Idempotency-Key, so a retry never creates twice. The key is scoped to the
 * workspace and the route; reusing it for another body is a 409.
 */
export async function idempotent(
  db: Kysely<DB>,
  req: FastifyRequest,
  reply: FastifyReply,
  run: (trx: Trx, ctx: Ctx) => Promise<{ status: number; body: unknown }>,
) {
  const key = req.headers['idempotency-key'];
  const auth = requireAuth(req);
  if (typeof key !== 'string' || key.length === 0) {
    const result = await withCtx(db, req, run);
    return reply.code(result.status).send(result.body);
  }
  const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
  const requestHash = sha256(JSON.stringify(req.body ?? null));
  const result = await inWorkspace(db, auth.workspaceId, async (trx) => {
    // Concurrent retries with one key wait here for the first to commit, then replay it.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`${auth.workspaceId} ${route} ${key}`}, 0))`.execute(trx);
    const stored = await trx
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response'])
      .where('workspace_id', '=', auth.workspaceId)
      .where('key', '=', key)
      .where('route', '=', route)
      .executeTakeFirst();
    if (stored) {
      if (stored.request_hash !== requestHash) throw new AppError('IDEMPOTENCY.KEY_REUSED');
      return { status: stored.status_code, body: stored.response, replayed: true };
    }
    const fresh = await run(trx, auth);
    await trx
      .insertInto('idempotency_keys')
      .values({
        workspace_id: auth.workspaceId,
        key,
        route,
        request_hash: requestHash,
        status_code: fresh.status,
        response: JSON.stringify(fresh.body),
      })
      .execute();
    return { ...fresh, replayed: false };
  });
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}
