import { addDays, addMonths } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { lotsOf } from './loyalty.ledger.ts';
import { validateCoupon, voidCoupon } from './loyalty.service.ts';
import {
  apiCaller,
  basket,
  couponTill,
  enrolledMember,
  type Json,
  silverAndGoldClub,
  workspaceWithClub,
} from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;

const call = apiCaller(() => ws);

const newMember = (points: number, w = ws) => enrolledMember(call, w, points);

/** A member in the gold tier: spend that reaches it, with points available at once (no pending days). */
const member = (customerId: string, w = ws) => call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200, w);

async function rewardCoupon(body: object, points = 100, w = ws) {
  const customerId = await newMember(points, w);
  const reward = await call(
    'POST',
    '/api/v1/loyalty/rewards',
    { name: 'הטבה', kind: 'amount_discount', amountOff: '20', pointsCost: 50, ...body },
    201,
    w,
  );
  const coupon = await call('POST', `/api/v1/loyalty/rewards/${reward.id}/redeem`, { customerId }, 201, w);
  return { customerId, reward, coupon, code: coupon.code as string };
}

const { validate, redeem } = couponTill(call, () => ws);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'חנות השכונה', silverAndGoldClub('מועדון החנות'));
});

describe('validating a code against a basket', () => {
  it('answers the discount in shekels for each kind of benefit, rounded down, never above the basket', async () => {
    const percent = await rewardCoupon({ kind: 'percent_discount', percentOff: 10, amountOff: null });
    expect(await validate({ code: percent.code, basket: basket('123.45') })).toMatchObject({
      applies: true,
      discount: '12.34',
      reason: null,
      coupon: { code: percent.code, kind: 'percent_discount', status: 'active' },
    });
    const capped = await rewardCoupon({ kind: 'percent_discount', percentOff: 50, amountOff: null, maxDiscount: '30' });
    expect((await validate({ code: capped.code, basket: basket('1000') })).discount).toBe('30.00');
    const amount = await rewardCoupon({});
    expect((await validate({ code: amount.code, basket: basket('15.5') })).discount).toBe('15.50');
    expect((await validate({ code: amount.code, basket: basket('99.99') })).discount).toBe('20.00');
    const gift = await rewardCoupon({ kind: 'gift', amountOff: null, itemSku: 'cake' });
    const items = [
      { sku: 'bread', quantity: 2, unitPrice: '12.00' },
      { sku: 'cake', quantity: 3, unitPrice: '42.90' },
      { sku: 'delivery', quantity: 1, unitPrice: '25' },
    ];
    expect((await validate({ code: gift.code, basket: basket('178.70', items) })).discount).toBe('42.90');
    expect((await validate({ code: gift.code, basket: basket('24.00', items.slice(0, 1)) })).discount).toBe('0.00');
    const delivery = await rewardCoupon({ kind: 'free_delivery', amountOff: null, itemSku: 'delivery' });
    expect((await validate({ code: delivery.code, basket: basket('178.70', items) })).discount).toBe('25.00');
  });

  it('finds a code typed in any case, and gives the owner’s id as the till may', async () => {
    const { code, customerId } = await rewardCoupon({});
    const lower = await validate({ code: code.toLowerCase(), customerId, basket: basket('50') });
    expect(lower).toMatchObject({ applies: true, discount: '20.00', coupon: { code, customerId } });
  });

  it('names each reason a code does not apply, in Hebrew or English, and changes nothing', async () => {
    const { code, customerId } = await rewardCoupon({ minBasket: '100' });
    const someoneElse = await newMember(0);
    const reason = async (body: object, expected: string, headers: Record<string, string> = {}) => {
      const answer = await validate(body, ws, headers);
      expect(answer).toMatchObject({ applies: false, discount: '0.00', reason: { code: expected } });
      return answer;
    };
    const small = await reason({ code, basket: basket('99.99') }, 'COUPON.BASKET_TOO_SMALL');
    expect(small.reason.message).toBe('סכום הקנייה נמוך מהמינימום של הקופון');
    expect(small.coupon.minBasket).toBe('100.00');
    const english = await reason({ code, basket: basket('99.99') }, 'COUPON.BASKET_TOO_SMALL', {
      'accept-language': 'en',
    });
    expect(english.reason.message).toBe('The basket is under the coupon’s minimum');
    await reason({ code, customerId: someoneElse, basket: basket('150') }, 'COUPON.NOT_CUSTOMERS');
    const unknown = await reason({ code: 'NOSUCHCODE', basket: basket('150') }, 'COUPON.NOT_FOUND');
    expect(unknown.coupon).toBeNull();
    expect(unknown.reason.message).toBe('קוד הקופון אינו מוכר');

    // Another workspace's code answers exactly as a code that does not exist, there and on redeem.
    const other = await workspaceWithClub(t, 'חנות אחרת', silverAndGoldClub('מועדון החנות'));
    const theirs = (await rewardCoupon({}, 100, other)).code;
    const asUnknown = await call('POST', '/api/v1/coupons/validate', { code: 'NOSUCHCODE', basket: basket('50') }, 200);
    const asTheirs = await call('POST', '/api/v1/coupons/validate', { code: theirs, basket: basket('50') }, 200);
    expect(asTheirs).toEqual(asUnknown);
    const redeemUnknown = await redeem({ code: 'NOSUCHCODE', orderId: 'x-1', basket: basket('50') }, 404);
    const redeemTheirs = await redeem({ code: theirs, orderId: 'x-1', basket: basket('50') }, 404);
    expect(redeemTheirs).toEqual(redeemUnknown);
    expect((await call('POST', `/api/v1/coupons/${theirs}/void`, {}, 404)).code).toBe('COUPON.NOT_FOUND');
    // A member of the other workspace is not this coupon's customer.
    const stranger = await newMember(0, other);
    await reason({ code, customerId: stranger, basket: basket('150') }, 'COUPON.NOT_CUSTOMERS');

    // Still unused and still there to use.
    const ok = await validate({ code, customerId, basket: basket('150') });
    expect(ok).toMatchObject({ applies: true, coupon: { status: 'active', usedAt: null } });
  });

  it('answers an expired coupon as expired, from the day its validity ends', async () => {
    const { code } = await rewardCoupon({ couponValidDays: 7 });
    const owner = { ...systemCtx(ws.workspaceId), locale: 'en' as const };
    const at = (days: number) =>
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        validateCoupon(trx, owner, { code, basket: { total: 5000, items: [] } }, addDays(new Date(), days)),
      );
    expect((await at(6)).applies).toBe(true);
    expect(await at(8)).toMatchObject({
      applies: false,
      reason: { code: 'COUPON.EXPIRED', message: 'The coupon has expired' },
    });
  });

  it('refuses a malformed code or basket as bad input', async () => {
    const bad = await call('POST', '/api/v1/coupons/validate', { code: 'a b', basket: basket('1.234') }, 400);
    expect(bad.errors.map((e: Json) => e.field).sort()).toEqual(['basket.total', 'code']);
    await call('POST', '/api/v1/coupons/validate', { code: 'ABCD', basket: { total: 12.5, items: [] } }, 400);
  });
});

