import { addDays } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { upsertCustomersBulk } from '../customers/customers.service.ts';
import { maintainLoyalty } from './loyalty.jobs.ts';
import { enrollMany } from './loyalty.members-bulk.ts';
import { birthdayDue, giveBirthdays } from './loyalty.rules.jobs.ts';
import { israelDate } from './loyalty.rules.ts';
import { earnForOrder } from './loyalty.service.ts';
import { apiCaller, type Json, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

// Points a shekel, pending for 14 days; silver from the start, gold from 1,000 shekels spent (birthday gifts 100 and 300).
const club = {
  name: 'מועדון הקלייה',
  pendingDays: 14,
  tiers: [
    { name: 'כסף', threshold: 0, birthdayPoints: 100 },
    { name: 'זהב', threshold: 100_000, birthdayPoints: 300 },
  ],
};

let silverId: string;
let goldId: string;
let beansId: string;

const deliver = (w = ws) => dispatchEvents(t.database.db, { batch: 10_000, workspaceId: w.workspaceId });
const member = (customerId: string, w = ws) => call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200, w);

async function newCustomer(w = ws, extra: object = {}) {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `קונה-${randomToken(3)}`, ...extra },
    201,
    w,
  );
  return customer.id as string;
}

async function newMember(w = ws, extra: object = {}) {
  const customerId = await newCustomer(w, extra);
  await call('POST', '/api/v1/loyalty/members', { customerId }, 201, w);
  return customerId;
}

async function order(customerId: string, items: { sku: string; total: string }[], w = ws) {
  const placed = await call(
    'POST',
    '/api/v1/orders',
    {
      externalId: `pos-${randomToken(6)}`,
      customerId,
      placedAt: new Date().toISOString(),
      channel: 'store',
      items: items.map((i) => ({ sku: i.sku, name: i.sku, quantity: 1, unitPrice: i.total })),
    },
    201,
    w,
  );
  await deliver(w);
  return placed;
}

/** A rule made through the API (201), active from an hour ago. */
async function rule(body: object, w = ws) {
  return call(
    'POST',
    '/api/v1/loyalty/rules',
    { startsAt: new Date(Date.now() - 3_600_000).toISOString(), ...body },
    201,
    w,
  );
}

const event = (body: object, status?: number, w = ws) => call('POST', '/api/v1/loyalty/events', body, status, w);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'בית קלייה', club);
  const program = await call('GET', '/api/v1/loyalty/program', undefined, 200);
  silverId = program.tiers[0].id;
  goldId = program.tiers[1].id;
  const beans = await call('POST', '/api/v1/products', { sku: 'beans', name: 'פולי קפה', category: 'coffee' }, 201);
  beansId = beans.id;
  await call('POST', '/api/v1/products', { sku: 'mug', name: 'ספל', category: 'gear' }, 201);
});

