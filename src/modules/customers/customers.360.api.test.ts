import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { customerSorts } from './customers.schemas.ts';
import { call, grantSms, ids, type Json, newCustomer, newOrder, uniquePhone } from './customers.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'לקוחות 360');
});

describe('create and patch', () => {
  it('creates a full profile in the contract shape', async () => {
    const phone = uniquePhone();
    const created = await call(
      ws,
      'POST',
      '/api/v1/customers',
      {
        firstName: 'מיכל',
        lastName: 'אברהם',
        firstNameLatin: 'Michal',
        lastNameLatin: 'Avraham',
        email: `Michal.${randomToken(3)}@Example.com`,
        phone,
        birthday: '1990-02-28',
        address: { street: 'הרצל 1', city: 'חיפה', zip: '3303001' },
        attributes: { shoeSize: 38, vip: true },
        tags: ['vip', 'vip', 'north'],
        preferredChannel: 'whatsapp',
        consents: [{ channel: 'whatsapp', status: 'granted', source: 'store-form', textShown: 'מאשרת' }],
        source: 'store',
      },
      201,
    );
    expect(created).toMatchObject({
      id: expect.any(String),
      firstName: 'מיכל',
      email: expect.stringMatching(/^michal\..+@example\.com$/),
      phone: `+972${phone.slice(1)}`,
      birthday: '1990-02-28',
      address: { street: 'הרצל 1', city: 'חיפה', zip: '3303001' },
      attributes: { shoeSize: 38, vip: true },
      tags: ['vip', 'north'],
      lifecycleStage: 'lead',
      preferredChannel: 'whatsapp',
      consents: { whatsapp: true },
      conductFlag: null,
      status: 'active',
      totals: { ordersCount: 0, totalSpent: '0.00', firstOrderAt: null, lastOrderAt: null },
    });
    const page = await call(ws, 'GET', `/api/v1/customers/${created.id}`, undefined, 200);
    expect(page.identities.map((i: Json) => i.kind).sort()).toEqual(['email', 'phone']);
    expect(page.consentHistory).toEqual([expect.objectContaining({ channel: 'whatsapp', status: 'granted' })]);
    expect(page.timeline.items.map((e: Json) => e.type)).toEqual(
      expect.arrayContaining(['customer.created', 'consent.changed']),
    );
  });

  it('refuses an empty profile, a bad date, an unknown branch and a taken external id, naming the field', async () => {
    const empty = await call(ws, 'POST', '/api/v1/customers', {}, 400);
    expect(empty.errors).toEqual([expect.objectContaining({ field: 'firstName', code: 'name.required' })]);
    const date = await call(ws, 'POST', '/api/v1/customers', { firstName: 'x', birthday: '2020-13-40' }, 400);
    expect(date.errors[0].field).toBe('birthday');
    const branch = await call(
      ws,
      'POST',
      '/api/v1/customers',
      { firstName: 'x', homeBranchId: '01900000-0000-7000-8000-000000000000' },
      400,
    );
    expect(branch.errors[0]).toMatchObject({ field: 'homeBranchId', code: 'branch.not_found' });
    const externalId = `ext-${randomToken(4)}`;
    await newCustomer(ws, { firstName: 'א', externalId });
    const taken = await call(ws, 'POST', '/api/v1/customers', { firstName: 'ב', externalId }, 409);
    expect(taken.code).toBe('CUSTOMER.DUPLICATE');
  });

  it('patches fields, normalising and validating them, and clears with null', async () => {
    const c = await newCustomer(ws, { firstName: 'רון', email: `ron${randomToken(3)}@x.example` });
    const phone = uniquePhone();
    const patched = await call(
      ws,
      'PATCH',
      `/api/v1/customers/${c.id}`,
      {
        phone: `+972-${phone.slice(1, 3)}-${phone.slice(3, 6)}-${phone.slice(6)}`,
        email: null,
        lifecycleStage: 'loyal',
      },
      200,
    );
    expect(patched).toMatchObject({ phone: `+972${phone.slice(1)}`, email: null, lifecycleStage: 'loyal' });
    const bad = await call(ws, 'PATCH', `/api/v1/customers/${c.id}`, { email: 'not-an-email', phone: '123' }, 400);
    expect(bad.errors.map((e: Json) => e.field).sort()).toEqual(['email', 'phone']);
    const unknown = await call(
      ws,
      'PATCH',
      '/api/v1/customers/01900000-0000-7000-8000-000000000000',
      { firstName: 'x' },
      404,
    );
    expect(unknown.code).toBe('CUSTOMER.NOT_FOUND');
    const extra = await call(ws, 'PATCH', `/api/v1/customers/${c.id}`, { totals: { ordersCount: 9 } }, 400);
    expect(extra.errors[0]).toMatchObject({ field: 'totals', code: 'unrecognized_keys' });
  });

  it('archiving hides the customer from lists and stops edits', async () => {
    const c = await newCustomer(ws, { firstName: `ארכיון${randomToken(3)}` });
    await call(ws, 'DELETE', `/api/v1/customers/${c.id}`, undefined, 204);
    expect((await call(ws, 'GET', `/api/v1/customers/${c.id}`, undefined, 200)).status).toBe('archived');
    const list = await call(ws, 'GET', `/api/v1/customers?q=${encodeURIComponent(c.firstName)}`, undefined, 200);
    expect(list.items).toEqual([]);
    const edit = await call(ws, 'PATCH', `/api/v1/customers/${c.id}`, { firstName: 'x' }, 409);
    expect(edit.code).toBe('CUSTOMER.NOT_ACTIVE');
  });
});