describe('redeeming a coupon for an order', () => {
  it('marks it used with the order, once for the same code and order, and refuses it for another order', async () => {
    const { code, customerId } = await rewardCoupon({});
    const body = { code, customerId, orderId: 'POS-1001', basket: basket('80') };
    const first = await redeem(body, 201);
    expect(first).toMatchObject({ code, orderId: 'POS-1001', customerId, discount: '20.00', basketTotal: '80.00' });
    expect(first.coupon).toMatchObject({ status: 'used', orderId: 'POS-1001' });
    const again = await ws.request({ method: 'POST', url: '/api/v1/coupons/redeem', payload: body });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    const other = await redeem({ ...body, orderId: 'POS-1002' }, 409);
    expect(other).toMatchObject({ code: 'COUPON.ALREADY_USED', title: 'הקופון כבר מומש' });
    expect((await validate({ code, basket: basket('80') })).reason.code).toBe('COUPON.ALREADY_USED');
    const mine = await call('GET', `/api/v1/loyalty/members/${customerId}/coupons?status=used`, undefined, 200);
    expect(mine.items).toEqual([expect.objectContaining({ code, status: 'used', orderId: 'POS-1001' })]);
  });

  it('redeems once for a retry with the same Idempotency-Key, and a till’s agent key may do it', async () => {
    const { code } = await rewardCoupon({});
    const agent = await ws.keyFor('agent');
    const headers = { 'idempotency-key': `till-${randomToken(6)}` };
    const send = () =>
      ws.request({
        method: 'POST',
        url: '/api/v1/coupons/redeem',
        key: agent,
        headers,
        payload: { code, orderId: 'WEB-77', basket: basket('30') },
      });
    const a = await send();
    const b = await send();
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json()).toEqual(a.json());
    const marketer = await ws.keyFor('marketer');
    const refused = await ws.request({
      method: 'POST',
      url: '/api/v1/coupons/validate',
      key: marketer,
      payload: { code, basket: basket('30') },
    });
    expect(refused.statusCode).toBe(403);
  });

  it('refuses a basket under the minimum and leaves the coupon unused', async () => {
    const { code } = await rewardCoupon({ minBasket: '50' });
    const refused = await redeem({ code, orderId: 'A-1', basket: basket('49.99') }, 422);
    expect(refused).toMatchObject({ code: 'COUPON.BASKET_TOO_SMALL', minimum: '50.00' });
    expect((await redeem({ code, orderId: 'A-1', basket: basket('50') }, 201)).discount).toBe('20.00');
  });
});