describe('earning rules: managing them', () => {
  it('creates, lists, edits and pauses a rule', async () => {
    const made = await rule({
      name: 'כפול על ציוד',
      kind: 'purchase',
      target: 'category',
      categories: ['gear-x'],
      award: 'multiplier',
      multiplierPct: 200,
      tierIds: [silverId],
    });
    expect(made).toMatchObject({ status: 'active', award: 'multiplier', multiplierPct: 200, points: null, awards: 0 });
    const list = await call('GET', '/api/v1/loyalty/rules', undefined, 200);
    expect(list.items.map((r: Json) => r.id)).toContain(made.id);
    const paused = await call('PUT', `/api/v1/loyalty/rules/${made.id}`, { ...editable(made), status: 'paused' }, 200);
    expect(paused).toMatchObject({ status: 'paused', startsAt: made.startsAt, name: 'כפול על ציוד' });
    const active = await call('GET', '/api/v1/loyalty/rules?status=active', undefined, 200);
    expect(active.items.map((r: Json) => r.id)).not.toContain(made.id);
  });

  it('names the field that is wrong: dates out of order, a tier of no such club, what the kind needs', async () => {
    const late = await call(
      'POST',
      '/api/v1/loyalty/rules',
      {
        name: 'שגוי',
        kind: 'event',
        eventType: 'survey_answered',
        points: 10,
        startsAt: '2026-12-10T00:00:00Z',
        endsAt: '2026-12-01T00:00:00Z',
      },
      400,
    );
    expect(late).toMatchObject({ code: 'LOYALTY.RULE_INVALID' });
    expect(late.errors.map((e: Json) => e.field)).toEqual(['endsAt']);
    const tier = await call(
      'POST',
      '/api/v1/loyalty/rules',
      { name: 'שגוי', kind: 'event', eventType: 'joined', points: 10, tierIds: [silverId, crypto.randomUUID()] },
      400,
    );
    expect(tier.errors.map((e: Json) => e.field)).toEqual(['tierIds.1']);
    const half = await call('POST', '/api/v1/loyalty/rules', { name: 'חסר', kind: 'purchase', target: 'product' }, 400);
    expect(half.errors.map((e: Json) => e.field)).toEqual(['award', 'productIds']);
    const name = await call(
      'POST',
      '/api/v1/loyalty/rules',
      { name: 'שם', kind: 'event', eventType: 'Not A Name!', points: 5 },
      400,
    );
    expect(name.errors.map((e: Json) => e.field)).toContain('eventType');
    const missing = await call(
      'PUT',
      `/api/v1/loyalty/rules/${crypto.randomUUID()}`,
      { name: 'x', kind: 'event', eventType: 'joined', points: 1 },
      404,
    );
    expect(missing.code).toBe('LOYALTY.RULE_NOT_FOUND');
  });

  it('lets an analyst read the rules but not make one; an agent key reports events', async () => {
    const analyst = await ws.keyFor('analyst');
    const body = { name: 'x', kind: 'event', eventType: 'joined', points: 1 };
    const refused = await ws.request({ method: 'POST', url: '/api/v1/loyalty/rules', payload: body, key: analyst });
    expect(refused.statusCode).toBe(403);
    expect((await ws.request({ method: 'GET', url: '/api/v1/loyalty/rules', key: analyst })).statusCode).toBe(200);
    const customerId = await newMember();
    const agent = await ws.keyFor('agent');
    const payload = { customerId, type: 'store_visit', eventId: randomToken(6) };
    const reported = await ws.request({ method: 'POST', url: '/api/v1/loyalty/events', payload, key: agent });
    expect(reported.statusCode).toBe(201);
    const byAnalyst = await ws.request({ method: 'POST', url: '/api/v1/loyalty/events', payload, key: analyst });
    expect(byAnalyst.statusCode).toBe(403);
  });
});

/** The fields a PUT takes, from a rule as the API answered it. */
function editable(r: Json) {
  const { id: _id, awards: _a, awardedPoints: _p, createdAt: _c, updatedAt: _u, ...rest } = r;
  return rest;
}

