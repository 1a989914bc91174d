import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';

let t: TestApp;
let ws: TestWorkspace;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מסחר');
});

async function call(method: 'GET' | 'POST', url: string, payload?: object, status?: number, w = ws): Promise<Json> {
  const res = await w.request({ method, url, ...(payload ? { payload } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json();
}

const newCustomer = async (payload: object = { firstName: `קונה-${randomToken(3)}` }, w = ws) =>
  call('POST', '/api/v1/customers?allowDuplicate=true', payload, 201, w);
const customer = async (id: string) => call('GET', `/api/v1/customers/${id}`, undefined, 200);

type Item = { sku: string; name: string; quantity: number; unitPrice: number | string };
const orderBody = (customerId: string, overrides: Json = {}) => ({
  externalId: `pos-${randomToken(6)}`,
  customerId,
  placedAt: '2026-05-10T08:30:00Z',
  channel: 'store',
  branch: 'דיזנגוף',
  items: [{ sku: 'latte', name: 'לאטה', quantity: 3, unitPrice: '19.90' }] as Item[],
  ...overrides,
});

describe('products', () => {
  it('creates, updates by SKU and pages the catalogue', async () => {
    const sku = `p-${randomToken(4)}`;
    const created = await call(
      'POST',
      '/api/v1/products',
      { sku, name: 'עוגת גבינה', category: 'מאפים', price: '42.90' },
      201,
    );
    expect(created).toMatchObject({ sku, name: 'עוגת גבינה', category: 'מאפים', price: '42.90' });
    const updated = await call('POST', '/api/v1/products', { sku, name: 'עוגת גבינה אפויה', price: 45 }, 201);
    expect(updated).toMatchObject({ id: created.id, name: 'עוגת גבינה אפויה', price: '45.00' });
    const bad = await call('POST', '/api/v1/products', { sku: 'x', name: 'x', price: '1.999' }, 400);
    expect(bad.errors[0].field).toBe('price');

    for (const i of [1, 2, 3, 4]) await call('POST', '/api/v1/products', { sku: `${sku}-${i}`, name: `#${i}` }, 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await call(
        'GET',
        `/api/v1/products?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.items.map((p: Json) => p.sku));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([sku, `${sku}-1`, `${sku}-4`]));
  });
});

describe('orders', () => {
  it('adds money in agorot: 3 × 19.90 is exactly 59.70', async () => {
    const c = await newCustomer();
    const order = await call('POST', '/api/v1/orders', orderBody(c.id), 201);
    expect(order).toMatchObject({
      customerId: c.id,
      total: '59.70',
      refundedTotal: '0.00',
      status: 'completed',
      branchName: 'דיזנגוף',
      items: [{ lineNo: 1, sku: 'latte', quantity: 3, unitPrice: '19.90', total: '59.70' }],
    });
    const cents = await call(
      'POST',
      '/api/v1/orders',
      orderBody(c.id, {
        items: [
          { sku: 'a', name: 'a', quantity: 1, unitPrice: 0.1 },
          { sku: 'b', name: 'b', quantity: 1, unitPrice: 0.2 },
          { sku: 'c', name: 'c', quantity: 7, unitPrice: '0.70' },
        ],
      }),
      201,
    );
    expect(cents.total).toBe('5.20');
    expect((await customer(c.id)).totals.totalSpent).toBe('64.90');
  });

  it('never loses an agora, for any basket', async () => {
    const c = await newCustomer();
    let expectedAgorot = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ quantity: fc.integer({ min: 1, max: 12 }), agorot: fc.integer({ min: 0, max: 99_999_99 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.boolean(),
        async (lines, asNumbers) => {
          const items = lines.map((l, i) => ({
            sku: `f${i}`,
            name: `f${i}`,
            quantity: l.quantity,
            unitPrice: asNumbers ? l.agorot / 100 : (l.agorot / 100).toFixed(2),
          }));
          const agorot = lines.reduce((sum, l) => sum + l.quantity * l.agorot, 0);
          expectedAgorot += agorot;
          const order = await call('POST', '/api/v1/orders', orderBody(c.id, { items }), 201);
          expect(order.total).toBe(`${Math.floor(agorot / 100)}.${String(agorot % 100).padStart(2, '0')}`);
        },
      ),
      { numRuns: 12 },
    );
    const spent = (await customer(c.id)).totals.totalSpent;
    expect(spent).toBe(`${Math.floor(expectedAgorot / 100)}.${String(expectedAgorot % 100).padStart(2, '0')}`);
  });

  it('is idempotent by externalId: the same order twice is one order, 200 the second time', async () => {
    const c = await newCustomer();
    const body = orderBody(c.id);
    const first = await ws.request({ method: 'POST', url: '/api/v1/orders', payload: body });
    const second = await ws.request({ method: 'POST', url: '/api/v1/orders', payload: body });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const racing = orderBody(c.id);
    const statuses = (
      await Promise.all([1, 2, 3].map(() => ws.request({ method: 'POST', url: '/api/v1/orders', payload: racing })))
    )
      .map((r) => r.statusCode)
      .sort();
    expect(statuses).toEqual([200, 200, 201]);
    const orders = await call('GET', `/api/v1/orders?customerId=${c.id}`);
    expect(orders.items).toHaveLength(2);
    expect((await customer(c.id)).totals).toMatchObject({ ordersCount: 2, totalSpent: '119.40' });
  });

  it('validates orders and names the field', async () => {
    const c = await newCustomer();
    const empty = await call('POST', '/api/v1/orders', orderBody(c.id, { items: [] }), 400);
    expect(empty.errors[0].field).toBe('items');
    const price = await call(
      'POST',
      '/api/v1/orders',
      orderBody(c.id, { items: [{ sku: 'x', name: 'x', quantity: 1, unitPrice: '1.234' }] }),
      400,
    );
    expect(price.errors[0].field).toBe('items.0.unitPrice');
    const channel = await call('POST', '/api/v1/orders', orderBody(c.id, { channel: 'fax' }), 400);
    expect(channel.errors[0].field).toBe('channel');
    const unknown = await call('POST', '/api/v1/orders', orderBody('01900000-0000-7000-8000-000000000000'), 400);
    expect(unknown.errors[0]).toMatchObject({ field: 'customerId', code: 'customer.not_found' });
    const cursor = await ws.request({ method: 'GET', url: '/api/v1/orders?cursor=garbage' });
    expect(cursor.statusCode).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays a retried customer create instead of creating twice', async () => {
    const key = randomToken(12);
    const payload = { firstName: 'חוזרת', phone: `05${3}${String(Date.now()).slice(-7)}` };
    const send = (body: object, k = key, w = ws) =>
      w.request({ method: 'POST', url: '/api/v1/customers', headers: { 'idempotency-key': k }, payload: body });
    const first = await send(payload);
    expect(first.statusCode).toBe(201);
    const retry = await send(payload);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    const found = await call('GET', `/api/v1/customers?q=${encodeURIComponent(payload.phone)}`);
    expect(found.total).toBe(1);

    const reused = await send({ ...payload, firstName: 'אחרת' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().code).toBe('IDEMPOTENCY.KEY_REUSED');
    // Without the key the same body is a new request: the duplicate check answers.
    expect((await ws.request({ method: 'POST', url: '/api/v1/customers', payload })).statusCode).toBe(409);
    // Keys belong to a workspace: another one using the same key creates its own customer.
    const other = await createTestWorkspace(t, 'אחר');
    const elsewhere = await send(payload, key, other);
    expect(elsewhere.statusCode).toBe(201);
    expect(elsewhere.json().id).not.toBe(first.json().id);
  });

  it('concurrent retries with one key create one customer', async () => {
    const key = randomToken(12);
    const payload = { firstName: `מקבילה-${randomToken(4)}` };
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        ws.request({ method: 'POST', url: '/api/v1/customers', headers: { 'idempotency-key': key }, payload }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    expect((await call('GET', `/api/v1/customers?q=${encodeURIComponent(payload.firstName)}`)).total).toBe(1);
  });

  it('replays a retried order create', async () => {
    const c = await newCustomer();
    const key = randomToken(12);
    const body = orderBody(c.id);
    const send = () =>
      ws.request({ method: 'POST', url: '/api/v1/orders', headers: { 'idempotency-key': key }, payload: body });
    const first = await send();
    const retry = await send();
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.json().id).toBe(first.json().id);
  });
});

describe('totals, refunds and lifecycle', () => {
  it('keeps count, net spend and first/last purchase right through orders and refunds', async () => {
    const c = await newCustomer();
    expect((await customer(c.id)).lifecycleStage).toBe('lead');

    const first = await call('POST', '/api/v1/orders', orderBody(c.id, { placedAt: '2026-05-10T08:30:00Z' }), 201);
    expect((await customer(c.id)).totals).toEqual({
      ordersCount: 1,
      totalSpent: '59.70',
      firstOrderAt: '2026-05-10T08:30:00.000Z',
      lastOrderAt: '2026-05-10T08:30:00.000Z',
    });
    expect((await customer(c.id)).lifecycleStage).toBe('customer');

    // An order placed earlier (a late import) moves the first purchase back.
    await call(
      'POST',
      '/api/v1/orders',
      orderBody(c.id, {
        placedAt: '2026-01-02T10:00:00+02:00',
        items: [{ sku: 'x', name: 'x', quantity: 2, unitPrice: 5.05 }],
      }),
      201,
    );
    const afterTwo = await customer(c.id);
    expect(afterTwo.totals).toEqual({
      ordersCount: 2,
      totalSpent: '69.80',
      firstOrderAt: '2026-01-02T08:00:00.000Z',
      lastOrderAt: '2026-05-10T08:30:00.000Z',
    });
    expect(afterTwo.lifecycleStage).toBe('repeat');

    const refundUrl = `/api/v1/orders/${first.id}/refunds`;
    const partial = await call(
      'POST',
      refundUrl,
      { amount: '10.00', reason: 'כוס שבורה', externalId: `r-${first.id}` },
      201,
    );
    expect(partial).toMatchObject({ status: 'partially_refunded', refundedTotal: '10.00', total: '59.70' });
    // The same refund sent again (same externalId) is not counted twice.
    await call('POST', refundUrl, { amount: '10.00', externalId: `r-${first.id}` }, 201);
    expect((await customer(c.id)).totals.totalSpent).toBe('59.80');

    const over = await call('POST', refundUrl, { amount: '49.71' }, 422);
    expect(over.code).toBe('ORDER.REFUND_EXCEEDS_TOTAL');
    expect(over.errors[0].field).toBe('amount');
    await call('POST', refundUrl, { amount: 0 }, 400);

    const full = await call('POST', refundUrl, { amount: 49.7 }, 201);
    expect(full).toMatchObject({ status: 'refunded', refundedTotal: '59.70' });
    const afterRefunds = await customer(c.id);
    expect(afterRefunds.totals).toMatchObject({ ordersCount: 2, totalSpent: '10.10' });
    expect(afterRefunds.lifecycleStage).toBe('repeat');
    await call('POST', refundUrl, { amount: '0.01' }, 422);

    const timeline = await call('GET', `/api/v1/customers/${c.id}/timeline?limit=100`);
    const refunds = timeline.items.filter((e: Json) => e.type === 'order.refunded');
    expect(refunds.map((e: Json) => e.data.amount).sort()).toEqual(['10.00', '49.70']);
    await call('POST', '/api/v1/orders/01900000-0000-7000-8000-000000000000/refunds', { amount: 1 }, 404);
    // A refund id already used on another order is a conflict, never silently dropped.
    const second = await call('POST', '/api/v1/orders', orderBody(c.id), 201);
    const taken = await call(
      'POST',
      `/api/v1/orders/${second.id}/refunds`,
      { amount: '1.00', externalId: `r-${first.id}` },
      409,
    );
    expect(taken.code).toBe('ORDER.REFUND_ID_TAKEN');
    expect((await call('GET', `/api/v1/orders/${second.id}`)).refundedTotal).toBe('0.00');
  });

  it("a merge adds both customers' net spend and the merged record drops to zero", async () => {
    const survivor = await newCustomer();
    const merged = await newCustomer();
    await call('POST', '/api/v1/orders', orderBody(survivor.id, { placedAt: '2026-03-01T10:00:00Z' }), 201);
    const other = await call('POST', '/api/v1/orders', orderBody(merged.id, { placedAt: '2026-02-01T10:00:00Z' }), 201);
    await call('POST', `/api/v1/orders/${other.id}/refunds`, { amount: '9.70' }, 201);
    const result = await call('POST', `/api/v1/customers/${survivor.id}/merge`, { otherId: merged.id }, 200);
    expect(result.totals).toEqual({
      ordersCount: 2,
      totalSpent: '109.70',
      firstOrderAt: '2026-02-01T10:00:00.000Z',
      lastOrderAt: '2026-03-01T10:00:00.000Z',
    });
    expect(result.lifecycleStage).toBe('repeat');
    expect((await customer(merged.id)).totals).toMatchObject({ ordersCount: 0, totalSpent: '0.00' });
    // A refund on the moved order now counts against the survivor.
    await call('POST', `/api/v1/orders/${other.id}/refunds`, { amount: '0.30' }, 201);
    expect((await customer(survivor.id)).totals.totalSpent).toBe('109.40');
  });

  it('orders do not pull a customer back from a stage set by hand beyond repeat', async () => {
    const c = await newCustomer({ firstName: 'נאמנה', lifecycleStage: 'loyal' });
    await call('POST', '/api/v1/orders', orderBody(c.id), 201);
    expect((await customer(c.id)).lifecycleStage).toBe('loyal');
  });
});