function dates(fromDays: number, toDays: number) {
  return {
    startsAt: addDays(new Date(), fromDays).toISOString(),
    endsAt: addDays(new Date(), toDays).toISOString(),
  };
}

describe('voiding a reward’s coupon', () => {
  it('puts back exactly the lots the redemption took, with a void booking, once', async () => {
    const customerId = await newMember(40);
    await call('POST', `/api/v1/loyalty/members/${customerId}/adjustments`, { points: 100, note: 'שנייה' }, 201);
    const reward = await call(
      'POST',
      '/api/v1/loyalty/rewards',
      { name: 'ארוחת בוקר', kind: 'gift', pointsCost: 90, stock: 3 },
      201,
    );
    const lots = () =>
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        lotsOf(trx, systemCtx(ws.workspaceId), customerId, 'member.available'),
      );
    const before = await lots();
    expect(before.map((l) => l.remaining)).toEqual([40, 100]);
    const coupon = await call('POST', `/api/v1/loyalty/rewards/${reward.id}/redeem`, { customerId }, 201);
    expect((await lots()).map((l) => l.remaining)).toEqual([50]);
    const voided = await call('POST', `/api/v1/coupons/${coupon.code.toLowerCase()}/void`, undefined, 200);
    expect(voided).toMatchObject({ pointsReturned: 90, coupon: { status: 'voided', code: coupon.code } });
    expect(await lots()).toEqual(before);
    expect(await member(customerId)).toMatchObject({ available: 140 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items.slice(0, 2)).toMatchObject([
      { kind: 'void', points: 90, note: 'ארוחת בוקר' },
      { kind: 'spend', points: -90, note: 'ארוחת בוקר' },
    ]);
    // Again: nothing more comes back. The coupon no longer applies; the stock has it back.
    expect((await call('POST', `/api/v1/coupons/${coupon.code}/void`, undefined, 200)).pointsReturned).toBe(0);
    expect(await member(customerId)).toMatchObject({ available: 140 });
    expect((await validate({ code: coupon.code, basket: basket('10') })).reason.code).toBe('COUPON.VOIDED');
    await redeem({ code: coupon.code, orderId: 'V-1', basket: basket('10') }, 409);
    const catalog = await call('GET', '/api/v1/loyalty/rewards?limit=200', undefined, 200);
    expect(catalog.items.find((r: Json) => r.id === reward.id)).toMatchObject({ stock: 3, redeemed: 0 });
    // The club's accounts still balance: every booking sums to zero.
    const sum = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_entries')
        .select((eb) => eb.fn.sum<string>('amount').as('n'))
        .where('workspace_id', '=', ws.workspaceId)
        .executeTakeFirstOrThrow(),
    );
    expect(Number(sum.n)).toBe(0);
  });

  it('pays a debt first from the points that come back', async () => {
    const customerId = await newMember(0);
    const placed = new Date().toISOString();
    const order = await call(
      'POST',
      '/api/v1/orders',
      {
        externalId: `d-${randomToken(6)}`,
        customerId,
        placedAt: placed,
        channel: 'store',
        items: [{ sku: 'x', name: 'x', quantity: 1, unitPrice: '100.00' }],
      },
      201,
    );
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    expect(await member(customerId)).toMatchObject({ available: 100 });
    const reward = await call('POST', '/api/v1/loyalty/rewards', { name: 'מתנה', kind: 'gift', pointsCost: 80 }, 201);
    const coupon = await call('POST', `/api/v1/loyalty/rewards/${reward.id}/redeem`, { customerId }, 201);
    // The order is refunded: 100 points are owed and 20 are left, a debt of 80.
    await call('POST', `/api/v1/orders/${order.id}/refunds`, { amount: '100.00' }, 201);
    await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    expect(await member(customerId)).toMatchObject({ available: -80, inDebt: true });
    await call('POST', `/api/v1/coupons/${coupon.code}/void`, undefined, 200);
    expect(await member(customerId)).toMatchObject({ available: 0, inDebt: false });
  });

  it('expires at once the points that come back after their date', async () => {
    const { code, customerId } = await rewardCoupon({}, 50);
    const later = addMonths(new Date(), 25);
    const answer = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      voidCoupon(trx, systemCtx(ws.workspaceId), code, later),
    );
    expect(answer).toMatchObject({ pointsReturned: 50, pointsExpired: 50, coupon: { status: 'voided' } });
    expect(await member(customerId)).toMatchObject({ available: 0 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items.map((l: Json) => [l.kind, l.points]).sort()).toEqual([
      ['adjust', 50],
      ['expire', -50],
      ['spend', -50],
      ['void', 50],
    ]);
  });

  it('refuses a used coupon and a campaign’s code', async () => {
    const { code } = await rewardCoupon({});
    await redeem({ code, orderId: 'U-1', basket: basket('40') }, 201);
    expect((await call('POST', `/api/v1/coupons/${code}/void`, undefined, 409)).code).toBe('COUPON.ALREADY_USED');
    const campaign = await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      { name: 'מבצע', kind: 'amount_discount', amountOff: '5', mode: 'shared', ...dates(-1, 10) },
      201,
    );
    expect((await call('POST', `/api/v1/coupons/${campaign.code}/void`, undefined, 409)).code).toBe(
      'COUPON.NOT_VOIDABLE',
    );
  });
});