describe('earning rules: purchases', () => {
  it('adds points for a product’s lines to the order’s own, pending, and takes them back with a refund', async () => {
    const made = await rule({
      name: 'פולים: 2 נקודות לשקל',
      kind: 'purchase',
      target: 'product',
      productIds: [beansId],
      award: 'per_ils',
      points: 2,
    });
    const customerId = await newMember();
    // 20 shekels of mugs and 50 of beans: 70 at the rate and 100 for the beans.
    const o = await order(customerId, [
      { sku: 'mug', total: '20.00' },
      { sku: 'beans', total: '50.00' },
    ]);
    expect(await member(customerId)).toMatchObject({ pending: 170, available: 0 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items[0]).toMatchObject({ kind: 'earn', points: 170, orderId: o.id, note: 'פולים: 2 נקודות לשקל' });
    // Half the order back: half of all its points back.
    await call('POST', `/api/v1/orders/${o.id}/refunds`, { amount: '35.00' }, 201);
    await deliver();
    expect(await member(customerId)).toMatchObject({ pending: 85 });
    const listed = await call('GET', '/api/v1/loyalty/rules?kind=purchase', undefined, 200);
    expect(listed.items.find((r: Json) => r.id === made.id)).toMatchObject({ awards: 1, awardedPoints: 100 });
    await call('PUT', `/api/v1/loyalty/rules/${made.id}`, { ...editable(made), status: 'paused' }, 200);
  });

  it('gives a bonus per order once per member when the rule says so, and only to the tiers it names', async () => {
    const made = await rule({
      name: 'בונוס ציוד',
      kind: 'purchase',
      target: 'category',
      categories: ['gear'],
      award: 'per_order',
      points: 30,
      maxPerMember: 1,
      tierIds: [silverId],
    });
    const customerId = await newMember();
    await order(customerId, [{ sku: 'mug', total: '10.00' }]);
    await order(customerId, [{ sku: 'mug', total: '10.00' }]);
    expect(await member(customerId)).toMatchObject({ pending: 10 + 30 + 10 });
    // A gold member (1,000 shekels of beans make gold) is not in the rule's tiers.
    const gold = await newMember();
    await order(gold, [{ sku: 'beans', total: '1000.00' }]);
    expect(await member(gold)).toMatchObject({ tier: { id: goldId } });
    await order(gold, [{ sku: 'mug', total: '10.00' }]);
    expect(await member(gold)).toMatchObject({ pending: 1000 + 10 });
    await call('PUT', `/api/v1/loyalty/rules/${made.id}`, { ...editable(made), status: 'paused' }, 200);
  });
});

describe('earning rules: one order at a time', () => {
  it('gives the same points through earnForOrder (the subscriber’s one-by-one path) as through the batch', async () => {
    const made = await rule({
      name: 'בונוס פולים',
      kind: 'purchase',
      target: 'category',
      categories: ['coffee'],
      award: 'per_order',
      points: 15,
      maxTotal: 1,
    });
    const customerId = await newMember();
    const placed = await call(
      'POST',
      '/api/v1/orders',
      {
        externalId: `pos-${randomToken(6)}`,
        customerId,
        placedAt: new Date().toISOString(),
        channel: 'store',
        items: [{ sku: 'beans', name: 'beans', quantity: 1, unitPrice: '30.00' }],
      },
      201,
    );
    const order = { orderId: placed.id, customerId, total: '30.00', placedAt: new Date(placed.placedAt) };
    await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      earnForOrder(trx, systemCtx(ws.workspaceId), order, new Date()),
    );
    // The batch delivering the same order later books nothing more.
    await deliver();
    expect(await member(customerId)).toMatchObject({ pending: 30 + 15 });
    // The rule's one award in all is taken: the next order earns at the rate only.
    await order2(customerId);
    expect(await member(customerId)).toMatchObject({ pending: 30 + 15 + 30 });
    const listed = await call('GET', '/api/v1/loyalty/rules', undefined, 200);
    expect(listed.items.find((r: Json) => r.id === made.id)).toMatchObject({ awards: 1, awardedPoints: 15 });
    await call('PUT', `/api/v1/loyalty/rules/${made.id}`, { ...editable(made), status: 'paused' }, 200);
  });
});

const order2 = (customerId: string) => order(customerId, [{ sku: 'beans', total: '30.00' }]);

