import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../db/tenancy.ts';
import { createCustomer } from '../modules/customers/customers.service.ts';
import { createImport, runImport } from '../modules/imports/imports.service.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { uploadImport, waitForImport } from '../test/uploads.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { can, type Permission, roles } from './permissions.ts';
import type { Role } from './platform.tables.ts';

/**
 * What each route asks for, written out here on purpose (not read from the routes): a route whose
 * `access` changes, or a new route, fails this test until the table says the same.
 */
const routeAccess: Record<string, Permission | 'public' | 'authenticated'> = {
  'GET /setup': 'public',
  'POST /setup': 'public',
  'POST /auth/login': 'public',
  'POST /auth/logout': 'authenticated',
  'GET /auth/me': 'authenticated',
  'GET /settings': 'authenticated',
  'PATCH /settings': 'settings.manage',
  'GET /users': 'users.manage',
  'PATCH /users/:id': 'users.manage',
  'POST /invitations': 'users.manage',
  'GET /invitations/:token': 'public',
  'POST /invitations/:token/accept': 'public',
  'GET /api-keys': 'apikeys.manage',
  'POST /api-keys': 'apikeys.manage',
  'DELETE /api-keys/:id': 'apikeys.manage',
  'GET /audit': 'audit.read',
  'POST /products': 'commerce.write',
  'GET /products': 'commerce.read',
  'POST /orders': 'commerce.write',
  'GET /orders': 'commerce.read',
  'GET /orders/:id': 'commerce.read',
  'POST /orders/:id/refunds': 'commerce.write',
  'GET /customers': 'customers.read',
  'POST /customers': 'customers.write',
  'GET /customers/:id': 'customers.read',
  'PATCH /customers/:id': 'customers.write',
  'DELETE /customers/:id': 'customers.write',
  'GET /customers/:id/timeline': 'customers.read',
  'POST /customers/:id/consents': 'customers.consent',
  'POST /customers/:id/notes': 'customers.write',
  'PUT /customers/:id/tags': 'customers.tag',
  'GET /customers/:id/duplicates': 'customers.read',
  'POST /customers/:id/merge': 'customers.merge',
  'GET /customers/:id/export': 'customers.export',
  'POST /customers/:id/erase': 'customers.erase',
  'GET /branches': 'customers.read',
  'GET /loyalty/program': 'loyalty.read',
  'PUT /loyalty/program': 'loyalty.manage',
  'POST /loyalty/members': 'loyalty.enroll',
  'GET /loyalty/members': 'loyalty.read',
  'GET /loyalty/members/:customerId': 'loyalty.read',
  'GET /loyalty/members/:customerId/ledger': 'loyalty.read',
  'POST /loyalty/members/:customerId/adjustments': 'loyalty.adjust',
  'GET /loyalty/members/:customerId/coupons': 'loyalty.read',
  'POST /loyalty/rewards': 'loyalty.manage',
  'GET /loyalty/rewards': 'loyalty.read',
  'PATCH /loyalty/rewards/:id': 'loyalty.manage',
  'POST /loyalty/rewards/:id/redeem': 'coupons.redeem',
  'POST /loyalty/campaigns': 'loyalty.manage',
  'GET /loyalty/campaigns': 'loyalty.read',
  'PATCH /loyalty/campaigns/:id': 'loyalty.manage',
  'POST /loyalty/campaigns/:id/codes': 'loyalty.manage',
  'GET /loyalty/campaigns/:id/codes': 'loyalty.manage',
  'POST /coupons/validate': 'coupons.redeem',
  'POST /coupons/redeem': 'coupons.redeem',
  'POST /coupons/:code/void': 'coupons.redeem',
  'GET /loyalty/report': 'loyalty.read',
  'GET /loyalty/rules': 'loyalty.read',
  'POST /loyalty/rules': 'loyalty.manage',
  'PUT /loyalty/rules/:id': 'loyalty.manage',
  'POST /loyalty/events': 'loyalty.events',
  'GET /loyalty/referrals': 'loyalty.read',
  'GET /loyalty/referrals/settings': 'loyalty.read',
  'PUT /loyalty/referrals/settings': 'loyalty.manage',
  'GET /loyalty/members/:customerId/referral-link': 'loyalty.read',
  'POST /loyalty/contests': 'loyalty.manage',
  'GET /loyalty/contests': 'loyalty.read',
  'GET /loyalty/contests/:id': 'loyalty.read',
  'PATCH /loyalty/contests/:id': 'loyalty.manage',
  'POST /loyalty/contests/:id/entries': 'loyalty.enroll',
  'GET /loyalty/contests/:id/entries': 'loyalty.read',
  'POST /loyalty/contests/:id/draw': 'loyalty.manage',
  'POST /loyalty/contests/:id/judge': 'loyalty.manage',
  'POST /loyalty/contests/:id/verify': 'loyalty.read',
  'GET /tags': 'customers.read',
  'POST /imports/preview': 'imports.run',
  'POST /imports': 'imports.run',
  'GET /imports': 'imports.run',
  'GET /imports/:id': 'imports.run',
  'GET /imports/:id/errors.csv': 'imports.run',
  'GET /messaging/outbox': 'messaging.read',
  'GET /messaging/outbox/:id': 'messaging.read',
  'GET /messaging/channels': 'messaging.read',
  'GET /segments/fields': 'segments.read',
  'POST /segments/preview': 'segments.read',
  'POST /segments': 'segments.manage',
  'GET /segments': 'segments.read',
  'GET /segments/:id': 'segments.read',
  'PATCH /segments/:id': 'segments.manage',
  'DELETE /segments/:id': 'segments.manage',
  'POST /segments/:id/refresh': 'segments.manage',
  'GET /segments/:id/customers': 'segments.read',
  'POST /templates': 'campaigns.manage',
  'GET /templates': 'campaigns.read',
  'GET /templates/:id': 'campaigns.read',
  'PUT /templates/:id': 'campaigns.manage',
  'DELETE /templates/:id': 'campaigns.manage',
  'POST /templates/:id/preview': 'campaigns.read',
  'POST /campaigns': 'campaigns.manage',
  'GET /campaigns': 'campaigns.read',
  'GET /campaigns/:id': 'campaigns.read',
  'PUT /campaigns/:id': 'campaigns.manage',
  'DELETE /campaigns/:id': 'campaigns.manage',
  'GET /campaigns/:id/report': 'campaigns.read',
  'POST /campaigns/:id/send': 'campaigns.send',
  'POST /campaigns/:id/cancel': 'campaigns.send',
  // The club's join page and member portal: no staff login (a club by its public key, a member by its cookie).
  'GET /club/:publicKey': 'public',
  'POST /club/:publicKey/join': 'public',
  'POST /club/:publicKey/login': 'public',
  'POST /club/:publicKey/verify': 'public',
  'POST /club/:publicKey/logout': 'public',
  'GET /club/:publicKey/me': 'public',
  'GET /club/:publicKey/me/history': 'public',
  'POST /club/:publicKey/rewards/:id/redeem': 'public',
  'PUT /club/:publicKey/consent': 'public',
};

