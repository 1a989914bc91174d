import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { segmentAudience } from '../customers/customers.service.ts';
import { call, type Json, newCustomer, newOrder } from '../customers/customers.test-helpers.ts';
import { refreshDueSegments } from './segments.jobs.ts';
import { checkRules, compileRules } from './segments.rules.ts';

// Segments through the API: the rule builder's fields, a live count, saved segments and their members.

let t: TestApp;
let ws: TestWorkspace;
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const preview = (rules: object, w = ws) => call(w, 'POST', '/api/v1/segments/preview', { rules }, 200);
const names = (customers: Json[]) => customers.map((c) => c.firstName).sort();
const setTags = async (customerId: string, tags: string[]) => {
  const res = await ws.request({ method: 'PUT', url: `/api/v1/customers/${customerId}/tags`, payload: { tags } });
  expect(res.statusCode, res.body).toBe(200);
};

let dana: Json;
let yossi: Json;
let noa: Json;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'קפה שכונתי');
  dana = await newCustomer(ws, {
    firstName: 'דנה',
    lastName: 'לוי',
    email: 'dana@example.co.il',
    tags: ['vip', 'קפה'],
    address: { city: 'תל אביב' },
    consents: [{ channel: 'email', status: 'granted', source: 'טופס באתר' }],
  });
  yossi = await newCustomer(ws, { firstName: 'יוסי', lastName: 'כהן', tags: ['vip'], address: { city: 'חיפה' } });
  noa = await newCustomer(ws, {
    firstName: 'נועה',
    lastName: 'פרץ',
    lifecycleStage: 'lead',
    consents: [{ channel: 'email', status: 'granted', source: 'טופס באתר' }],
  });
  const coffee = [{ sku: 'COF-1', name: 'פולי קפה', quantity: 1, unitPrice: '100.00' }];
  for (const days of [3, 10, 20]) await newOrder(ws, dana.id, { placedAt: daysAgo(days), items: coffee });
  await newOrder(ws, yossi.id, {
    placedAt: daysAgo(200),
    items: [{ sku: 'TEA-1', name: 'תה ירוק', quantity: 2, unitPrice: '100.00' }],
  });
});

