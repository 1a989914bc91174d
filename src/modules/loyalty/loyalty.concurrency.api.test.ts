import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { apiCaller, enrolledMember, oneTierClub, storedBalance, workspaceWithClub } from './loyalty.test-helpers.ts';

// On PostgreSQL the requests below run on up to ten pooled connections at once; on PGlite their
// transactions queue. Either way a balance never goes below zero and an order earns once.
let t: TestApp;
let ws: TestWorkspace;
const PARALLEL = 50;

const call = apiCaller(() => ws);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'מועדון במקביל', oneTierClub);
});

const member = (points: number) => enrolledMember(call, ws, points);

const stored = (customerId: string) => storedBalance(t, ws, customerId);

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
    const mine = { workspaceId: ws.workspaceId };
    await Promise.all([
      dispatchEvents(t.database.db, mine),
      dispatchEvents(t.database.db, mine),
      dispatchEvents(t.database.db, mine),
    ]);
    const m = (await ws.request({ method: 'GET', url: `/api/v1/loyalty/members/${customerId}` })).json();
    expect(m).toMatchObject({ available: 1, pending: 40 });
    expect(m.pendingLots).toHaveLength(1);
  });
});