describe('list: filters, sort and cursor pages', () => {
  let lw: TestWorkspace;
  let made: Json[];
  let branchId: string;

  beforeAll(async () => {
    lw = await createTestWorkspace(t, 'רשימות');
    const names = ['זיו', 'אבי', 'מור', 'בני', 'גל', 'דנה', 'הדר', 'ורד', 'חן', 'טל', 'יעל', 'כרמל'];
    made = [];
    for (const [i, firstName] of names.entries()) {
      made.push(
        await newCustomer(lw, {
          firstName,
          lastName: i % 3 === 0 ? 'כהן' : 'לוי',
          tags: i % 2 === 0 ? ['even'] : ['odd'],
          ...(i % 4 === 0 ? { consents: [{ channel: 'sms', status: 'granted', source: 'test' }] } : {}),
        }),
      );
    }
    // Spend and stages come from orders; the branch too.
    for (const [i, c] of made.slice(0, 5).entries()) {
      await newOrder(lw, c.id, {
        branch: 'מרכז',
        items: [{ sku: 's', name: 's', quantity: i + 1, unitPrice: '20.50' }],
      });
    }
    await newOrder(lw, made[0]?.id, { placedAt: '2026-04-01T09:00:00Z' });
    branchId = (await call(lw, 'GET', '/api/v1/branches', undefined, 200)).items[0].id;
    await call(lw, 'PATCH', `/api/v1/customers/${made[7]?.id}`, { homeBranchId: branchId }, 200);
  });

  it('filters by tag, stage, consent and branch', async () => {
    const list = async (query: string) =>
      ids((await call(lw, 'GET', `/api/v1/customers?limit=200&${query}`, undefined, 200)).items);
    expect((await list('tag=even')).sort()).toEqual(ids(made.filter((_, i) => i % 2 === 0)).sort());
    expect((await list('stage=repeat')).sort()).toEqual([made[0]?.id]);
    expect((await list('stage=customer')).sort()).toEqual(ids(made.slice(1, 5)).sort());
    expect((await list('stage=lead')).sort()).toEqual(ids(made.slice(5)).sort());
    expect((await list('consent=sms')).sort()).toEqual(ids(made.filter((_, i) => i % 4 === 0)).sort());
    expect(await list(`branch=${branchId}`)).toEqual([made[7]?.id]);
    expect((await list('tag=even&consent=sms&stage=customer')).sort()).toEqual([made[4]?.id]);
    const counted = await call(lw, 'GET', '/api/v1/customers?tag=odd&limit=2', undefined, 200);
    expect(counted.total).toBe(6);
    expect(counted.items).toHaveLength(2);
  });

  it('pages through every sort without duplicates or gaps', async () => {
    for (const sort of customerSorts) {
      const all = await call(lw, 'GET', `/api/v1/customers?sort=${sort}&limit=200`, undefined, 200);
      expect(all.items).toHaveLength(made.length);
      const paged: string[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const page: Json = await call(
          lw,
          'GET',
          `/api/v1/customers?sort=${sort}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
          undefined,
          200,
        );
        paged.push(...ids(page.items));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(paged, sort).toEqual(ids(all.items));
    }
  });

  it('sorts in the direction asked', async () => {
    const get = async (sort: string) =>
      (await call(lw, 'GET', `/api/v1/customers?sort=${sort}&limit=200`, undefined, 200)).items as Json[];
    expect(ids(await get('createdAt'))).toEqual(ids(made));
    expect(ids(await get('-createdAt'))).toEqual(ids(made).reverse());
    const spend = (await get('-totalSpent')).map((c) => Number(c.totals.totalSpent));
    expect(spend).toEqual([...spend].sort((x, y) => y - x));
    expect((await get('-lastOrderAt'))[0]?.id).toBe(made[0]?.id);
    const byName = (await get('name')).map((c) => c.lastName);
    expect(byName.slice(0, 4)).toEqual(['כהן', 'כהן', 'כהן', 'כהן']);
  });

  it('refuses a forged cursor with a 400, not a 500', async () => {
    for (const cursor of ['not-base64-json', Buffer.from('{"v":"x","id":"nope"}').toString('base64url')]) {
      const res = await lw.request({ method: 'GET', url: `/api/v1/customers?cursor=${cursor}` });
      expect(res.statusCode, cursor).toBe(400);
    }
  });
});

describe('consent history', () => {
  it('is append-only: changes add events, and the table refuses rewrites', async () => {
    const c = await newCustomer(ws, { firstName: 'הסכמה' });
    const url = `/api/v1/customers/${c.id}/consents`;
    await call(
      ws,
      'POST',
      url,
      { channel: 'email', status: 'granted', source: 'web-form', textShown: 'אני מאשר' },
      201,
    );
    await call(ws, 'POST', url, { channel: 'email', status: 'revoked', source: 'unsubscribe-link' }, 201);
    const last = await call(ws, 'POST', url, { channel: 'sms', status: 'granted', source: 'store' }, 201);
    expect(last.consents).toEqual({ email: false, sms: true });
    const page = await call(ws, 'GET', `/api/v1/customers/${c.id}`, undefined, 200);
    expect(page.consentHistory.map((e: Json) => `${e.channel}:${e.status}`)).toEqual([
      'sms:granted',
      'email:revoked',
      'email:granted',
    ]);
    expect(page.consentHistory[2]).toMatchObject({
      source: 'web-form',
      textShown: 'אני מאשר',
      recordedBy: expect.any(String),
    });
    const bad = await call(ws, 'POST', url, { channel: 'fax', status: 'granted', source: 'x' }, 400);
    expect(bad.errors[0].field).toBe('channel');

    const asApp = (statement: ReturnType<typeof sql>) =>
      inWorkspace(t.database.db, ws.workspaceId, (trx) => statement.execute(trx));
    await expect(asApp(sql`update consent_events set status = 'granted' where customer_id = ${c.id}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(asApp(sql`delete from consent_events where customer_id = ${c.id}`)).rejects.toThrow(/append-only/);
    // Not even the database owner may rewrite the evidence.
    await expect(
      inSystem(t.database.db, (trx) =>
        sql`update consent_events set occurred_at = now() - interval '1 year' where customer_id = ${c.id}`.execute(trx),
      ),
    ).rejects.toThrow(/append-only/);
    expect((await call(ws, 'GET', `/api/v1/customers/${c.id}`, undefined, 200)).consentHistory).toHaveLength(3);
  });
});

describe('notes and timeline', () => {
  it('adds notes and shows orders, notes and consents newest first, page by page', async () => {
    const c = await newCustomer(ws, { firstName: 'ציר זמן' });
    const note = await call(ws, 'POST', `/api/v1/customers/${c.id}/notes`, { body: '  ביקשה להתקשר בערב  ' }, 201);
    expect(note).toMatchObject({
      id: expect.any(String),
      body: 'ביקשה להתקשר בערב',
      authorId: null,
      createdAt: expect.any(String),
    });
    await call(ws, 'POST', `/api/v1/customers/${c.id}/notes`, { body: '   ' }, 400);
    for (const day of ['01', '05', '09']) {
      await newOrder(ws, c.id, { placedAt: `2026-01-${day}T12:00:00Z`, branch: 'צפון' });
    }
    await grantSms(ws, c.id);
    await call(ws, 'POST', `/api/v1/customers/${c.id}/notes`, { body: 'שנייה' }, 201);

    const all = await call(ws, 'GET', `/api/v1/customers/${c.id}/timeline?limit=100`, undefined, 200);
    const types = all.items.map((e: Json) => e.type);
    expect(types.filter((x: string) => x === 'order.placed')).toHaveLength(3);
    expect(types.filter((x: string) => x === 'note.added')).toHaveLength(2);
    expect(types).toContain('consent.changed');
    expect(types).toContain('customer.created');
    expect(types[0]).toBe('note.added');
    const times = all.items.map((e: Json) => new Date(e.occurredAt).getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    const order = all.items.find((e: Json) => e.type === 'order.placed');
    expect(order.data).toEqual({ total: '10.00', channel: 'store', branchName: 'צפון', itemsCount: 1 });

    const paged: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await call(
        ws,
        'GET',
        `/api/v1/customers/${c.id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        200,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids(paged)).toEqual(ids(all.items));
  });
});

describe('tags', () => {
  it('a marketer sets a customer’s tags; the page, the tag list, the tag filter and the audit log show it', async () => {
    const c = await newCustomer(ws, { firstName: 'תגית', lastName: 'בודקת' });
    const marketer = await ws.keyFor('marketer');
    const tag = `חג-${randomToken(3).toLowerCase()}`;
    const res = await ws.request({
      method: 'PUT',
      url: `/api/v1/customers/${c.id}/tags`,
      key: marketer,
      payload: { tags: [` ${tag} `, 'vip', tag] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().tags).toEqual([tag, 'vip']);
    expect((await call(ws, 'GET', `/api/v1/customers/${c.id}`, undefined, 200)).tags).toEqual([tag, 'vip']);
    const tags = await call(ws, 'GET', '/api/v1/tags', undefined, 200);
    expect(tags.items).toEqual(expect.arrayContaining([{ tag, count: 1 }]));
    const filtered = await call(ws, 'GET', `/api/v1/customers?tag=${encodeURIComponent(tag)}`, undefined, 200);
    expect(ids(filtered.items)).toEqual([c.id]);
    const audit = await call(ws, 'GET', `/api/v1/audit?entityType=customer&entityId=${c.id}`, undefined, 200);
    expect(audit.items[0]).toMatchObject({
      action: 'customer.tags_changed',
      actorType: 'api_key',
      before: { tags: [] },
      after: { tags: [tag, 'vip'] },
    });
    const bad = await ws.request({
      method: 'PUT',
      url: `/api/v1/customers/${c.id}/tags`,
      key: marketer,
      payload: { tags: ['x'.repeat(51)] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('tags.0');
  });
});