let t: TestApp;

beforeAll(async () => {
  t = await getTestApp();
});

describe('every role on every route', () => {
  it('lists every route of the API in the table above', async () => {
    const ws = await createTestWorkspace(t);
    const spec = (await ws.request({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map(
          (m) => `${m.toUpperCase()} ${path.slice('/api/v1'.length).replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      )
      .sort();
    expect(documented).toEqual(Object.keys(routeAccess).sort());
  });

  it('answers 403 exactly where the role lacks the permission, whatever the body', async () => {
    const ws = await createTestWorkspace(t);
    const keys = Object.fromEntries(await Promise.all(roles.map(async (r) => [r, await ws.keyFor(r)] as const)));
    const unknownId = '0190a5d2-7a3e-7c4f-8b2a-1234567890ab';
    const seen: string[] = [];
    for (const [route, access] of Object.entries(routeAccess)) {
      if (access === 'public') continue;
      const [method, path] = route.split(' ') as [string, string];
      const url = `/api/v1${path.replace(':id', unknownId).replace(':token', 'x')}`;
      for (const role of roles) {
        const res = await ws.request({
          method: method as 'GET',
          url,
          key: keys[role]!,
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        const allowed = access === 'authenticated' || can(role, access);
        seen.push(`${role} ${route} ${res.statusCode}`);
        if (allowed) {
          expect(res.statusCode, `${role} ${route}`).not.toBe(403);
          expect(res.statusCode, `${role} ${route}`).toBeLessThan(500);
        } else {
          expect(res.statusCode, `${role} ${route}`).toBe(403);
          expect(res.headers['content-type']).toContain('application/problem+json');
        }
      }
    }
    expect(seen.length).toBeGreaterThan(200);
  });

  it('answers the public routes without a login (never AUTH.UNAUTHENTICATED)', async () => {
    const publicRoutes = Object.entries(routeAccess).filter(([, access]) => access === 'public');
    expect(publicRoutes.length).toBeGreaterThanOrEqual(14);
    for (const [route] of publicRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      const url = `/api/v1${path
        .replace(':publicKey', 'k'.repeat(43))
        .replace(':id', '0190a5d2-7a3e-7c4f-8b2a-1234567890ab')
        .replace(':token', 'x'.repeat(30))}`;
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { 'x-forwarded-for': '10.77.0.1' },
        ...(method === 'GET' ? {} : { payload: {} }),
      });
      expect(res.statusCode, `${route}: ${res.body}`).toBeLessThan(500);
      if (res.statusCode === 401) expect(res.json().code, route).not.toBe('AUTH.UNAUTHENTICATED');
    }
  });
});

/** A customers file that asks for one change of each kind, and an orders file with a refund. */
const customersFile = [
  'externalId,firstName,lastName,phone,tags,consentEmail',
  'C1,דנה,לוי-כהן,,,',
  'C2,,,,VIP,',
  'C3,,,,,כן',
  'C4,אורי,מזרחי,0521234567,,',
].join('\n');
const customersMapping = {
  externalId: 'externalId',
  firstName: 'firstName',
  lastName: 'lastName',
  phone: 'phone',
  tags: 'tags',
  consentEmail: 'consentEmail',
};
const ordersFile = ['order,customer,date,sku,item,qty,price,refunded', 'W-1,C1,2026-11-20,SKU-1,קפה,2,30,10'].join(
  '\n',
);
const ordersMapping = {
  externalId: 'order',
  customerExternalId: 'customer',
  placedAt: 'date',
  sku: 'sku',
  name: 'item',
  quantity: 'qty',
  unitPrice: 'price',
  refundedAmount: 'refunded',
};

type CustomerReply = {
  id: string;
  lastName: string | null;
  tags: string[];
  consents: Record<string, boolean>;
  totalSpent?: string;
};

async function seed(ws: TestWorkspace) {
  for (const [externalId, firstName, phone] of [
    ['C1', 'דנה', '0501111111'],
    ['C2', 'יוסי', '0502222222'],
    ['C3', 'מיכל', '0503333333'],
  ] as const) {
    const res = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { externalId, firstName, lastName: 'כהן', phone },
    });
    expect(res.statusCode).toBe(201);
  }
}

async function byExternalId(ws: TestWorkspace, externalId: string): Promise<CustomerReply | undefined> {
  const res = await ws.request({ method: 'GET', url: `/api/v1/customers?q=${externalId}&limit=5` });
  const found = (res.json() as { items: (CustomerReply & { externalId: string })[] }).items.find(
    (c) => c.externalId === externalId,
  );
  if (!found) return undefined;
  return (await ws.request({ method: 'GET', url: `/api/v1/customers/${found.id}` })).json() as CustomerReply;
}

describe('every role through every import kind', () => {
  for (const role of roles) {
    it(`changes through an import only what a ${role} may change on its own route`, async () => {
      const ws = await createTestWorkspace(t);
      await seed(ws);
      const key = await ws.keyFor(role);

      const upload = await uploadImport(ws, customersFile, { kind: 'customers', mapping: customersMapping, key });
      if (!can(role, 'imports.run')) {
        expect(upload.statusCode).toBe(403);
      } else {
        expect(upload.statusCode).toBe(202);
        const done = await waitForImport(ws, (upload.json() as { id: string }).id, key);
        expect(done.status).toBe('completed');
        const c1 = await byExternalId(ws, 'C1');
        const c2 = await byExternalId(ws, 'C2');
        const c3 = await byExternalId(ws, 'C3');
        const c4 = await byExternalId(ws, 'C4');
        expect(c1?.lastName).toBe(can(role, 'customers.write') ? 'לוי-כהן' : 'כהן');
        expect(c2?.tags).toEqual(can(role, 'customers.tag') ? ['VIP'] : []);
        expect(c3?.consents.email === true).toBe(can(role, 'customers.consent'));
        expect(c4 !== undefined).toBe(can(role, 'customers.write'));
        const refused = done.errors.map((e) => e.row).sort();
        const expected = [
          ...(can(role, 'customers.write') ? [] : [2]),
          ...(can(role, 'customers.tag') ? [] : [3]),
          ...(can(role, 'customers.consent') ? [] : [4]),
          ...(can(role, 'customers.write') ? [] : [5]),
        ];
        expect(refused).toEqual(expected);
        expect(done.errorRows).toBe(expected.length);
      }

      const orders = await uploadImport(ws, ordersFile, { kind: 'orders', mapping: ordersMapping, key });
      const mayOrder = can(role, 'imports.run') && can(role, 'commerce.write');
      expect(orders.statusCode).toBe(mayOrder ? 202 : 403);
      if (mayOrder) {
        const done = await waitForImport(ws, (orders.json() as { id: string }).id, key);
        expect(done.status).toBe('completed');
        expect(done.insertedRows).toBe(1);
      }
      const list = (await ws.request({ method: 'GET', url: '/api/v1/orders' })).json() as {
        items: { externalId: string; refundedAmount?: string }[];
      };
      expect(list.items.map((o) => o.externalId)).toEqual(mayOrder ? ['W-1'] : []);
    });
  }
});

describe('the services hold the line themselves', () => {
  const ctxOf = (ws: TestWorkspace, role: Role): Ctx => ({
    workspaceId: ws.workspaceId,
    actor: { type: 'system', id: null, role, name: `a ${role} job` },
  });

  it('refuses a change the role may not make even when no route stands in front (a job, a later module)', async () => {
    const ws = await createTestWorkspace(t);
    const attempt = (role: Role) =>
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        createCustomer(trx, ctxOf(ws, role), { firstName: 'נועה', phone: '0547654321' }),
      );
    for (const role of ['marketer', 'analyst', 'shopper'] as const) {
      const error = await attempt(role).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('AUTH.FORBIDDEN');
    }
    await expect(attempt('agent')).resolves.toMatchObject({ firstName: 'נועה' });
  });

  it('runs an import job with what its starter holds when it runs: a key revoked in between imports nothing', async () => {
    const ws = await createTestWorkspace(t);
    const created = (
      await ws.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'ייבוא לילי', role: 'admin' } })
    ).json() as { id: string };
    const actor = { type: 'api_key' as const, id: created.id, role: 'admin' as const, name: 'ייבוא לילי' };
    const ctx: Ctx = { workspaceId: ws.workspaceId, actor };
    const file = Buffer.from('externalId,firstName,phone\nX9,רותם,0529999999\n');
    const queued = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      createImport(trx, ctx, {
        kind: 'customers',
        filename: 'night.csv',
        mapping: { externalId: 'externalId', firstName: 'firstName', phone: 'phone' },
        encoding: 'utf-8',
        file,
        totalRows: 1,
      }),
    );
    expect((await ws.request({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}` })).statusCode).toBe(204);
    await runImport(t.database.db, { workspaceId: ws.workspaceId, importId: queued.id, locale: 'en', actor });
    const done = await waitForImport(ws, queued.id);
    expect(done.status).toBe('failed');
    expect(await byExternalId(ws, 'X9')).toBeUndefined();
  });
});
