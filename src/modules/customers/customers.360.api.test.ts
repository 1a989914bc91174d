import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { buildSearchText, normalisePhone, searchTerms } from './customers.normalise.ts';
import { customerSorts } from './customers.schemas.ts';

let t: TestApp;
let ws: TestWorkspace;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'לקוחות 360');
});

async function call(
  w: TestWorkspace,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  status?: number,
): Promise<Json> {
  const res = await w.request({ method, url, ...(payload ? { payload } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? res.json() : {};
}

const uniquePhone = () =>
  `05${['0', '2', '3', '8'][Math.floor(Math.random() * 4)]}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

async function newCustomer(w: TestWorkspace, payload: object): Promise<Json> {
  return call(w, 'POST', '/api/v1/customers?allowDuplicate=true', payload, 201);
}

let orderSeq = 0;
async function newOrder(w: TestWorkspace, customerId: string, overrides: Json = {}): Promise<Json> {
  return call(
    w,
    'POST',
    '/api/v1/orders',
    {
      externalId: `o-${++orderSeq}-${randomToken(4)}`,
      customerId,
      placedAt: '2026-03-01T09:00:00Z',
      channel: 'store',
      items: [{ sku: 'bread', name: 'לחם', quantity: 1, unitPrice: '10.00' }],
      ...overrides,
    },
    201,
  );
}

/** A granted SMS consent: an event on the customer's history and timeline. */
const grantSms = (w: TestWorkspace, customerId: string) =>
  call(w, 'POST', `/api/v1/customers/${customerId}/consents`, { channel: 'sms', status: 'granted', source: 'x' }, 201);

const ids = (items: Json[]): string[] => items.map((i) => i.id);

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

describe('phone and search properties', () => {
  const prefixes = ['50', '52', '53', '58'];
  const mobile = fc.record({
    prefix: fc.constantFrom(...prefixes),
    rest: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 7 }),
  });

  it('every way of writing an Israeli mobile gives the same E.164', () => {
    fc.assert(
      fc.property(mobile, ({ prefix, rest }) => {
        const e164 = `+972${prefix}${rest}`;
        const [a, b, c] = [rest.slice(0, 3), rest.slice(3), rest.slice(3, 5)];
        const formats = [
          `0${prefix}-${rest}`,
          `0${prefix}${rest}`,
          `+972-${prefix}-${a}-${b}`,
          `+972${prefix}${rest}`,
          `00972${prefix}${rest}`,
          `00972-${prefix}-${rest}`,
          ` 0${prefix} ${a} ${b} `,
          `(0${prefix}) ${a}-${c}${rest.slice(5)}`,
          `+972 ${prefix} ${a} ${b}`,
        ];
        for (const format of formats) expect(normalisePhone(format), format).toBe(e164);
      }),
      { numRuns: 300 },
    );
  });

  it('any typed fragment of a stored phone finds it', () => {
    fc.assert(
      fc.property(
        mobile,
        fc.constantFrom('local', 'international', 'dialled'),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('', '-', ' '),
        ({ prefix, rest }, style, start, length, separator) => {
          const e164 = `+972${prefix}${rest}`;
          const text = buildSearchText({ names: ['דנה'], emails: [], phones: [e164], externalIds: [] });
          const written = {
            local: `0${prefix}${rest}`,
            international: `+972${prefix}${rest}`,
            dialled: `00972${prefix}${rest}`,
          }[style];
          let from = start % (written.length - 3);
          let min = 3;
          // From abroad the number is typed whole from its 00972 prefix, or from after it.
          if (style === 'dialled' && from < 5) [from, min] = [0, 6];
          const fragment = written.slice(from, from + min + (length % (written.length - from - min + 1)));
          const typed = fragment.split('').join(separator);
          const terms = searchTerms(typed);
          expect(terms.length).toBeGreaterThan(0);
          for (const term of terms) expect(text, `${typed} -> ${term}`).toContain(term);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any part of a name or email, in any case, finds the customer', () => {
    const word = fc.string({
      unit: fc.constantFrom(...'אבגדהוזחטיכלמנסעפצקרשתabcdefghijKLMNOP'),
      minLength: 1,
      maxLength: 10,
    });
    fc.assert(
      fc.property(word, word, fc.nat(), fc.nat(), (first, last, s, l) => {
        const email = `${first}.${last}@example.com`.toLowerCase();
        const text = buildSearchText({ names: [first, last], emails: [email], phones: [], externalIds: [] });
        const from = s % first.length;
        const typed = `${first.slice(from, from + 1 + (l % first.length)).toUpperCase()}  ${last}`;
        for (const term of searchTerms(typed)) expect(text).toContain(term);
      }),
      { numRuns: 300 },
    );
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
