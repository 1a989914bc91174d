import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';

// On PostgreSQL the requests below run on up to ten pooled connections at once; on PGlite their
// transactions queue. Either way a balance never goes below zero and an order earns once.
let t: TestApp;
let ws: TestWorkspace;
const PARALLEL = 50;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מועדון במקביל');
  const res = await ws.request({
    method: 'PUT',
    url: '/api/v1/loyalty/program',
    payload: { name: 'מועדון', tiers: [{ name: 'חברים', threshold: 0 }] },
  });
  expect(res.statusCode).toBe(200);
});

async function member(points: number) {
  const customer = (
    await ws.request({ method: 'POST', url: '/api/v1/customers?allowDuplicate=true', payload: { firstName: 'מקבילה' } })
  ).json();
  await ws.request({ method: 'POST', url: '/api/v1/loyalty/members', payload: { customerId: customer.id } });
  const given = await ws.request({
    method: 'POST',
    url: `/api/v1/loyalty/members/${customer.id}/adjustments`,
    payload: { points, note: 'יתרת פתיחה' },
  });
  expect(given.statusCode).toBe(201);
  return customer.id as string;
}

async function stored(customerId: string) {
  return inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
    const row = await trx
      .selectFrom('loyalty_members')
      .select('available')
      .where('workspace_id', '=', ws.workspaceId)
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow();
    const sum = await trx
      .selectFrom('loyalty_entries')
      .select((eb) => eb.fn.sum<string>('amount').as('n'))
      .where('workspace_id', '=', ws.workspaceId)
      .where('customer_id', '=', customerId)
      .where('account', '=', 'member.available')
      .executeTakeFirstOrThrow();
    return { available: Number(row.available), ledger: Number(sum.n) };
  });
}

describe('the club under parallel requests', () => {
  it('lets 50 simultaneous takings that exceed the balance take only what is there', async () => {
    const customerId = await member(200);
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        ws.request({
          method: 'POST',
          url: `/api/v1/loyalty/members/${customerId}/adjustments`,
          payload: { points: -15, note: 'במקביל' },
        }),
      ),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(13);
    expect(codes.filter((c) => c === 409)).toHaveLength(PARALLEL - 13);
    expect(answers.find((a) => a.statusCode === 409)?.json().code).toBe('LOYALTY.INSUFFICIENT_POINTS');
    expect(await stored(customerId)).toEqual({ available: 5, ledger: 5 });
  });

  it('earns once for an order whose event two dispatchers deliver at the same time', async () => {
    const customerId = await member(1);
    const order = await ws.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload: {
        externalId: `c-${randomToken(5)}`,
        customerId,
        placedAt: new Date().toISOString(),
        channel: 'web',
        items: [{ sku: 'mug', name: 'ספל', quantity: 1, unitPrice: '40.00' }],
      },
    });
    expect(order.statusCode).toBe(201);
    await Promise.all([dispatchEvents(t.database.db), dispatchEvents(t.database.db), dispatchEvents(t.database.db)]);
    const m = (await ws.request({ method: 'GET', url: `/api/v1/loyalty/members/${customerId}` })).json();
    expect(m).toMatchObject({ available: 1, pending: 40 });
    expect(m.pendingLots).toHaveLength(1);
  });
});