describe('the rule builder', () => {
  it('offers every module’s fields with their operators and the workspace’s own values', async () => {
    const { items } = await call(ws, 'GET', '/api/v1/segments/fields', undefined, 200);
    const byKey = new Map<string, Json>(items.map((f: Json) => [f.key, f]));
    expect(byKey.get('customer.tags')).toMatchObject({ module: 'customers', type: 'tags' });
    expect(byKey.get('orders.count')).toMatchObject({ module: 'commerce', period: true });
    expect(byKey.get('orders.count')?.operators).not.toContain('is_set');
    expect(byKey.get('loyalty.tier')).toMatchObject({ module: 'loyalty', type: 'enum', options: [] });
    expect(byKey.get('customer.lifecycle_stage')?.options).toContainEqual({
      value: 'at_risk',
      he: 'בסיכון',
      en: 'At risk',
    });
  });

  it('counts an AND of an OR group live, and shows who matches', async () => {
    // VIPs who bought at least twice in the last 90 days or agreed to email.
    const rules = {
      match: 'all',
      rules: [
        { field: 'customer.tags', op: 'has_any', value: ['vip'] },
        {
          match: 'any',
          rules: [
            { field: 'orders.count', op: 'gte', value: 2, withinDays: 90 },
            { field: 'consent.email', op: 'is_true' },
          ],
        },
      ],
    };
    const result = await preview(rules);
    expect(result.count).toBe(1);
    expect(names(result.customers)).toEqual(['דנה']);
    // Any of the three kinds: VIP, or a lead, or a Haifa address.
    const any = await preview({
      match: 'any',
      rules: [
        { field: 'customer.lifecycle_stage', op: 'in', value: ['lead'] },
        { field: 'customer.city', op: 'eq', value: 'חיפה' },
      ],
    });
    expect(names(any.customers)).toEqual(['יוסי', 'נועה']);
  });

  it('reads purchases: products, spend over a period, days since the last one, never bought', async () => {
    const bought = await preview({
      match: 'all',
      rules: [{ field: 'orders.bought_product', op: 'has_any', value: ['COF-1'] }],
    });
    expect(names(bought.customers)).toEqual(['דנה']);
    const spentLately = await preview({
      match: 'all',
      rules: [{ field: 'orders.spend', op: 'gte', value: 150, withinDays: 30 }],
    });
    expect(names(spentLately.customers)).toEqual(['דנה']);
    // Yossi spent 200 ₪, but 200 days ago: all time he counts, in the last 30 days he does not.
    const spentEver = await preview({ match: 'all', rules: [{ field: 'orders.spend', op: 'gte', value: 150 }] });
    expect(names(spentEver.customers)).toEqual(['דנה', 'יוסי']);
    const lapsed = await preview({ match: 'all', rules: [{ field: 'orders.days_since_last', op: 'gt', value: 90 }] });
    expect(names(lapsed.customers)).toEqual(['יוסי']);
    const never = await preview({ match: 'all', rules: [{ field: 'orders.last_order_at', op: 'is_not_set' }] });
    expect(names(never.customers)).toEqual(['נועה']);
    const noTea = await preview({
      match: 'all',
      rules: [{ field: 'orders.bought_product', op: 'has_none', value: ['TEA-1'] }],
    });
    expect(names(noTea.customers)).toEqual(['דנה', 'נועה']);
  });

  it('reads the club: members, points and tiers, and who is outside it', async () => {
    const club = await createTestWorkspace(t, 'מועדון קהלים');
    const put = await club.request({
      method: 'PUT',
      url: '/api/v1/loyalty/program',
      payload: { name: 'מועדון', pendingDays: 0, tiers: [{ name: 'כסף', threshold: 0 }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    const silver = put.json().tiers[0].id as string;
    const member = async (firstName: string, points: number) => {
      const customer = await newCustomer(club, { firstName });
      await call(club, 'POST', '/api/v1/loyalty/members', { customerId: customer.id }, 201);
      if (points) {
        await call(club, 'POST', `/api/v1/loyalty/members/${customer.id}/adjustments`, { points, note: 'פתיחה' }, 201);
      }
    };
    await member('רונית', 500);
    await member('אבי', 40);
    await newCustomer(club, { firstName: 'גלית' });
    const match = async (rule: object) => names((await preview({ match: 'all', rules: [rule] }, club)).customers);
    expect(await match({ field: 'loyalty.available', op: 'gte', value: 100 })).toEqual(['רונית']);
    // "Under 100 points" means members with under 100: Galit, outside the club, has no points to count.
    expect(await match({ field: 'loyalty.available', op: 'lt', value: 100 })).toEqual(['אבי']);
    expect(await match({ field: 'loyalty.available', op: 'is_not_set' })).toEqual(['גלית']);
    expect(await match({ field: 'loyalty.member', op: 'is_false' })).toEqual(['גלית']);
    expect(await match({ field: 'loyalty.tier', op: 'in', value: [silver] })).toEqual(['אבי', 'רונית']);
    expect(await match({ field: 'loyalty.tier', op: 'not_in', value: [silver] })).toEqual(['גלית']);
    // No order in the last 30 days counts as none: "fewer than one order" takes in everyone who bought nothing.
    expect(await match({ field: 'orders.count', op: 'lt', value: 1, withinDays: 30 })).toEqual([
      'אבי',
      'גלית',
      'רונית',
    ]);
    expect(await match({ field: 'orders.spend', op: 'eq', value: 0, withinDays: 30 })).toHaveLength(3);
  });

  it('reads a customer without orders in the period as 0, and one with orders by what they come to', async () => {
    const fewer = await preview({
      match: 'all',
      rules: [{ field: 'orders.count', op: 'lte', value: 1, withinDays: 30 }],
    });
    // Dana has three orders in the last 30 days; Yossi's one is older; Noa has none.
    expect(names(fewer.customers)).toEqual(['יוסי', 'נועה']);
    const between = await preview({
      match: 'all',
      rules: [{ field: 'orders.spend', op: 'between', value: [0, 250], withinDays: 365 }],
    });
    expect(names(between.customers)).toEqual(['יוסי', 'נועה']);
    const channel = await preview({
      match: 'all',
      rules: [{ field: 'orders.channel', op: 'not_in', value: ['store'] }],
    });
    expect(names(channel.customers)).toEqual(['נועה']);
  });

  it('treats a value as a value: quotes, percent signs and SQL in it match only themselves', async () => {
    for (const value of ["'; drop table customers; --", '%', '_', "o'brien"]) {
      const res = await preview({ match: 'all', rules: [{ field: 'customer.last_name', op: 'contains', value }] });
      expect(res.count, value).toBe(0);
    }
    // The values reach the database as parameters: none of them is in the statement's text.
    const value = "'; drop table customers; --";
    await inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
      const ctx = systemCtx(ws.workspaceId);
      const { rules } = await checkRules(trx, ctx, {
        match: 'all',
        rules: [{ field: 'customer.last_name', op: 'eq', value }],
      });
      const compiled = segmentAudience(trx, ctx)
        .where((eb) => compileRules(eb, rules, { workspaceId: ws.workspaceId, now: new Date() }))
        .select('c.id')
        .compile();
      expect(compiled.sql).not.toContain('drop table');
      expect(compiled.parameters).toContain(value);
    });
  });

  it('names each wrong rule by its path, in the caller’s language, and saves nothing', async () => {
    const bad = {
      match: 'all',
      rules: [
        { field: 'customer.shoe_size', op: 'eq', value: '42' },
        { field: 'customer.tags', op: 'gte', value: 3 },
        { match: 'any', rules: [{ field: 'orders.count', op: 'gte', value: 'many' }] },
        { field: 'customer.email', op: 'contains', value: 'x', withinDays: 30 },
        { field: 'customer.birthday', op: 'between', value: ['2000-05-01', '1990-01-01'] },
        { field: 'customer.lifecycle_stage', op: 'in', value: ['vip'] },
      ],
    };
    const res = await ws.request({
      method: 'POST',
      url: '/api/v1/segments',
      payload: { name: 'שגוי', rules: bad },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem.errors.map((e: Json) => e.field)).toEqual([
      'rules.rules.0.field',
      'rules.rules.1.op',
      'rules.rules.2.rules.0.value',
      'rules.rules.3.withinDays',
      'rules.rules.4.value',
      'rules.rules.5.value',
    ]);
    expect(problem.errors[0].message).toBe('אין שדה כזה לכללי קהל');
    const english = await ws.request({
      method: 'POST',
      url: '/api/v1/segments/preview',
      headers: { 'accept-language': 'en' },
      payload: { rules: bad },
    });
    expect(english.json().errors[1].message).toBe('This operator does not fit the field');
    // The shape itself: a third level of groups is not a rule.
    const deep = await ws.request({
      method: 'POST',
      url: '/api/v1/segments/preview',
      payload: { rules: { match: 'all', rules: [{ match: 'any', rules: [{ match: 'all', rules: [] }] }] } },
    });
    expect(deep.statusCode).toBe(400);
    const { items } = await call(ws, 'GET', '/api/v1/segments', undefined, 200);
    expect(items.map((s: Json) => s.name)).not.toContain('שגוי');
  });
});

describe('saved segments', () => {
  it('keeps its members, refreshes them on demand and keeps since when each one has been in', async () => {
    const segment = await call(
      ws,
      'POST',
      '/api/v1/segments',
      { name: 'VIP', rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: ['vip'] }] } },
      201,
    );
    expect(segment).toMatchObject({ name: 'VIP', customerCount: 2, schedule: 'daily' });
    const members = await call(ws, 'GET', `/api/v1/segments/${segment.id}/customers`, undefined, 200);
    expect(names(members.items)).toEqual(['דנה', 'יוסי']);
    // Noa becomes a VIP and Yossi stops being one: nothing moves until the segment is refreshed.
    await setTags(noa.id, ['vip']);
    await setTags(yossi.id, []);
    expect((await call(ws, 'GET', `/api/v1/segments/${segment.id}`, undefined, 200)).customerCount).toBe(2);
    const refreshed = await call(ws, 'POST', `/api/v1/segments/${segment.id}/refresh`, undefined, 200);
    expect(refreshed.customerCount).toBe(2);
    const after = await call(ws, 'GET', `/api/v1/segments/${segment.id}/customers?limit=1`, undefined, 200);
    expect(after.items).toHaveLength(1);
    const next = await call(
      ws,
      'GET',
      `/api/v1/segments/${segment.id}/customers?limit=1&cursor=${after.nextCursor}`,
      undefined,
      200,
    );
    expect(names([...after.items, ...next.items])).toEqual(['דנה', 'נועה']);
    expect(next.nextCursor).toBeNull();
    // Dana was in from the first refresh: her "since" did not move.
    const since = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('segment_members')
        .select(['customer_id', 'added_at'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('segment_id', '=', segment.id)
        .execute(),
    );
    const danaSince = since.find((r) => r.customer_id === dana.id)?.added_at;
    const noaSince = since.find((r) => r.customer_id === noa.id)?.added_at;
    expect(danaSince?.getTime()).toBeLessThan(noaSince?.getTime() ?? 0);
    await setTags(yossi.id, ['vip']);
  });

  it('refuses a name the workspace has in any case, and changes rules with a refresh', async () => {
    const rules = { match: 'all', rules: [{ field: 'customer.city', op: 'eq', value: 'תל אביב' }] };
    const made = await call(ws, 'POST', '/api/v1/segments', { name: 'Tel Aviv', rules, schedule: 'hourly' }, 201);
    const again = await ws.request({ method: 'POST', url: '/api/v1/segments', payload: { name: 'tel aviv', rules } });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors).toEqual([{ field: 'name', code: 'value.taken', message: 'הערך כבר שייך לרשומה אחרת' }]);
    const changed = await call(
      ws,
      'PATCH',
      `/api/v1/segments/${made.id}`,
      { rules: { match: 'any', rules: [...rules.rules, { field: 'customer.city', op: 'eq', value: 'חיפה' }] } },
      200,
    );
    expect(changed.customerCount).toBe(2);
    await call(ws, 'DELETE', `/api/v1/segments/${made.id}`, undefined, 204);
    await call(ws, 'GET', `/api/v1/segments/${made.id}`, undefined, 404);
  });

  it('refreshes on the clock only the segments whose schedule is due', async () => {
    const rules = { match: 'all', rules: [{ field: 'customer.first_name', op: 'starts_with', value: 'שירה' }] };
    const hourly = await call(ws, 'POST', '/api/v1/segments', { name: 'שירה כל שעה', rules, schedule: 'hourly' }, 201);
    const manual = await call(ws, 'POST', '/api/v1/segments', { name: 'שירה ביד', rules, schedule: 'manual' }, 201);
    await newCustomer(ws, { firstName: 'שירה' });
    const inTwoHours = new Date(Date.now() + 2 * 3_600_000);
    const first = await refreshDueSegments(t.database.db, inTwoHours, { workspaceId: ws.workspaceId });
    expect(first.refreshed).toBeGreaterThanOrEqual(1);
    expect((await call(ws, 'GET', `/api/v1/segments/${hourly.id}`, undefined, 200)).customerCount).toBe(1);
    expect((await call(ws, 'GET', `/api/v1/segments/${manual.id}`, undefined, 200)).customerCount).toBe(0);
    // Run again at the same moment (late, or twice): nothing is due any more.
    const second = await refreshDueSegments(t.database.db, inTwoHours, { workspaceId: ws.workspaceId });
    expect(second.refreshed).toBe(0);
  });
});

