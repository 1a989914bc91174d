import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { call, grantSms, ids, type Json, newCustomer, newOrder, uniquePhone } from './customers.test-helpers.ts';

/** Merging two records of one person, and the person's export and erasure, through the API. */

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מיזוג ופרטיות');
});

describe('merge', () => {
  it('moves everything to the survivor, sums the totals and keeps a record', async () => {
    const survivorPhone = uniquePhone();
    const survivor = await newCustomer(ws, { firstName: 'שרה', lastName: 'מזרחי', phone: survivorPhone, tags: ['a'] });
    const mergedEmail = `sara${randomToken(3).toLowerCase()}@merge.example`;
    const merged = await newCustomer(ws, {
      firstName: 'שרה',
      lastName: 'מזרחי',
      email: mergedEmail,
      externalId: `pos-${randomToken(4)}`,
      tags: ['b'],
      consents: [{ channel: 'email', status: 'granted', source: 'pos' }],
    });
    await newOrder(ws, survivor.id, {
      placedAt: '2026-02-01T10:00:00Z',
      items: [{ sku: 'a', name: 'a', quantity: 1, unitPrice: '100.00' }],
    });
    await newOrder(ws, merged.id, {
      placedAt: '2026-01-01T10:00:00Z',
      items: [{ sku: 'b', name: 'b', quantity: 1, unitPrice: '50.55' }],
    });
    await call(ws, 'POST', `/api/v1/customers/${merged.id}/notes`, { body: 'פתק של הכפולה' }, 201);

    const duplicates = await call(ws, 'GET', `/api/v1/customers/${survivor.id}/duplicates`, undefined, 200);
    expect(ids(duplicates.items)).toContain(merged.id);

    const result = await call(ws, 'POST', `/api/v1/customers/${survivor.id}/merge`, { otherId: merged.id }, 200);
    expect(result).toMatchObject({
      id: survivor.id,
      phone: `+972${survivorPhone.slice(1)}`,
      email: mergedEmail,
      lifecycleStage: 'repeat',
      consents: { email: true },
      totals: {
        ordersCount: 2,
        totalSpent: '150.55',
        firstOrderAt: '2026-01-01T10:00:00.000Z',
        lastOrderAt: '2026-02-01T10:00:00.000Z',
      },
    });
    expect(result.tags.sort()).toEqual(['a', 'b']);

    const page = await call(ws, 'GET', `/api/v1/customers/${survivor.id}`, undefined, 200);
    expect(page.identities.map((i: Json) => `${i.kind}:${i.value}`)).toEqual(
      expect.arrayContaining([`email:${mergedEmail}`, `external_id:${merged.externalId}`, `phone:${result.phone}`]),
    );
    expect(page.consentHistory).toEqual([expect.objectContaining({ channel: 'email', status: 'granted' })]);
    const timeline = await call(ws, 'GET', `/api/v1/customers/${survivor.id}/timeline?limit=100`, undefined, 200);
    const types = timeline.items.map((e: Json) => e.type);
    expect(types.filter((x: string) => x === 'order.placed')).toHaveLength(2);
    expect(types).toContain('note.added');
    expect(types[0]).toBe('customer.merged');
    const orders = await call(ws, 'GET', `/api/v1/orders?customerId=${survivor.id}`, undefined, 200);
    expect(orders.items).toHaveLength(2);

    const old = await call(ws, 'GET', `/api/v1/customers/${merged.id}`, undefined, 200);
    expect(old).toMatchObject({
      status: 'merged',
      mergedInto: survivor.id,
      totals: { ordersCount: 0, totalSpent: '0.00' },
    });
    // Everything moved but its own creation, which the survivor shows as the merge.
    expect(old.timeline.items.map((e: Json) => e.type)).toEqual(['customer.created']);

    const audit = await call(ws, 'GET', `/api/v1/audit?entityType=customer&entityId=${survivor.id}`, undefined, 200);
    const entry = audit.items.find((e: Json) => e.action === 'customer.merged');
    expect(entry.before.merged).toMatchObject({ id: merged.id, email: mergedEmail });
    const records = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx.selectFrom('customer_merges').selectAll().where('survivor_id', '=', survivor.id).execute(),
    );
    expect(records).toEqual([expect.objectContaining({ merged_id: merged.id })]);

    // An order sent later for the merged id lands on the survivor.
    await newOrder(ws, merged.id);
    expect((await call(ws, 'GET', `/api/v1/customers/${survivor.id}`, undefined, 200)).totals.ordersCount).toBe(3);

    const again = await call(ws, 'POST', `/api/v1/customers/${survivor.id}/merge`, { otherId: merged.id }, 409);
    expect(again.code).toBe('CUSTOMER.NOT_ACTIVE');
    const self = await call(ws, 'POST', `/api/v1/customers/${survivor.id}/merge`, { otherId: survivor.id }, 400);
    expect(self.code).toBe('CUSTOMER.MERGE_SELF');
  });

  it('finds duplicates by phone in another format, by email, and by full name', async () => {
    const phone = uniquePhone();
    const email = `dup${randomToken(3).toLowerCase()}@dup.example`;
    const lastName = `משפחה${randomToken(3)}`;
    const base = await newCustomer(ws, { firstName: 'נועה', lastName, phone, email });
    const byPhone = await newCustomer(ws, { firstName: 'אחרת', phone: `+972${phone.slice(1)}` });
    const byEmail = await newCustomer(ws, { firstName: 'שלישית', email: email.toUpperCase() });
    const byName = await newCustomer(ws, { firstName: 'נועה', lastName });
    const stranger = await newCustomer(ws, { firstName: 'זרה', lastName: 'לגמרי' });
    const found = ids((await call(ws, 'GET', `/api/v1/customers/${base.id}/duplicates`, undefined, 200)).items);
    expect(found.sort()).toEqual([byPhone.id, byEmail.id, byName.id].sort());
    expect(found).not.toContain(stranger.id);
    const conflict = await call(ws, 'POST', '/api/v1/customers', { firstName: 'x', phone }, 409);
    expect(ids(conflict.duplicates)).toContain(base.id);
  });
});

