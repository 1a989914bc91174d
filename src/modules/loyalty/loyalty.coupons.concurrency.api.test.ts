import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import {
  apiCaller,
  enrolledMember,
  type Json,
  oneTierClub,
  storedBalance,
  workspaceWithClub,
} from './loyalty.test-helpers.ts';

// On PostgreSQL the requests below run on up to ten pooled connections at once; on PGlite their
// transactions queue. Either way a coupon is used once, a stock never goes below zero, and neither
// does a balance.
let t: TestApp;
let ws: TestWorkspace;
const PARALLEL = 50;

const call = apiCaller(() => ws);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'קופות במקביל', oneTierClub);
});

async function post(url: string, payload: object, status?: number) {
  const res = await ws.request({ method: 'POST', url, payload });
  if (status !== undefined) expect(res.statusCode, res.body).toBe(status);
  return res;
}

const member = (points: number) => enrolledMember(call, ws, points);

const reward = async (body: object) =>
  (await post('/api/v1/loyalty/rewards', { name: 'הטבה', kind: 'gift', pointsCost: 15, ...body }, 201)).json() as Json;

const stored = (customerId: string) => storedBalance(t, ws, customerId);

function statuses(answers: { statusCode: number }[]) {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.statusCode] = (counts[a.statusCode] ?? 0) + 1;
  return counts;
}

