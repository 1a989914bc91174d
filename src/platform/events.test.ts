import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { dispatchEvents, type StoredEvent, subscribe } from './events.ts';

let t: TestApp;
let ws: TestWorkspace;
const unsubscribe: (() => void)[] = [];

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t);
});
afterEach(() => {
  for (const off of unsubscribe.splice(0)) off();
});

async function placeOrder(externalId: string) {
  const customer = await ws.request({
    method: 'POST',
    url: '/api/v1/customers',
    payload: { firstName: 'שני', lastName: externalId },
  });
  const order = await ws.request({
    method: 'POST',
    url: '/api/v1/orders',
    payload: {
      externalId,
      customerId: customer.json().id,
      placedAt: '2026-11-01T10:00:00+02:00',
      channel: 'store',
      items: [{ sku: 'CAKE', name: 'עוגת גבינה', quantity: 1, unitPrice: 42 }],
    },
  });
  expect(order.statusCode).toBe(201);
  return order.json().id as string;
}

describe('domain events', () => {
  it('hands each event to a subscriber exactly once, in its workspace', async () => {
    const seen: StoredEvent[] = [];
    unsubscribe.push(
      subscribe({
        name: 'test.once',
        types: ['order.placed'],
        handle: async (_trx, ctx, event) => {
          if (ctx.workspaceId === ws.workspaceId) seen.push(event);
        },
      }),
    );
    const orderId = await placeOrder(`EV-${Date.now()}`);
    await dispatchEvents(t.database.db, { batch: 10_000 });
    await dispatchEvents(t.database.db, { batch: 10_000 });
    const mine = seen.filter((e) => e.payload.orderId === orderId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.payload).toMatchObject({ orderId, total: '42.00' });
  });

  it('retries a subscriber that failed, and its failed work is rolled back', async () => {
    let attempts = 0;
    const externalId = `EV-FLAKY-${Date.now()}`;
    unsubscribe.push(
      subscribe({
        name: 'test.flaky',
        types: ['order.placed'],
        handle: async (trx, ctx, event) => {
          if (ctx.workspaceId !== ws.workspaceId || event.payload.externalId !== externalId) return;
          attempts++;
          await trx
            .insertInto('notes')
            .values({
              workspace_id: ctx.workspaceId,
              id: crypto.randomUUID(),
              customer_id: String(event.payload.customerId),
              body: `attempt ${attempts}`,
            })
            .execute();
          if (attempts === 1) throw new Error('provider down');
        },
      }),
    );
    const orderId = await placeOrder(externalId);
    await dispatchEvents(t.database.db, { batch: 10_000 });
    await dispatchEvents(t.database.db, { batch: 10_000 });
    expect(attempts).toBe(2);
    const order = await ws.request({ method: 'GET', url: `/api/v1/orders/${orderId}` });
    const export_ = await ws.request({ method: 'GET', url: `/api/v1/customers/${order.json().customerId}/export` });
    expect(export_.json().notes.map((n: { body: string }) => n.body)).toEqual(['attempt 2']);
  });
});