describe('the walls', () => {
  it('lets marketers build segments, analysts read them, and no one else', async () => {
    const rules = { match: 'all', rules: [] };
    const as = async (role: 'agent' | 'analyst' | 'marketer', method: 'GET' | 'POST', url: string, payload?: object) =>
      (await ws.request({ method, url, key: await ws.keyFor(role), ...(payload ? { payload } : {}) })).statusCode;
    expect(await as('agent', 'POST', '/api/v1/segments/preview', { rules })).toBe(403);
    expect(await as('agent', 'GET', '/api/v1/segments')).toBe(403);
    expect(await as('analyst', 'POST', '/api/v1/segments/preview', { rules })).toBe(200);
    expect(await as('analyst', 'POST', '/api/v1/segments', { name: 'של אנליסט', rules })).toBe(403);
    expect(await as('marketer', 'POST', '/api/v1/segments', { name: 'של משווקת', rules })).toBe(201);
  });

  it('counts only the workspace’s own customers, and another workspace’s segment is not found', async () => {
    const other = await createTestWorkspace(t, 'עסק אחר');
    await newCustomer(other, { firstName: 'זרה', tags: ['vip'] });
    const vip = { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: ['vip'] }] };
    expect((await preview(vip, other)).count).toBe(1);
    const mine = await call(ws, 'POST', '/api/v1/segments', { name: 'רק שלי', rules: vip }, 201);
    await call(other, 'GET', `/api/v1/segments/${mine.id}`, undefined, 404);
    await call(other, 'GET', `/api/v1/segments/${mine.id}/customers`, undefined, 404);
    await call(other, 'POST', `/api/v1/segments/${mine.id}/refresh`, undefined, 404);
  });
});

