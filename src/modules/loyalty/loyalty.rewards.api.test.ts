import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { apiCaller, enrolledMember, type Json, silverAndGoldClub, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;

const call = apiCaller(() => ws);

const newMember = (points: number, w = ws) => enrolledMember(call, w, points);

const member = (customerId: string, w = ws) => call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200, w);
const reward = (body: object, w = ws) =>
  call('POST', '/api/v1/loyalty/rewards', { name: 'קפה חינם', kind: 'gift', pointsCost: 50, ...body }, 201, w);
const redeem = (rewardId: string, customerId: string, status: number, w = ws, headers: Record<string, string> = {}) =>
  call('POST', `/api/v1/loyalty/rewards/${rewardId}/redeem`, { customerId }, status, w, headers);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'מאפיית הכרמל', silverAndGoldClub('מועדון המאפייה'));
});

describe('the rewards catalog', () => {
  it('keeps each kind of reward with its amounts as decimal strings, and changes or stops one', async () => {
    const percent = await reward({ name: '10% הנחה', kind: 'percent_discount', percentOff: 10, maxDiscount: '25' });
    expect(percent).toMatchObject({
      kind: 'percent_discount',
      percentOff: 10,
      amountOff: null,
      maxDiscount: '25.00',
      minBasket: '0.00',
      pointsCost: 50,
      stock: null,
      redeemed: 0,
      active: true,
    });
    const amount = await reward({ name: '20 ש״ח', kind: 'amount_discount', amountOff: '20', minBasket: '99.9' });
    expect(amount).toMatchObject({ amountOff: '20.00', minBasket: '99.90' });
    const delivery = await reward({ name: 'משלוח חינם', kind: 'free_delivery', itemSku: 'delivery', stock: 5 });
    expect(delivery).toMatchObject({ kind: 'free_delivery', itemSku: 'delivery', stock: 5 });

    const changed = await call('PATCH', `/api/v1/loyalty/rewards/${amount.id}`, { amountOff: '25.50', stock: 3 }, 200);
    expect(changed).toMatchObject({ amountOff: '25.50', stock: 3, name: '20 ש״ח' });
    const stopped = await call('PATCH', `/api/v1/loyalty/rewards/${delivery.id}`, { active: false }, 200);
    expect(stopped.active).toBe(false);
    const active = await call('GET', '/api/v1/loyalty/rewards?active=true&limit=200', undefined, 200);
    const ids = active.items.map((r: Json) => r.id);
    expect(ids).toContain(percent.id);
    expect(ids).not.toContain(delivery.id);
    // Two at a time: the pages meet with nothing skipped or repeated.
    const first = await call('GET', '/api/v1/loyalty/rewards?limit=2', undefined, 200);
    const second = await call('GET', `/api/v1/loyalty/rewards?limit=2&cursor=${first.nextCursor}`, undefined, 200);
    expect([...first.items, ...second.items].map((r: Json) => r.id)).toEqual([delivery.id, amount.id, percent.id]);
  });

  it('refuses a benefit whose fields do not fit its kind, dates out of order, and amounts as numbers', async () => {
    const bad = async (body: object) =>
      (await call('POST', '/api/v1/loyalty/rewards', { name: 'x', pointsCost: 5, ...body }, 400)).errors.map(
        (e: Json) => e.field,
      );
    expect(await bad({ kind: 'percent_discount' })).toEqual(['percentOff']);
    expect(await bad({ kind: 'gift', amountOff: '5' })).toEqual(['amountOff']);
    expect(await bad({ kind: 'amount_discount', amountOff: 5 })).toEqual(['amountOff']);
    expect(await bad({ kind: 'amount_discount', amountOff: '0' })).toEqual(['amountOff']);
    expect(await bad({ kind: 'gift', startsAt: '2027-01-02T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' })).toEqual([
      'endsAt',
    ]);
    const r = await reward({});
    const patched = await call('PATCH', `/api/v1/loyalty/rewards/${r.id}`, { kind: 'percent_discount' }, 400);
    expect(patched.errors.map((e: Json) => e.field)).toEqual(['percentOff']);
    await call('PATCH', `/api/v1/loyalty/rewards/${crypto.randomUUID()}`, { active: false }, 404);
  });

  it('lets a marketer set up the catalog, an agent read it and redeem from it, and a shopper nothing', async () => {
    const marketer = await ws.keyFor('marketer');
    const agent = await ws.keyFor('agent');
    const shopper = await ws.keyFor('shopper');
    const body = { name: 'עוגייה', kind: 'gift', pointsCost: 10 };
    const post = (key: string) => ws.request({ method: 'POST', url: '/api/v1/loyalty/rewards', payload: body, key });
    expect((await post(marketer)).statusCode).toBe(201);
    expect((await post(agent)).statusCode).toBe(403);
    expect((await ws.request({ method: 'GET', url: '/api/v1/loyalty/rewards', key: agent })).statusCode).toBe(200);
    expect((await ws.request({ method: 'GET', url: '/api/v1/loyalty/rewards', key: shopper })).statusCode).toBe(403);
    const r = (await post(marketer)).json();
    const customerId = await newMember(20);
    const redeemAs = (key: string) =>
      ws.request({ method: 'POST', url: `/api/v1/loyalty/rewards/${r.id}/redeem`, payload: { customerId }, key });
    expect((await redeemAs(marketer)).statusCode).toBe(403);
    expect((await redeemAs(agent)).statusCode).toBe(201);
  });
});

