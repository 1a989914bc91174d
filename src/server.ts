import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from './db/database.ts';
import { modules } from './modules/index.ts';
import { watchApiKeyChanges } from './platform/api-keys.service.ts';
import { resolveApiKey, resolveSession } from './platform/auth.service.ts';
import { safeEqual } from './platform/crypto.ts';
import { AppError } from './platform/errors.ts';
import { frameworkErrors, installErrorHandler, installInputGuards } from './platform/http.ts';
import type { Jobs } from './platform/jobs.ts';
import { localeFromHeader } from './platform/messages.ts';
import type { KlientModule, MailSettings, ModuleDeps } from './platform/module.ts';
import { can } from './platform/permissions.ts';
import { SESSION_COOKIE } from './platform/platform.routes.ts';
import { installModules } from './platform/registry.ts';
import { securityHeaders } from './platform/security-headers.ts';

export type AppOptions = {
  database: Database;
  jobs: Jobs;
  logLevel?: string;
  secureCookies?: boolean;
  webDir?: string | undefined;
  /** Largest upload accepted (imports); bigger files get a 413 problem. */
  maxUploadBytes?: number;
  trustProxy?: boolean;
  /** Memory for customer pages kept between changes (PostgreSQL only); 0 turns it off. Default 64. */
  pageCacheMb?: number;
  /** Where people reach the server (KLIENT_PUBLIC_URL); invitation links start with it. */
  publicUrl?: string;
  /** The mail server and sender (KLIENT_SMTP_URL, KLIENT_MAIL_FROM); none by default: mail stays in the outbox. */
  mail?: MailSettings;
};

/** The built web app (`npm run build:web` writes it), or null when this checkout has none yet. */
export function builtWebApp(webDir = path.resolve(import.meta.dirname, '../dist/web')): string | null {
  return fs.existsSync(path.join(webDir, 'index.html')) ? webDir : null;
}

export const WEB_APP_MISSING =
  'The web app is not built: run `npm run build:web` (or start with `npm start`), then reload.';

// Served at every page address while there is no built web app, instead of a bare 404.
const webAppMissingPage = `<!doctype html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Klient: web app not built</title></head>
<body><main><h1>Klient</h1><p>${WEB_APP_MISSING.replace(/`([^`]+)`/g, '<code>$1</code>')}</p>
<p lang="he" dir="rtl">אפליקציית הדפדפן עוד לא נבנתה: הריצו <code>npm run build:web</code> (או הפעילו עם <code>npm start</code>) ורעננו את הדף.</p>
<p>The API answers at <a href="/api/docs">/api/docs</a>.</p></main></body></html>
`;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Builds the Fastify app from the modules; listening is the caller's business. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { database, jobs } = options;
  const db = database.db;
  installModules(modules);
  const deps: ModuleDeps = {
    database,
    db,
    jobs,
    settings: {
      secureCookies: options.secureCookies ?? false,
      publicUrl: options.publicUrl ?? 'http://localhost:3000',
      pageCacheMb: options.pageCacheMb ?? 64,
      mail: options.mail ?? { smtpUrl: null, from: null },
    },
  };
  const app = Fastify({
    logger: { level: options.logLevel ?? 'warn' },
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    // Only behind a known reverse proxy may X-Forwarded-For name the client (rate limits key on it).
    trustProxy: options.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installInputGuards(app);

  watchApiKeyChanges(database.notifications);
  app.decorateRequest('auth', null);
  app.decorateRequest('locale', 'he');

  const security = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        // Served on plain http inside a business's network too: do not force https sub-requests.
        upgradeInsecureRequests: null,
      },
    },
  });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(security);
    done();
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyMultipart, {
    limits: { fileSize: options.maxUploadBytes ?? 50 * 1024 * 1024, files: 1, fields: 10 },
    throwFileSizeLimit: true,
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Klient API', version: '1.0.0', description: 'Customers, commerce and imports. Bearer API keys.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', database: database.kind }));

  // Who is calling: a Bearer API key or a session cookie. Runs before the body is read,
  // so an unauthenticated caller learns nothing from validation errors.
  app.addHook('onRequest', async (req) => {
    req.locale = localeFromHeader(req.headers['accept-language']);
    if (!req.url.startsWith('/api/v1/')) return;
    const access = req.routeOptions.config?.access;
    const header = req.headers.authorization;
    const cookie = req.cookies[SESSION_COOKIE];
    let resolved = null;
    let via: 'api_key' | 'session' = 'session';
    if (header?.startsWith('Bearer ')) {
      resolved = await resolveApiKey(db, header.slice('Bearer '.length).trim());
      via = 'api_key';
      if (!resolved) throw new AppError('AUTH.UNAUTHENTICATED');
    } else if (cookie) {
      resolved = await resolveSession(db, cookie);
    }
    if (resolved) {
      req.auth = { ...resolved.ctx, ip: req.ip, via, csrfToken: resolved.csrfToken, sessionId: resolved.sessionId };
      if (resolved.locale === 'he' || resolved.locale === 'en') {
        if (!req.headers['accept-language']) req.locale = resolved.locale;
      }
      req.auth.locale = req.locale;
    }
    // Closed by default: a route must say `access: 'public'` to be reachable without a login.
    if (access === 'public') return;
    if (!req.auth) throw new AppError('AUTH.UNAUTHENTICATED');
    if (via === 'session' && UNSAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !req.auth.csrfToken || !safeEqual(sent, req.auth.csrfToken)) {
        throw new AppError('AUTH.CSRF');
      }
    }
    if (access !== undefined && access !== 'authenticated' && !can(req.auth.actor.role, access))
      throw new AppError('AUTH.FORBIDDEN');
  });

  await app.register(
    async (api) => {
      for (const module of modules as readonly KlientModule[]) await module.routes?.(api, deps);
    },
    { prefix: '/api/v1' },
  );
  // Each queue exists (and has its worker) before the first request may enqueue inside its transaction.
  for (const module of modules as readonly KlientModule[]) {
    for (const job of module.jobs ?? []) {
      await jobs.work(job.queue, job.handler(deps));
      if (job.schedule) await jobs.schedule(job.queue, job.schedule.cron, job.schedule.data ?? {}, job.schedule);
    }
  }

  const webDir = builtWebApp(options.webDir);
  if (webDir) await app.register(fastifyStatic, { root: webDir, index: ['index.html'] });
  const indexHtml = webDir ? fs.readFileSync(path.join(webDir, 'index.html')) : null;
  // The web app routes on the client: any other GET outside the API gets its shell.
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/healthz')) {
      if (indexHtml) return reply.type('text/html; charset=utf-8').send(indexHtml);
      return reply.code(503).type('text/html; charset=utf-8').send(webAppMissingPage);
    }
    throw new AppError('NOT_FOUND');
  });
  return app;
}
