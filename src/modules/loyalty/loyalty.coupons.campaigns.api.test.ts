import { addDays } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
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
async function goldMember() {
  const customerId = await newMember(0);
  await call(
    'POST',
    '/api/v1/orders',
    {
      externalId: `o-${randomToken(6)}`,
      customerId,
      placedAt: new Date().toISOString(),
      channel: 'store',
      items: [{ sku: 'big', name: 'קנייה גדולה', quantity: 1, unitPrice: '1000.00' }],
    },
    201,
  );
  await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
  const m = await call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200);
  expect(m.tier.name).toBe('זהב');
  return customerId;
}

const { validate, redeem } = couponTill(call, () => ws);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'רשת המבצעים', silverAndGoldClub('מועדון החנות'));
});

function dates(fromDays: number, toDays: number) {
  return {
    startsAt: addDays(new Date(), fromDays).toISOString(),
    endsAt: addDays(new Date(), toDays).toISOString(),
  };
}

describe('members-only campaigns', () => {
  it('gives a tier’s members one use each of a shared code, and names why anyone else is refused', async () => {
    const campaign = await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      {
        name: 'ערב זהב',
        kind: 'percent_discount',
        percentOff: 15,
        mode: 'shared',
        code: 'Gold-Night',
        minTierRank: 2,
        ...dates(-1, 30),
      },
      201,
    );
    expect(campaign).toMatchObject({ code: 'Gold-Night', codes: 1, used: 0, mode: 'shared', minTierRank: 2 });
    const gold = await goldMember();
    const silver = await newMember(0);
    const guest = (await call('POST', '/api/v1/customers?allowDuplicate=true', { firstName: 'אורחת' }, 201)).id;
    const other = await workspaceWithClub(t, 'רשת אחרת', silverAndGoldClub('מועדון החנות'));
    const stranger = await newMember(0, other);
    const why = async (customerId: string | undefined) =>
      (await validate({ code: 'GOLD-NIGHT', ...(customerId ? { customerId } : {}), basket: basket('200') })).reason
        ?.code;
    expect(await why(undefined)).toBe('COUPON.MEMBER_REQUIRED');
    expect(await why(silver)).toBe('COUPON.NOT_ELIGIBLE');
    expect(await why(guest)).toBe('LOYALTY.NOT_MEMBER');
    expect(await why(stranger)).toBe('LOYALTY.NOT_MEMBER');
    expect(await why(gold)).toBeUndefined();
    const used = await redeem({ code: 'gold-night', customerId: gold, orderId: 'G-1', basket: basket('200') }, 201);
    expect(used).toMatchObject({ discount: '30.00', customerId: gold, coupon: { status: 'active', multiUse: true } });
    const twice = await redeem({ code: 'Gold-Night', customerId: gold, orderId: 'G-2', basket: basket('200') }, 409);
    expect(twice.code).toBe('COUPON.ALREADY_USED');
    const list = await call('GET', '/api/v1/loyalty/campaigns?limit=200', undefined, 200);
    expect(list.items.find((c: Json) => c.id === campaign.id)).toMatchObject({ used: 1 });
    // The business's own code is its own in this workspace, whatever the case; another workspace may have it too.
    const taken = await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      { name: 'שוב', kind: 'gift', mode: 'shared', code: 'GOLD-night', ...dates(0, 3) },
      409,
    );
    expect(taken.code).toBe('COUPON.CODE_TAKEN');
    await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      { name: 'שלנו', kind: 'gift', mode: 'shared', code: 'Gold-Night', ...dates(0, 3) },
      201,
      other,
    );
  });

  it('answers a campaign not yet begun, over, stopped or used up as such', async () => {
    const make = async (body: object) =>
      call(
        'POST',
        '/api/v1/loyalty/campaigns',
        { name: 'מבצע', kind: 'amount_discount', amountOff: '10', mode: 'shared', ...dates(-1, 5), ...body },
        201,
      );
    const a = await newMember(0);
    const b = await newMember(0);
    const why = async (code: string, customerId: string) =>
      (await validate({ code, customerId, basket: basket('50') })).reason?.code;
    expect(await why((await make(dates(2, 5))).code, a)).toBe('COUPON.NOT_YET_VALID');
    expect(await why((await make(dates(-5, -1))).code, a)).toBe('COUPON.EXPIRED');
    const stopped = await make({});
    await call('PATCH', `/api/v1/loyalty/campaigns/${stopped.id}`, { active: false }, 200);
    expect(await why(stopped.code, a)).toBe('COUPON.INACTIVE');
    const once = await make({ maxUses: 1 });
    await redeem({ code: once.code, customerId: a, orderId: 'M-1', basket: basket('50') }, 201);
    expect(await why(once.code, b)).toBe('COUPON.OUT_OF_STOCK');
    expect((await redeem({ code: once.code, customerId: b, orderId: 'M-2', basket: basket('50') }, 409)).code).toBe(
      'COUPON.OUT_OF_STOCK',
    );
    // Its end moved to the past: expired from then on.
    const moved = await make({});
    await call('PATCH', `/api/v1/loyalty/campaigns/${moved.id}`, dates(-3, -2), 200);
    expect(await why(moved.code, a)).toBe('COUPON.EXPIRED');
    await call('PATCH', `/api/v1/loyalty/campaigns/${moved.id}`, { endsAt: dates(0, -4).endsAt }, 400);
  });

  it('hands out a pool of single-use codes, once a member however many codes it holds', async () => {
    const campaign = await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      { name: 'קוד אישי', kind: 'gift', itemSku: 'cookie', mode: 'pool', poolSize: 3, ...dates(-1, 5) },
      201,
    );
    expect(campaign).toMatchObject({ code: null, codes: 3 });
    const added = await call('POST', `/api/v1/loyalty/campaigns/${campaign.id}/codes`, { count: 2 }, 201);
    expect(added.items).toHaveLength(2);
    const codes = await call('GET', `/api/v1/loyalty/campaigns/${campaign.id}/codes?limit=3`, undefined, 200);
    const rest = await call(
      'GET',
      `/api/v1/loyalty/campaigns/${campaign.id}/codes?limit=3&cursor=${codes.nextCursor}`,
      undefined,
      200,
    );
    const all = [...codes.items, ...rest.items].map((c: Json) => c.code as string);
    expect(new Set(all).size).toBe(5);
    const a = await newMember(0);
    const b = await newMember(0);
    const items = [{ sku: 'cookie', quantity: 2, unitPrice: '6.50' }];
    const used = await redeem({ code: all[0], customerId: a, orderId: 'P-1', basket: basket('13', items) }, 201);
    expect(used).toMatchObject({ discount: '6.50', coupon: { status: 'used', customerId: a } });
    expect((await redeem({ code: all[0], customerId: b, orderId: 'P-2', basket: basket('13') }, 409)).code).toBe(
      'COUPON.ALREADY_USED',
    );
    expect((await redeem({ code: all[1], customerId: a, orderId: 'P-3', basket: basket('13') }, 409)).code).toBe(
      'COUPON.ALREADY_USED',
    );
    await redeem({ code: all[1], customerId: b, orderId: 'P-4', basket: basket('13') }, 201);
    const unused = await call('GET', `/api/v1/loyalty/campaigns/${campaign.id}/codes?status=active`, undefined, 200);
    expect(unused.items).toHaveLength(3);
    const shared = await call(
      'POST',
      '/api/v1/loyalty/campaigns',
      { name: 'משותף', kind: 'gift', mode: 'shared', ...dates(-1, 5) },
      201,
    );
    expect(shared.code).toMatch(/^[A-HJ-NP-Z2-9]{10}$/);
    expect((await call('POST', `/api/v1/loyalty/campaigns/${shared.id}/codes`, { count: 1 }, 409)).code).toBe(
      'LOYALTY.CAMPAIGN_NOT_POOL',
    );
  });
});