describe('redeeming a reward', () => {
  it('spends the points, oldest first, and gives the member a single-use coupon of its own', async () => {
    const r = await reward({ name: 'קרואסון חמאה', kind: 'gift', itemSku: 'croissant', pointsCost: 120, stock: 2 });
    const customerId = await newMember(100);
    await call('POST', `/api/v1/loyalty/members/${customerId}/adjustments`, { points: 50, note: 'עוד' }, 201);
    const coupon = await redeem(r.id, customerId, 201);
    expect(coupon).toMatchObject({
      source: 'reward',
      rewardId: r.id,
      customerId,
      name: 'קרואסון חמאה',
      kind: 'gift',
      itemSku: 'croissant',
      pointsCost: 120,
      status: 'active',
      multiUse: false,
      expiresAt: null,
      usedAt: null,
    });
    expect(coupon.code).toMatch(/^[A-HJ-NP-Z2-9]{10}$/);
    expect(await member(customerId)).toMatchObject({ available: 30 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items[0]).toMatchObject({ kind: 'spend', points: -120, note: 'קרואסון חמאה' });
    // The first lot (100) is used up and 20 of the second taken: 30 left of the newest.
    const lots = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_entries')
        .select(['lot_id', (eb) => eb.fn.sum<string>('amount').as('n')])
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customerId)
        .groupBy('lot_id')
        .execute(),
    );
    expect(lots.map((l) => Number(l.n)).sort((a, b) => a - b)).toEqual([0, 30]);
    expect((await call('GET', '/api/v1/loyalty/rewards?limit=200', undefined, 200)).items).toContainEqual(
      expect.objectContaining({ id: r.id, stock: 1, redeemed: 1 }),
    );
    const mine = await call('GET', `/api/v1/loyalty/members/${customerId}/coupons`, undefined, 200);
    expect(mine.items.map((c: Json) => c.code)).toEqual([coupon.code]);
    const timeline = await call('GET', `/api/v1/customers/${customerId}/timeline`, undefined, 200);
    expect(timeline.items).toContainEqual(
      expect.objectContaining({ type: 'loyalty.points', data: expect.objectContaining({ kind: 'spend' }) }),
    );
  });

  it('gives a coupon good for the reward’s days, and keeps what was bought when the reward changes', async () => {
    const r = await reward({ kind: 'amount_discount', amountOff: '15', pointsCost: 10, couponValidDays: 30 });
    const customerId = await newMember(10);
    const before = Date.now();
    const coupon = await redeem(r.id, customerId, 201);
    const expires = new Date(coupon.expiresAt).getTime();
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect(expires - before).toBeLessThan(30 * 86_400_000 + 60_000);
    await call('PATCH', `/api/v1/loyalty/rewards/${r.id}`, { amountOff: '5' }, 200);
    const mine = await call('GET', `/api/v1/loyalty/members/${customerId}/coupons`, undefined, 200);
    expect(mine.items[0]).toMatchObject({ amountOff: '15.00' });
  });

  it('redeems once for a retried request with the same Idempotency-Key', async () => {
    const r = await reward({ pointsCost: 10 });
    const customerId = await newMember(100);
    const headers = { 'idempotency-key': `redeem-${randomToken(6)}` };
    const a = await redeem(r.id, customerId, 201, ws, headers);
    const b = await redeem(r.id, customerId, 201, ws, headers);
    expect(b.code).toBe(a.code);
    expect(await member(customerId)).toMatchObject({ available: 90 });
  });

  it('refuses, naming the reason in the caller’s language, and changes nothing', async () => {
    const other = await workspaceWithClub(t, 'מאפייה אחרת', silverAndGoldClub('מועדון המאפייה'));
    const stranger = await newMember(1000, other);
    const rich = await newMember(1000);
    const poor = await newMember(20);
    const notMember = (await call('POST', '/api/v1/customers?allowDuplicate=true', { firstName: 'אורח' }, 201)).id;
    const cheap = await reward({ pointsCost: 50, stock: 1, perMemberLimit: 1 });
    const gold = await reward({ pointsCost: 50, minTierRank: 2 });
    const stopped = await reward({ pointsCost: 50, active: false });
    const later = await reward({ pointsCost: 50, startsAt: '2999-01-01T00:00:00Z' });
    const over = await reward({ pointsCost: 50, endsAt: '2001-01-01T00:00:00Z' });
    const limited = await reward({ pointsCost: 10, perMemberLimit: 1 });

    const refused = async (rewardId: string, customerId: string, status: number, code: string) => {
      const res = await redeem(rewardId, customerId, status);
      expect(res.code).toBe(code);
      return res;
    };
    expect((await refused(cheap.id, poor, 409, 'LOYALTY.INSUFFICIENT_POINTS')).title).toBe('אין מספיק נקודות זמינות');
    await redeem(cheap.id, rich, 201);
    const out = await ws.request({
      method: 'POST',
      url: `/api/v1/loyalty/rewards/${cheap.id}/redeem`,
      payload: { customerId: rich },
      headers: { 'accept-language': 'en' },
    });
    expect(out.statusCode).toBe(409);
    expect(out.json()).toMatchObject({ code: 'LOYALTY.REWARD_OUT_OF_STOCK', title: 'The reward is out of stock' });
    await refused(gold.id, rich, 422, 'LOYALTY.REWARD_TIER');
    await refused(stopped.id, rich, 409, 'LOYALTY.REWARD_UNAVAILABLE');
    await refused(later.id, rich, 409, 'LOYALTY.REWARD_UNAVAILABLE');
    await refused(over.id, rich, 409, 'LOYALTY.REWARD_UNAVAILABLE');
    await redeem(limited.id, rich, 201);
    await refused(limited.id, rich, 409, 'LOYALTY.REWARD_LIMIT');
    await refused(limited.id, notMember, 404, 'LOYALTY.NOT_MEMBER');
    // Another workspace's member, and this workspace's reward seen from another workspace, are not there.
    await refused(limited.id, stranger, 404, 'LOYALTY.NOT_MEMBER');
    expect((await redeem(limited.id, stranger, 404, other)).code).toBe('LOYALTY.REWARD_NOT_FOUND');

    expect(await member(poor)).toMatchObject({ available: 20 });
    expect(await member(rich)).toMatchObject({ available: 940 });
    expect(await member(stranger, other)).toMatchObject({ available: 1000 });
    const mine = await call('GET', `/api/v1/loyalty/members/${rich}/coupons`, undefined, 200);
    expect(mine.items).toHaveLength(2);
    const catalog = await call('GET', '/api/v1/loyalty/rewards?limit=200', undefined, 200);
    expect(catalog.items.find((r: Json) => r.id === cheap.id)).toMatchObject({ stock: 0, redeemed: 1 });
  });
});