describe('earning rules: events', () => {
  it('awards an event once by its type and id, and says so the second time', async () => {
    await rule({ name: 'סקר שביעות רצון', kind: 'event', eventType: 'survey_answered', points: 40 });
    const customerId = await newMember();
    const body = { customerId, type: 'survey_answered', eventId: `survey-${randomToken(6)}` };
    const first = await event(body, 201);
    expect(first).toMatchObject({
      duplicate: false,
      points: 40,
      awards: [{ name: 'סקר שביעות רצון', pending: false }],
    });
    const again = await event(body, 200);
    expect(again).toMatchObject({ duplicate: true, points: 40 });
    // Available at once (not pending).
    expect(await member(customerId)).toMatchObject({ available: 40, pending: 0 });
  });

  it('awards ten copies of one event sent at once a single time', async () => {
    const customerId = await newMember();
    const body = { customerId, type: 'survey_answered', eventId: `burst-${randomToken(6)}` };
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => ws.request({ method: 'POST', url: '/api/v1/loyalty/events', payload: body })),
    );
    expect(replies.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(await member(customerId)).toMatchObject({ available: 40 });
  });

  it('gives the joined bonus on enrolment, and only to customers who are members of this club', async () => {
    const other = await workspaceWithClub(t, 'עסק אחר', club);
    await rule({ name: 'ברוכים הבאים', kind: 'event', eventType: 'joined', points: 50 }, other);
    const joined = await newMember(other);
    expect(await member(joined, other)).toMatchObject({ available: 50, pending: 0 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${joined}/ledger`, undefined, 200, other);
    expect(ledger.items.map((l: Json) => [l.kind, l.points, l.note])).toEqual([['bonus', 50, 'ברוכים הבאים']]);
    // A customer of the first workspace is no member here; nor is a customer who never enrolled.
    const foreign = await newMember();
    const refused = await event({ customerId: foreign, type: 'joined', eventId: 'x' }, 404, other);
    expect(refused.code).toBe('LOYALTY.NOT_MEMBER');
    const stranger = await newCustomer(other);
    expect((await event({ customerId: stranger, type: 'joined', eventId: 'y' }, 404, other)).code).toBe(
      'LOYALTY.NOT_MEMBER',
    );
  });

  it('gives a merged member’s event to the member it was merged into', async () => {
    const survivor = await newMember();
    const merged = await newMember();
    await call('POST', `/api/v1/customers/${survivor}/merge`, { otherId: merged }, 200);
    const body = { customerId: merged, type: 'survey_answered', eventId: `merged-${randomToken(6)}` };
    expect(await event(body, 201)).toMatchObject({ points: 40 });
    expect(await member(survivor)).toMatchObject({ available: 40 });
  });

  it('keeps an event’s points pending when its rule says so', async () => {
    await rule({ name: 'הזמנה מראש', kind: 'event', eventType: 'preorder', points: 60, pending: true });
    const customerId = await newMember();
    expect(await event({ customerId, type: 'preorder', eventId: randomToken(6) }, 201)).toMatchObject({
      points: 60,
      awards: [{ pending: true }],
    });
    expect(await member(customerId)).toMatchObject({ available: 0, pending: 60 });
  });

  it('keeps to a limit per member and period', async () => {
    await rule({
      name: 'צ׳ק-אין יומי',
      kind: 'event',
      eventType: 'check_in',
      points: 5,
      maxPerMember: 1,
      limitPeriod: 'day',
    });
    const customerId = await newMember();
    expect(await event({ customerId, type: 'check_in', eventId: randomToken(6) }, 201)).toMatchObject({ points: 5 });
    expect(await event({ customerId, type: 'check_in', eventId: randomToken(6) }, 201)).toMatchObject({ points: 0 });
    expect(await member(customerId)).toMatchObject({ available: 5 });
  });

  it('keeps to the tiers a rule names', async () => {
    await rule({ name: 'ביקור זהב', kind: 'event', eventType: 'vip_visit', points: 70, tierIds: [goldId] });
    const silver = await newMember();
    expect(await event({ customerId: silver, type: 'vip_visit', eventId: randomToken(6) }, 201)).toMatchObject({
      points: 0,
      awards: [],
    });
  });
});

describe('earning rules: birthdays', () => {
  it('gives the tier’s gift and the birthday rules once a year, however often or late the job runs', async () => {
    const w = await workspaceWithClub(t, 'יום הולדת', club);
    await rule({ name: 'יום הולדת שמח', kind: 'event', eventType: 'birthday', points: 25 }, w);
    const now = new Date();
    const today = israelDate(now);
    const birthday = `1990-${today.slice(5, 10) === '02-29' ? '02-28' : today.slice(5, 10)}`;
    const customerId = await newMember(w, { birthday });
    const otherDay = await newMember(w, { birthday: `1990-${today.slice(5, 7) === '06' ? '01' : '06'}-15` });
    const run = (at: Date) => giveBirthdays(t.database.db, at, { workspaceId: w.workspaceId });
    expect(await run(now)).toBe(125);
    expect(await run(now)).toBe(0);
    expect(await run(addDays(now, 3))).toBe(0);
    expect(await member(customerId, w)).toMatchObject({ available: 125, pending: 0 });
    expect(await member(otherDay, w)).toMatchObject({ available: 0 });
    // The hourly job in between changes nothing of it.
    await maintainLoyalty(t.database.db, now, { workspaceId: w.workspaceId });
    expect(await member(customerId, w)).toMatchObject({ available: 125 });
  });
});

describe('earning rules: birthdays of many members', () => {
  it('gives each of a few hundred members their birthday once, a page of members at a time', async () => {
    const w = await workspaceWithClub(t, 'ימי הולדת רבים', club);
    await rule({ name: 'יום הולדת שמח', kind: 'event', eventType: 'birthday', points: 25 }, w);
    const now = new Date();
    const monthDay = (at: Date) => israelDate(at).slice(5, 10);
    const today = monthDay(now);
    const late = monthDay(addDays(now, -3));
    const notYet = monthDay(addDays(now, 20));
    // 200 born today, 60 three days ago (a run that late still gives theirs), 40 in three weeks.
    const born = (i: number) => `${1950 + (i % 50)}-${i < 200 ? today : i < 260 ? late : notYet}`;
    const ctx = systemCtx(w.workspaceId);
    const ids = await inWorkspace(t.database.db, w.workspaceId, async (trx) => {
      const outcomes = await upsertCustomersBulk(
        trx,
        ctx,
        Array.from({ length: 300 }, (_, i) => ({
          externalId: `bd-${i}`,
          firstName: `חבר ${i}`,
          // 29 February falls on the 28th in other years: a date of the leap year 1952 stands for it.
          birthday: born(i).endsWith('-02-29') ? born(i).replace(/^\d{4}/, '1952') : born(i),
        })),
        { source: 'test' },
      );
      const made = outcomes.flatMap((o) => (o.status === 'error' ? [] : [o.id]));
      await enrollMany(
        trx,
        ctx,
        made.map((customerId) => ({ customerId, joinedAt: now, messagesConsent: false })),
        'import',
      );
      return made;
    });
    expect(ids).toHaveLength(300);
    const run = () => giveBirthdays(t.database.db, now, { workspaceId: w.workspaceId, pageSize: 64 });
    expect(await run()).toBe(260 * 125);
    expect(await run()).toBe(0);
    const balances = await inWorkspace(t.database.db, w.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_members')
        .select(['customer_id', 'available'])
        .where('workspace_id', '=', w.workspaceId)
        .execute(),
    );
    const byId = new Map(balances.map((b) => [b.customer_id, Number(b.available)]));
    expect(ids.slice(0, 260).map((id) => byId.get(id))).toEqual(Array(260).fill(125));
    expect(ids.slice(260).map((id) => byId.get(id))).toEqual(Array(40).fill(0));
  });

  it('finds the birthday due: up to 7 days late, across the new year, and 29 February on the 28th', () => {
    expect(birthdayDue('2000-02-29', '2027-02-28')).toEqual({ year: 2027, day: '2027-02-28' });
    expect(birthdayDue('2000-02-29', '2028-02-28')).toBeNull();
    expect(birthdayDue('2000-02-29', '2028-03-01')).toEqual({ year: 2028, day: '2028-02-29' });
    expect(birthdayDue('1990-12-30', '2027-01-06')).toEqual({ year: 2026, day: '2026-12-30' });
    expect(birthdayDue('1990-12-30', '2027-01-07')).toBeNull();
  });
});

describe('earning rules: a paused club', () => {
  it('earns nothing for an event received while paused, and the event is spent: sent again later it is a duplicate', async () => {
    const w = await workspaceWithClub(t, 'מועדון בהפסקה', { name: 'הפסקה', pendingDays: 0 });
    await rule({ name: 'סקר', kind: 'event', eventType: 'survey_answered', points: 40 }, w);
    const customerId = await newMember(w);
    const setStatus = (status: string) =>
      call('PUT', '/api/v1/loyalty/program', { name: 'הפסקה', pendingDays: 0, status }, 200, w);
    await setStatus('paused');
    const body = { customerId, type: 'survey_answered', eventId: `paused-${randomToken(6)}` };
    expect(await event(body, 201, w)).toMatchObject({ duplicate: false, points: 0, awards: [] });
    await setStatus('active');
    expect(await event(body, 200, w)).toMatchObject({ duplicate: true, points: 0, awards: [] });
    expect(await member(customerId, w)).toMatchObject({ available: 0 });
    // An event after resuming earns as always.
    expect(await event({ ...body, eventId: `resumed-${randomToken(6)}` }, 201, w)).toMatchObject({ points: 40 });
    expect(await member(customerId, w)).toMatchObject({ available: 40 });
  });
});