describe('privacy: export and erase', () => {
  it('exports everything about the person', async () => {
    const c = await newCustomer(ws, {
      firstName: 'ייצוא',
      email: `export${randomToken(3).toLowerCase()}@x.example`,
      consents: [{ channel: 'email', status: 'granted', source: 'web' }],
    });
    await call(ws, 'POST', `/api/v1/customers/${c.id}/notes`, { body: 'פתק לייצוא' }, 201);
    const order = await newOrder(ws, c.id);
    const res = await ws.request({ method: 'GET', url: `/api/v1/customers/${c.id}/export` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const data = res.json();
    expect(data.customer).toMatchObject({ id: c.id, firstName: 'ייצוא', email: c.email });
    expect(data.identities).toEqual([expect.objectContaining({ kind: 'email', value: c.email })]);
    expect(data.consentHistory).toEqual([expect.objectContaining({ channel: 'email', status: 'granted' })]);
    expect(data.notes).toEqual([expect.objectContaining({ body: 'פתק לייצוא' })]);
    expect(data.timeline.map((e: Json) => e.type)).toEqual(
      expect.arrayContaining(['customer.created', 'consent.changed', 'note.added', 'order.placed']),
    );
    expect(data.commerce.orders).toEqual([expect.objectContaining({ id: order.id, total: '10.00' })]);
  });

  it('erases personal data everywhere but keeps orders and totals', async () => {
    const phone = uniquePhone();
    const email = `erase${randomToken(3).toLowerCase()}@x.example`;
    const firstName = `נמחקת${randomToken(3)}`;
    const payload = { firstName, lastName: 'פרטית', email, phone, address: { city: 'עכו' } };
    const idempotencyKey = randomToken(8);
    const createdRes = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { 'idempotency-key': idempotencyKey },
      payload,
    });
    expect(createdRes.statusCode).toBe(201);
    const c = createdRes.json();
    // A duplicate record of the same person, merged into her: erasing her must erase it too.
    const twin = await newCustomer(ws, { firstName, lastName: 'כפולה', email: `twin-${email}` });
    await call(ws, 'POST', `/api/v1/customers/${c.id}/merge`, { otherId: twin.id }, 200);
    await call(
      ws,
      'PATCH',
      `/api/v1/customers/${c.id}`,
      { conductFlag: 'warning', conductNote: `צעקה על ${firstName}` },
      200,
    );
    await call(ws, 'POST', `/api/v1/customers/${c.id}/notes`, { body: `${firstName} אוהבת עוגות` }, 201);
    await grantSms(ws, c.id);
    await newOrder(ws, c.id, { items: [{ sku: 'cake', name: 'עוגה', quantity: 2, unitPrice: '45.50' }] });

    const erased = await call(ws, 'POST', `/api/v1/customers/${c.id}/erase`, undefined, 200);
    expect(new Date(erased.erasedAt).getTime()).toBeGreaterThan(0);

    const personal = [firstName, email, phone.slice(1), 'עכו', 'פרטית'];
    const expectClean = (label: string, value: unknown) => {
      const text = JSON.stringify(value);
      for (const p of personal) expect(text, `${label} still holds ${p}`).not.toContain(p);
    };
    const after = await call(ws, 'GET', `/api/v1/customers/${c.id}`, undefined, 200);
    expect(after).toMatchObject({
      status: 'erased',
      firstName: null,
      lastName: null,
      email: null,
      phone: null,
      address: null,
      conductFlag: null,
      conductNote: null,
      totals: { ordersCount: 1, totalSpent: '91.00' },
    });
    expectClean('customer page', after);
    expectClean('merged twin', await call(ws, 'GET', `/api/v1/customers/${twin.id}`, undefined, 200));
    expectClean('export', await call(ws, 'GET', `/api/v1/customers/${c.id}/export`, undefined, 200));
    expectClean('audit', await call(ws, 'GET', '/api/v1/audit?limit=500', undefined, 200));
    for (const q of [firstName, email, phone]) {
      const found = await call(ws, 'GET', `/api/v1/customers?q=${encodeURIComponent(q)}`, undefined, 200);
      expect(found.items, q).toEqual([]);
    }
    // A retried create must not bring the erased data back from the idempotency store.
    const replay = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { 'idempotency-key': idempotencyKey },
      payload,
    });
    expectClean('idempotent replay', replay.body);

    const audit = await call(ws, 'GET', `/api/v1/audit?entityType=customer&entityId=${c.id}`, undefined, 200);
    expect(audit.items.filter((e: Json) => e.action === 'customer.erased')).toHaveLength(1);
    const orders = await call(ws, 'GET', `/api/v1/orders?customerId=${c.id}`, undefined, 200);
    expect(orders.items).toEqual([expect.objectContaining({ total: '91.00' })]);
    const edit = await call(ws, 'PATCH', `/api/v1/customers/${c.id}`, { firstName: 'חזרה' }, 409);
    expect(edit.code).toBe('CUSTOMER.NOT_ACTIVE');
  });
});
