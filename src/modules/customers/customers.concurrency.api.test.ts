import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../../test/harness.ts';

// On PostgreSQL the requests below run on up to ten pooled connections at once; on PGlite their
// transactions queue. The answers must be the same clean ones either way.
let t: TestApp;
let ws: TestWorkspace;
const PARALLEL = 20;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מקביליות');
});

const createAll = (payload: object) =>
  Promise.all(
    Array.from({ length: PARALLEL }, () => ws.request({ method: 'POST', url: '/api/v1/customers', payload })),
  );

/** What is stored, read straight from the database rather than through the API under test. */
async function storedCustomers(where: { column: 'email' | 'phone' | 'external_id'; value: string }) {
  return inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    trx
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', ws.workspaceId)
      .where(where.column, '=', where.value)
      .where('status', '=', 'active')
      .execute(),
  );
}

/** Exactly one of the parallel requests succeeded (with `success`), and every other one is a 409. */
function expectOneWinner(responses: LightMyRequestResponse[], success: number) {
  const statuses = responses.map((r) => r.statusCode);
  expect(
    statuses.filter((s) => s === success),
    statuses.join(','),
  ).toHaveLength(1);
  expect(
    statuses.filter((s) => s === 409),
    statuses.join(','),
  ).toHaveLength(PARALLEL - 1);
}

function expectOneCreatedRestConflicts(responses: LightMyRequestResponse[]) {
  expectOneWinner(responses, 201);
  const created = responses.find((r) => r.statusCode === 201)?.json() as { id: string };
  for (const conflict of responses.filter((r) => r.statusCode === 409)) {
    expect(conflict.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = conflict.json() as { code: string; duplicates?: { id: string }[] };
    expect(problem.code, conflict.body).toBe('CUSTOMER.DUPLICATE');
    // The loser is told who already holds the identity, so it can link to them.
    if (problem.duplicates) expect(problem.duplicates.map((d) => d.id)).toContain(created.id);
  }
  return created;
}

describe(`simultaneous writes of one person (${testDatabaseKind})`, () => {
  it('20 creates with one email make one customer and 19 conflicts', async () => {
    const email = `same-${randomToken(6).toLowerCase()}@example.com`;
    const responses = await createAll({ firstName: 'דנה', email });
    const created = expectOneCreatedRestConflicts(responses);
    expect((await storedCustomers({ column: 'email', value: email })).map((r) => r.id)).toEqual([created.id]);
  });

  it('20 creates with one external id make one customer and 19 conflicts', async () => {
    const externalId = `crm-${randomToken(6)}`;
    // Each with its own email: only the external id ties them together.
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        ws.request({
          method: 'POST',
          url: '/api/v1/customers',
          payload: { firstName: 'יואב', externalId, email: `x${i}-${randomToken(4).toLowerCase()}@example.com` },
        }),
      ),
    );
    const created = expectOneCreatedRestConflicts(responses);
    expect((await storedCustomers({ column: 'external_id', value: externalId })).map((r) => r.id)).toEqual([
      created.id,
    ]);
  });

  it('20 creates with one phone, written differently, make one customer', async () => {
    const local = `05${Math.floor(20_000_000 + Math.random() * 79_999_999)}`;
    const forms = [local, `+972${local.slice(1)}`, `${local.slice(0, 3)}-${local.slice(3)}`];
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        ws.request({ method: 'POST', url: '/api/v1/customers', payload: { lastName: 'לוי', phone: forms[i % 3] } }),
      ),
    );
    const created = expectOneCreatedRestConflicts(responses);
    expect((await storedCustomers({ column: 'phone', value: `+972${local.slice(1)}` })).map((r) => r.id)).toEqual([
      created.id,
    ]);
  });

  it('still lets a caller knowingly add a second customer with a shared email', async () => {
    const email = `family-${randomToken(6).toLowerCase()}@example.com`;
    const first = await ws.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'אם', email } });
    const second = await ws.request({
      method: 'POST',
      url: '/api/v1/customers?allowDuplicate=true',
      payload: { firstName: 'בת', email },
    });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(await storedCustomers({ column: 'email', value: email })).toHaveLength(2);
  });

  it('20 changes of different customers to one external id leave it on one of them', async () => {
    const externalId = `moved-${randomToken(6)}`;
    const ids: string[] = [];
    for (let i = 0; i < PARALLEL; i++) {
      const res = await ws.request({
        method: 'POST',
        url: '/api/v1/customers?allowDuplicate=true',
        payload: { firstName: `שינוי ${i}` },
      });
      ids.push(res.json().id);
    }
    const responses = await Promise.all(
      ids.map((id) => ws.request({ method: 'PATCH', url: `/api/v1/customers/${id}`, payload: { externalId } })),
    );
    expectOneWinner(responses, 200);
    for (const conflict of responses.filter((r) => r.statusCode === 409)) {
      expect(conflict.json()).toMatchObject({ code: 'CUSTOMER.DUPLICATE', errors: [{ field: 'externalId' }] });
    }
    expect(await storedCustomers({ column: 'external_id', value: externalId })).toHaveLength(1);
  });
});

describe(`simultaneous orders (${testDatabaseKind})`, () => {
  it('20 orders naming one new branch make one branch and 20 orders in it', async () => {
    const customer = await ws.request({
      method: 'POST',
      url: '/api/v1/customers?allowDuplicate=true',
      payload: { firstName: 'קונה' },
    });
    const branch = `סניף ${randomToken(5)}`;
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        ws.request({
          method: 'POST',
          url: '/api/v1/orders',
          payload: {
            externalId: `branch-race-${randomToken(6)}-${i}`,
            customerId: customer.json().id,
            placedAt: '2026-06-01T10:00:00Z',
            channel: 'store',
            branch,
            items: [{ sku: 'espresso', name: 'אספרסו', quantity: 1, unitPrice: 9 }],
          },
        }),
      ),
    );
    expect(
      responses.map((r) => r.statusCode),
      responses.find((r) => r.statusCode !== 201)?.body,
    ).toEqual(Array(PARALLEL).fill(201));
    const branchIds = new Set(responses.map((r) => r.json().branchId));
    expect(branchIds.size).toBe(1);
    const listed = (await ws.request({ method: 'GET', url: '/api/v1/branches' })).json().items as { name: string }[];
    expect(listed.filter((b) => b.name === branch)).toHaveLength(1);
  });

  it('20 orders with one external id make one order, each answered with it', async () => {
    const customer = await ws.request({
      method: 'POST',
      url: '/api/v1/customers?allowDuplicate=true',
      payload: { firstName: 'חוזר' },
    });
    const externalId = `same-order-${randomToken(6)}`;
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        ws.request({
          method: 'POST',
          url: '/api/v1/orders',
          payload: {
            externalId,
            customerId: customer.json().id,
            placedAt: '2026-06-01T10:00:00Z',
            channel: 'web',
            items: [{ sku: 'mug', name: 'ספל', quantity: 2, unitPrice: '25.00' }],
          },
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(
      statuses.every((s) => s === 200 || s === 201),
      statuses.join(','),
    ).toBe(true);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    const totals = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      sql<{ n: number; spent: string }>`
        select (select count(*)::int from orders where workspace_id = ${ws.workspaceId} and external_id = ${externalId}) as n,
          (select total_spent::text from customers where workspace_id = ${ws.workspaceId} and id = ${customer.json().id}) as spent`.execute(
        trx,
      ),
    );
    expect(totals.rows[0]).toEqual({ n: 1, spent: '50.00' });
  });
});
