import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inWorkspace, type Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { sha256 } from './crypto.ts';
import { isSafeText } from './cursor.ts';
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
    // An empty key is named as JSON writes it, so the field is never blank.
    return params.keys.map((key) => {
      const name = key === '' ? '""' : key;
      return { field: base ? `${base}.${name}` : name, message: 'unrecognized_keys' };
    });
  }
  let message = issue.keyword;
  if (issue.keyword === 'invalid_type' && issue.message?.endsWith('received undefined')) message = 'required';
  if (issue.keyword === 'invalid_format' && params.format === 'email') message = 'email.invalid';
  if (issue.message?.startsWith('klient:')) message = issue.message.slice('klient:'.length);
  return [{ field: base || '(body)', message }];
}

const MAX_REPORTED_FIELDS = 20;

/**
 * Every string of a parsed body, query or path, and every key, that the
 * database would refuse (a NUL character, half a surrogate pair), named as
 * the validation names fields: `firstName`, `attributes.x`, `querystring.q`.
 * It walks with a stack, not recursion: a body nested thousands deep is
 * still only read.
 */
export function unsafeTextFields(value: unknown, prefix: string): FieldError[] {
  const found: FieldError[] = [];
  const stack: [unknown, string][] = [[value, prefix]];
  while (stack.length > 0 && found.length < MAX_REPORTED_FIELDS) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (!isSafeText(current)) found.push({ field: path || '(body)', message: 'text.unsafe' });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], path ? `${path}.${i}` : String(i)]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const shown = isSafeText(key) ? key : key.replace(/[^\p{L}\p{N}_-]/gu, '?');
        const childPath = path ? `${path}.${shown}` : shown;
        if (shown !== key) found.push({ field: childPath, message: 'text.unsafe' });
        else stack.push([child, childPath]);
      }
    }
  }
  return found;
}

// Printable ASCII without spaces, as machines make them (UUIDs, hashes, ULIDs).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Input the database would refuse is a 400 naming the field, for every route
 * at once and before its own validation: no schema has to remember it.
 */
export function installInputGuards(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    const fields = [
      ...unsafeTextFields(req.params, 'params'),
      ...unsafeTextFields(req.query, 'querystring'),
      ...unsafeTextFields(req.body, ''),
    ];
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      fields.push({ field: 'headers.idempotency-key', message: 'invalid' });
    }
    if (fields.length) throw new AppError('VALIDATION', { fields: fields.slice(0, MAX_REPORTED_FIELDS) });
  });
}

type DatabaseFault = {
  code: string;
  severity?: string;
  detail?: string;
  column?: string;
  constraint?: string;
  table?: string;
};

/** An error that PostgreSQL (or PGlite) raised, told apart by its five-character SQLSTATE. */
function isDatabaseFault(error: unknown): error is DatabaseFault {
  const e = error as Partial<DatabaseFault> | null;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The API fields a constraint error is about. Under row security PostgreSQL
 * leaves the key out of the detail, so the constraint's name says it:
 * `customers_external_id_key` is about `externalId`.
 */
function keyFields(fault: DatabaseFault): string[] {
  const columns =
    /^Key \(([^)]*)\)/.exec(fault.detail ?? '')?.[1] ??
    fault.column ??
    (fault.constraint && fault.table
      ? fault.constraint
          .replace(new RegExp(`^${fault.table}_`), '')
          .replace(/_(key|fkey|pkey|check|idx)$/, '')
          .replace(/^workspace_id_/, '')
      : '');
  const named = columns
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c && c !== 'workspace_id' && /^[a-z_]+$/.test(c))
    .map(camel);
  return named.length ? named : ['(request)'];
}

/**
 * The database's word on input that got past validation. This is the safety
 * net, not the check: the caller's mistakes (a duplicate key, a value the
 * column refuses) come back as problems, the rest stays a 500.
 */
function databaseProblem(fault: DatabaseFault): AppError | null {
  const fields = (message: string) => keyFields(fault).map((field) => ({ field, message }));
  switch (fault.code) {
    case '23505': // unique_violation
      return new AppError('CONFLICT', { fields: fields('value.taken') });
    case '23503': // foreign_key_violation: a missing reference, or a row others still point to
      return /is still referenced/.test(fault.detail ?? '')
        ? new AppError('CONFLICT', { fields: [{ field: '(request)', message: 'still.referenced' }] })
        : new AppError('VALIDATION', { fields: fields('reference.not_found') });
    case '23502': // not_null_violation
      return new AppError('VALIDATION', { fields: fields('required') });
    case '23514': // check_violation
      return new AppError('VALIDATION', { fields: fields('invalid_value') });
    case '54000': // program_limit_exceeded: a value too big for an index
      return new AppError('VALIDATION', { fields: [{ field: '(request)', message: 'too_big' }] });
  }
  // Class 22, data exception: bad text, bytes, numbers out of range, dates that do not exist.
  if (fault.code.startsWith('22')) {
    return new AppError('VALIDATION', { fields: [{ field: '(request)', message: 'invalid' }] });
  }
  return null;
}

/**
 * Fastify's `frameworkErrors`: a URL that does not decode (`/customers/%C0%AF`)
 * or a path part over 100 characters is refused before routing, so before the
 * error handler; it gets the same problem as any bad input, not Fastify's own
 * body echoing the URL back.
 */
export function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const locale = localeFromHeader(req.headers['accept-language']);
  if (error.code === 'FST_ERR_BAD_URL') {
    return problem(reply, locale, 'VALIDATION', [{ field: '(url)', message: 'invalid_format' }]);
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return problem(reply, locale, 'VALIDATION', [{ field: '(url)', message: 'too_big' }]);
  }
  return problem(reply, locale, 'VALIDATION', [{ field: '(request)', message: 'invalid' }]);
}

/** The one error handler: AppError codes, zod validation, Fastify's own errors, and unknown 500s. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | AppError | Error, req, reply) => {
    const locale = req.locale ?? localeFromHeader(req.headers['accept-language']);
    if (error instanceof AppError) return problem(reply, locale, error.code, error.fields, error.extra);
    if (isDatabaseFault(error)) {
      const mapped = databaseProblem(error);
      if (mapped) {
        // Worth a look all the same: validation should have said it first.
        req.log.warn({ err: error, sqlstate: error.code }, 'database refused the input');
        return problem(reply, locale, mapped.code, mapped.fields);
      }
    }
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
      // The web app's files: a path the static server will not open (too long, outside its folder) is not there.
      case 'FST_STATIC_FORBIDDEN_PATH':
        return problem(reply, locale, 'NOT_FOUND');
    }
    if (fastifyError.statusCode === 429) return problem(reply, locale, 'RATE_LIMITED');
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      if (fastifyError.statusCode === 413) return problem(reply, locale, 'PAYLOAD_TOO_LARGE');
      if (fastifyError.statusCode === 404) return problem(reply, locale, 'NOT_FOUND');
      if (fastifyError.statusCode === 415) return problem(reply, locale, 'UNSUPPORTED_MEDIA_TYPE');
      if (fastifyError.statusCode === 414 || fastifyError.statusCode === 431) {
        return problem(reply, locale, 'VALIDATION', [{ field: '(url)', message: 'too_big' }]);
      }
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