describe('a customer’s coupons through merge and export', () => {
  it('moves the merged customer’s coupons to the survivor and exports them with their uses', async () => {
    const survivor = await rewardCoupon({});
    const merged = await rewardCoupon({});
    await redeem({ code: merged.code, orderId: 'MG-1', basket: basket('40') }, 201);
    const unused = await call(
      'POST',
      `/api/v1/loyalty/rewards/${merged.reward.id}/redeem`,
      { customerId: merged.customerId },
      201,
    );
    await call('POST', `/api/v1/customers/${survivor.customerId}/merge`, { otherId: merged.customerId }, 200);
    const mine = await call('GET', `/api/v1/loyalty/members/${survivor.customerId}/coupons`, undefined, 200);
    expect(mine.items.map((c: Json) => c.code).sort()).toEqual([survivor.code, merged.code, unused.code].sort());
    // The merged one's unused coupon gives its points back to the survivor, which now holds its lots.
    expect(await member(survivor.customerId)).toMatchObject({ available: 50 });
    await call('POST', `/api/v1/coupons/${unused.code}/void`, undefined, 200);
    expect(await member(survivor.customerId)).toMatchObject({ available: 100 });
    // The merged one's coupon is the survivor's: handing it over with the survivor's id is fine.
    const check = await validate({ code: survivor.code, customerId: merged.customerId, basket: basket('40') });
    expect(check.applies).toBe(true);
    const exported = await call('GET', `/api/v1/customers/${survivor.customerId}/export`, undefined, 200);
    const loyalty = JSON.stringify(exported);
    expect(loyalty).toContain(survivor.code);
    expect(loyalty).toContain('MG-1');
  });
});