describe('a customer’s place in segments', () => {
  it('moves to the survivor of a merge once, is in the export, and goes with an erasure', async () => {
    const a = await newCustomer(ws, { firstName: 'אורית', tags: ['מיזוג'] });
    const b = await newCustomer(ws, { firstName: 'אורית', lastName: 'ב', tags: ['מיזוג'] });
    const c = await newCustomer(ws, { firstName: 'רק', tags: ['מיזוג-ב'] });
    const both = await call(
      ws,
      'POST',
      '/api/v1/segments',
      { name: 'מיזוג', rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: ['מיזוג'] }] } },
      201,
    );
    const onlyC = await call(
      ws,
      'POST',
      '/api/v1/segments',
      {
        name: 'מיזוג ב',
        rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: ['מיזוג-ב'] }] },
      },
      201,
    );
    await call(ws, 'POST', `/api/v1/customers/${a.id}/merge`, { otherId: b.id }, 200);
    await call(ws, 'POST', `/api/v1/customers/${a.id}/merge`, { otherId: c.id }, 200);
    const members = await call(ws, 'GET', `/api/v1/segments/${both.id}/customers`, undefined, 200);
    expect(members.items.map((m: Json) => m.id)).toEqual([a.id]);
    expect((await call(ws, 'GET', `/api/v1/segments/${onlyC.id}/customers`, undefined, 200)).items).toHaveLength(1);
    const exported = await call(ws, 'GET', `/api/v1/customers/${a.id}/export`, undefined, 200);
    expect(exported.segments.segments.map((s: Json) => s.name).sort()).toEqual(['מיזוג', 'מיזוג ב']);
    await call(ws, 'POST', `/api/v1/customers/${a.id}/erase`, undefined, 200);
    const left = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('segment_members')
        .select('customer_id')
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', 'in', [a.id, b.id, c.id])
        .execute(),
    );
    expect(left).toEqual([]);
  });
});
