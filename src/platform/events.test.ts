import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inWorkspace } from '../db/tenancy.ts';
import { orderPlaced } from '../modules/commerce/commerce.events.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { systemCtx } from './context.ts';
import {
  type DeliveredEvent,
  defineEvent,
  dispatchEvents,
  type EventDefinition,
  publishEvent,
  publishEvents,
  subscribe,
} from './events.ts';

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

/** Subscribes for the test: the events of this test's workspace it is handed, in order. */
function deliveredHere<D extends EventDefinition>(name: string, definition: D): DeliveredEvent<D>[] {
  const seen: DeliveredEvent<D>[] = [];
  unsubscribe.push(
    subscribe({
      name,
      events: [definition],
      handle: async (_trx, ctx, event) => {
        if (ctx.workspaceId === ws.workspaceId) seen.push(event);
      },
    }),
  );
  return seen;
}

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
  it('hands a bulk of events to a batch subscriber in few transactions, each once, and one by one when a batch fails', async () => {
    const seen = defineEvent('bulk.seen', z.object({ n: z.number().int() }));
    const ctx = systemCtx(ws.workspaceId);
    const batches: number[] = [];
    const handled: number[] = [];
    let failOnce = true;
    unsubscribe.push(
      subscribe({
        name: 'test.bulk',
        events: [seen],
        handle: async (_trx, c, event) => {
          if (c.workspaceId === ws.workspaceId) handled.push(event.payload.n);
        },
        handleBatch: async (_trx, c, events) => {
          if (c.workspaceId !== ws.workspaceId) return;
          if (failOnce && events.some((e) => e.payload.n === 250)) {
            failOnce = false;
            throw new Error('one bad batch');
          }
          batches.push(events.length);
          handled.push(...events.map((e) => e.payload.n));
        },
      }),
    );
    await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      publishEvents(
        trx,
        ctx,
        seen,
        Array.from({ length: 500 }, (_, n) => ({ n })),
      ),
    );
    await dispatchEvents(t.database.db, { batch: 200, workspaceId: ws.workspaceId });
    await dispatchEvents(t.database.db, { batch: 200, workspaceId: ws.workspaceId });
    await dispatchEvents(t.database.db, { batch: 200, workspaceId: ws.workspaceId });
    await dispatchEvents(t.database.db, { batch: 200, workspaceId: ws.workspaceId });
    // 500 events in batches of at most 200; the batch holding event 250 failed and went one by one.
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(batches.every((size) => size <= 200)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(300);
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) => publishEvents(trx, ctx, seen, [{ n: 1.5 }])),
    ).rejects.toThrow();
  });

  it('hands each event to a subscriber exactly once, in its workspace', async () => {
    const seen = deliveredHere('test.once', orderPlaced);
    const orderId = await placeOrder(`EV-${Date.now()}`);
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
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
        events: [orderPlaced],
        handle: async (trx, ctx, event) => {
          if (ctx.workspaceId !== ws.workspaceId || event.payload.externalId !== externalId) return;
          attempts++;
          await trx
            .insertInto('notes')
            .values({
              workspace_id: ctx.workspaceId,
              id: crypto.randomUUID(),
              customer_id: event.payload.customerId,
              body: `attempt ${attempts}`,
            })
            .execute();
          if (attempts === 1) throw new Error('provider down');
        },
      }),
    );
    const orderId = await placeOrder(externalId);
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    expect(attempts).toBe(2);
    const order = await ws.request({ method: 'GET', url: `/api/v1/orders/${orderId}` });
    const export_ = await ws.request({ method: 'GET', url: `/api/v1/customers/${order.json().customerId}/export` });
    expect(export_.json().notes.map((n: { body: string }) => n.body)).toEqual(['attempt 2']);
  });

  it('refuses a payload that does not fit its definition, at publish time, and stores nothing', async () => {
    const pointsEarned = defineEvent('points.earned', z.object({ customerId: z.uuid(), points: z.number().int() }));
    const ctx = systemCtx(ws.workspaceId);
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        // A caller that got around the types (JSON from elsewhere) still cannot store the wrong shape.
        publishEvent(trx, ctx, pointsEarned, { customerId: 'not-a-uuid', points: 1.5 } as never),
      ),
    ).rejects.toThrow();
    const received = deliveredHere('test.points', pointsEarned);
    const customerId = crypto.randomUUID();
    await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      publishEvent(trx, ctx, pointsEarned, { customerId, points: 120 }),
    );
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    expect(received.map((e) => [e.type, e.payload])).toEqual([['points.earned', { customerId, points: 120 }]]);
  });
});