describe('coupons under parallel requests', () => {
  it('lets exactly one of 50 simultaneous redemptions of one coupon use it; the others hear it is used', async () => {
    const customerId = await member(15);
    const coupon = (await post(`/api/v1/loyalty/rewards/${(await reward({})).id}/redeem`, { customerId }, 201)).json();
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post('/api/v1/coupons/redeem', { code: coupon.code, orderId: `till-${i}`, basket: { total: '30.00' } }),
      ),
    );
    expect(statuses(answers)).toEqual({ 201: 1, 409: PARALLEL - 1 });
    expect(answers.find((a) => a.statusCode === 409)?.json().code).toBe('COUPON.ALREADY_USED');
    const uses = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx.selectFrom('loyalty_coupon_uses').select('order_id').where('coupon_id', '=', coupon.id).execute(),
    );
    expect(uses.map((u) => u.order_id)).toEqual([answers.find((a) => a.statusCode === 201)?.json().orderId]);
  });

  it('makes exactly 10 coupons of 50 simultaneous redemptions of a reward with a stock of 10', async () => {
    const r = await reward({ stock: 10 });
    const members = [
      await member(1000),
      await member(1000),
      await member(1000),
      await member(1000),
      await member(1000),
    ];
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(`/api/v1/loyalty/rewards/${r.id}/redeem`, { customerId: members[i % members.length] }),
      ),
    );
    expect(statuses(answers)).toEqual({ 201: 10, 409: PARALLEL - 10 });
    expect(answers.find((a) => a.statusCode === 409)?.json().code).toBe('LOYALTY.REWARD_OUT_OF_STOCK');
    const codes = new Set(answers.filter((a) => a.statusCode === 201).map((a) => a.json().code));
    expect(codes.size).toBe(10);
    const row = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_rewards')
        .select(['stock_left', 'redeemed_count'])
        .where('id', '=', r.id)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toEqual({ stock_left: 0, redeemed_count: 10 });
    let spent = 0;
    for (const customerId of members) {
      const s = await stored(customerId);
      expect(s.available).toBe(s.ledger);
      spent += 1000 - s.available;
    }
    expect(spent).toBe(10 * 15);
  });

  it('never takes a balance below zero for 50 simultaneous redemptions that together cost more than it', async () => {
    const customerId = await member(200);
    // Five rewards: the requests queue on the member, not on one reward's row.
    const rewards = [await reward({}), await reward({}), await reward({}), await reward({}), await reward({})];
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(`/api/v1/loyalty/rewards/${rewards[i % rewards.length]!.id}/redeem`, { customerId }),
      ),
    );
    expect(statuses(answers)).toEqual({ 201: 13, 409: PARALLEL - 13 });
    expect(answers.find((a) => a.statusCode === 409)?.json().code).toBe('LOYALTY.INSUFFICIENT_POINTS');
    expect(await stored(customerId)).toEqual({ available: 5, ledger: 5 });
  });

  it('gives a shared code once to a member sending it from 50 tills at once', async () => {
    const customerId = await member(0);
    const now = Date.now();
    const campaign = (
      await post(
        '/api/v1/loyalty/campaigns',
        {
          name: 'מבצע',
          kind: 'amount_discount',
          amountOff: '10',
          mode: 'shared',
          startsAt: new Date(now - 86_400_000).toISOString(),
          endsAt: new Date(now + 86_400_000).toISOString(),
        },
        201,
      )
    ).json();
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post('/api/v1/coupons/redeem', {
          code: campaign.code,
          customerId,
          orderId: `shared-${i}`,
          basket: { total: '50' },
        }),
      ),
    );
    expect(statuses(answers)).toEqual({ 201: 1, 409: PARALLEL - 1 });
  });

  it('stops a limited campaign at its limit when 30 members use it at once, and counts an unlimited one exactly', async () => {
    const now = Date.now();
    const campaign = async (maxUses: number | null) =>
      (
        await post(
          '/api/v1/loyalty/campaigns',
          {
            name: `מבצע ${maxUses ?? 'פתוח'}`,
            kind: 'amount_discount',
            amountOff: '5',
            mode: 'shared',
            maxUses,
            startsAt: new Date(now - 86_400_000).toISOString(),
            endsAt: new Date(now + 86_400_000).toISOString(),
          },
          201,
        )
      ).json() as Json;
    const members = await Promise.all(Array.from({ length: 30 }, () => member(0)));
    const limited = await campaign(10);
    const open = await campaign(null);
    const useAll = (code: string, tag: string) =>
      Promise.all(
        members.map((customerId, i) =>
          post('/api/v1/coupons/redeem', { code, customerId, orderId: `${tag}-${i}`, basket: { total: '50' } }),
        ),
      );
    const [limitedAnswers, openAnswers] = await Promise.all([useAll(limited.code, 'lim'), useAll(open.code, 'open')]);
    expect(statuses(limitedAnswers)).toEqual({ 201: 10, 409: 20 });
    expect(limitedAnswers.find((a) => a.statusCode === 409)?.json().code).toBe('COUPON.OUT_OF_STOCK');
    expect(statuses(openAnswers)).toEqual({ 201: 30 });
    const listed = (await call('GET', '/api/v1/loyalty/campaigns', undefined, 200)).items as Json[];
    expect(listed.find((c) => c.id === limited.id)?.used).toBe(10);
    expect(listed.find((c) => c.id === open.id)?.used).toBe(30);
    // A limit set later counts what was used: below it is refused, at it the campaign is used up.
    const tooLow = await ws.request({
      method: 'PATCH',
      url: `/api/v1/loyalty/campaigns/${open.id}`,
      payload: { maxUses: 29 },
    });
    expect(tooLow.statusCode, tooLow.body).toBe(400);
  });

  it('lets a void and redemptions of one coupon at the same moment settle one way: used, or voided with the points back', async () => {
    const customerId = await member(15);
    const coupon = (await post(`/api/v1/loyalty/rewards/${(await reward({})).id}/redeem`, { customerId }, 201)).json();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? post(`/api/v1/coupons/${coupon.code}/void`, {})
          : post('/api/v1/coupons/redeem', { code: coupon.code, orderId: `race-${i}`, basket: { total: '30.00' } }),
      ),
    );
    expect(answers.every((a) => a.statusCode < 500)).toBe(true);
    const redeemed = answers.filter((a, i) => i % 2 === 1 && a.statusCode === 201).length;
    const s = await stored(customerId);
    expect(s.available).toBe(s.ledger);
    if (redeemed === 1) expect(s.available).toBe(0);
    else expect([redeemed, s.available]).toEqual([0, 15]);
  });
});
