import { addDays } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { qualifyReferrals } from './loyalty.referrals.jobs.ts';
import { referFriend } from './loyalty.service.ts';
import { apiCaller, type Json, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

const club = { name: 'מועדון הפניות', pendingDays: 14, tiers: [{ name: 'חברים', threshold: 0 }] };

const phone = () => `05${Math.floor(20_000_000 + Math.random() * 70_000_000)}`;

async function customer(profile: object = {}, w = ws): Promise<string> {
  const c = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `לקוחה-${randomToken(3)}`, ...profile },
    201,
    w,
  );
  return c.id as string;
}

/** A member who refers: its id and its code. */
async function referrer(profile: object = {}, w = ws) {
  const id = await customer(profile, w);
  const member = await call('POST', '/api/v1/loyalty/members', { customerId: id }, 201, w);
  return { id, code: member.referralCode as string };
}

/** A friend joins with a code; the enrolment's reply (member and referral). */
const join = (friendId: string, referralCode: string, status = 201, w = ws) =>
  call('POST', '/api/v1/loyalty/members', { customerId: friendId, referralCode }, status, w);

async function order(customerId: string, total: string, w = ws) {
  return call(
    'POST',
    '/api/v1/orders',
    {
      externalId: `pos-${randomToken(6)}`,
      customerId,
      placedAt: new Date().toISOString(),
      channel: 'store',
      items: [{ sku: 'latte', name: 'לאטה', quantity: 1, unitPrice: total }],
    },
    201,
    w,
  );
}

const member = (id: string, w = ws) => call('GET', `/api/v1/loyalty/members/${id}`, undefined, 200, w);
const deliver = (w = ws) => dispatchEvents(t.database.db, { batch: 10_000, workspaceId: w.workspaceId });
const qualify = (now: Date, w = ws) => qualifyReferrals(t.database.db, now, { workspaceId: w.workspaceId });
const referralsOf = async (referrerId: string, w = ws) =>
  (await call('GET', `/api/v1/loyalty/referrals?referrerId=${referrerId}`, undefined, 200, w)).items as Json[];
const bonuses = async (id: string) =>
  ((await call('GET', `/api/v1/loyalty/members/${id}/ledger`, undefined, 200)).items as Json[]).filter(
    (l) => l.kind === 'bonus',
  );

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'קפה הפניות', club);
  await call(
    'PUT',
    '/api/v1/loyalty/referrals/settings',
    { enabled: true, referrerPoints: 120, friendPoints: 40 },
    200,
  );
});

describe('referring a friend', () => {
  it('qualifies on the friend’s first purchase once its return window is over, rewarding both sides once', async () => {
    const r = await referrer();
    const friendId = await customer();
    const joined = await join(friendId, ` ${r.code.toLowerCase()} `);
    expect(joined.referral).toMatchObject({ referrerId: r.id, friendId, status: 'pending', reason: null });
    const placed = new Date();
    await order(friendId, '80.00');
    await deliver();
    // Within the order's 14 days: nothing yet.
    expect(await qualify(addDays(placed, 13))).toBe(0);
    expect((await referralsOf(r.id))[0]).toMatchObject({ status: 'pending', referrerPoints: 0 });
    // After them, run late and twice: both sides rewarded, once.
    expect(await qualify(addDays(placed, 20))).toBe(1);
    expect(await qualify(addDays(placed, 21))).toBe(0);
    const [referral] = await referralsOf(r.id);
    expect(referral).toMatchObject({
      status: 'qualified',
      friendId,
      referrerPoints: 120,
      friendPoints: 40,
      orderId: expect.any(String),
    });
    expect(referral?.friendName).toMatch(/^לקוחה-/);
    // It qualified when the window ended, not when the late run came.
    expect(new Date(referral?.qualifiedAt).getTime()).toBeLessThanOrEqual(addDays(placed, 14).getTime() + 60_000);
    expect(await member(r.id)).toMatchObject({ available: 120 });
    expect(await member(friendId)).toMatchObject({ available: 40, pending: 80 });
    expect((await bonuses(r.id)).map((b) => b.points)).toEqual([120]);
    expect((await bonuses(friendId)).map((b) => b.points)).toEqual([40]);
    for (const id of [r.id, friendId]) {
      const timeline = await call('GET', `/api/v1/customers/${id}/timeline`, undefined, 200);
      const types = timeline.items.map((e: Json) => e.type);
      expect(types).toContain('loyalty.referral');
      expect(types).toContain('loyalty.referral_qualified');
    }
    const qualified = await call('GET', '/api/v1/loyalty/referrals?status=qualified&limit=200', undefined, 200);
    expect(qualified.items.some((i: Json) => i.id === referral?.id)).toBe(true);
    const pending = await call('GET', '/api/v1/loyalty/referrals?status=pending&limit=200', undefined, 200);
    expect(pending.items.some((i: Json) => i.id === referral?.id)).toBe(false);
  });

  it('books the rewards once when two runs of the job meet on the same referral', async () => {
    const r = await referrer();
    const friendId = await customer();
    await join(friendId, r.code);
    const placed = new Date();
    await order(friendId, '25.00');
    await deliver();
    const runs = await Promise.all([qualify(addDays(placed, 15)), qualify(addDays(placed, 15))]);
    expect(runs[0] + runs[1]).toBe(1);
    expect(await member(r.id)).toMatchObject({ available: 120 });
    expect((await bonuses(friendId)).map((b) => b.points)).toEqual([40]);
  });

  it('does not qualify on an order refunded in full before its window ended', async () => {
    const r = await referrer();
    const friendId = await customer();
    await join(friendId, r.code);
    const placed = new Date();
    const o = await order(friendId, '60.00');
    await deliver();
    await call('POST', `/api/v1/orders/${o.id}/refunds`, { amount: '60.00' }, 201);
    await deliver();
    expect(await qualify(addDays(placed, 30))).toBe(0);
    expect((await referralsOf(r.id))[0]).toMatchObject({ status: 'pending' });
    expect(await member(r.id)).toMatchObject({ available: 0 });
  });

  it('refuses a self-referral, by the same email, the same phone or the same customer, and keeps the reason', async () => {
    const email = `dana-${randomToken(4)}@example.co.il`;
    const r = await referrer({ email });
    const sameEmail = await customer({ email: email.toUpperCase() });
    expect((await join(sameEmail, r.code)).referral).toMatchObject({ status: 'refused', reason: 'self_referral' });
    const tel = phone();
    const r2 = await referrer({ phone: tel });
    const samePhone = await customer({ phone: tel });
    expect((await join(samePhone, r2.code)).referral).toMatchObject({ status: 'refused', reason: 'self_referral' });
    // A member giving its own code: the same customer (enrolled already, so 200).
    expect((await join(r.id, r.code, 200)).referral).toMatchObject({ status: 'refused', reason: 'self_referral' });
    const listed = await referralsOf(r.id);
    expect(listed.map((l) => l.reason).sort()).toEqual(['self_referral', 'self_referral']);
    // A refused referral never qualifies, whatever the friend buys.
    await order(sameEmail, '100.00');
    await deliver();
    expect(await qualify(addDays(new Date(), 30))).toBe(0);
    expect(await member(r.id)).toMatchObject({ available: 0 });
  });

  it('refuses a friend who was a member before', async () => {
    const r = await referrer();
    const old = await referrer();
    const again = await join(old.id, r.code, 200);
    expect(again.referral).toMatchObject({ status: 'refused', reason: 'already_member' });
  });

  it('answers an unknown code, or another workspace’s, with a problem on referralCode, and enrols nobody', async () => {
    const friendId = await customer();
    const unknown = await join(friendId, 'NOSUCH99', 422);
    expect(unknown).toMatchObject({ code: 'LOYALTY.REFERRAL_CODE_UNKNOWN', errors: [{ field: 'referralCode' }] });
    expect(unknown.title).toMatch(/קוד ההפניה/);
    const en = await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/members',
      payload: { customerId: friendId, referralCode: 'NOSUCH99' },
      headers: { 'accept-language': 'en' },
    });
    expect(en.json().title).toMatch(/Unknown referral code/);
    const other = await workspaceWithClub(t, 'עסק אחר', club);
    const foreign = await referrer({}, other);
    expect((await join(friendId, foreign.code, 422)).code).toBe('LOYALTY.REFERRAL_CODE_UNKNOWN');
    expect((await call('GET', `/api/v1/loyalty/members/${friendId}`, undefined, 404)).code).toBe('LOYALTY.NOT_MEMBER');
  });

  it('moves a merged referrer’s referrals to the survivor, who is rewarded once; a merged pair is no referral', async () => {
    const merged = await referrer();
    const survivor = await referrer();
    const friendId = await customer();
    await join(friendId, merged.code);
    await call('POST', `/api/v1/customers/${survivor.id}/merge`, { otherId: merged.id }, 200);
    expect(await referralsOf(merged.id)).toEqual([]);
    expect((await referralsOf(survivor.id)).map((r) => r.status)).toEqual(['pending']);
    const placed = new Date();
    await order(friendId, '30.00');
    await deliver();
    expect(await qualify(addDays(placed, 15))).toBe(1);
    expect(await member(survivor.id)).toMatchObject({ available: 120 });
    // The referrer and its friend found to be one person: the pending referral is refused.
    const r = await referrer();
    const twin = await customer();
    await join(twin, r.code);
    await call('POST', `/api/v1/customers/${r.id}/merge`, { otherId: twin }, 200);
    expect(await referralsOf(r.id)).toMatchObject([{ status: 'refused', reason: 'self_referral', friendId: r.id }]);
    const timeline = await call('GET', `/api/v1/customers/${r.id}/timeline`, undefined, 200);
    const ids = timeline.items.map((e: Json) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps one referral that counts when two referred friends turn out to be one person', async () => {
    const first = await referrer();
    const second = await referrer();
    const survivor = await customer();
    const merged = await customer();
    await join(survivor, second.code);
    await join(merged, first.code);
    await call('POST', `/api/v1/customers/${survivor}/merge`, { otherId: merged }, 200);
    // The earlier referral counts; the other is kept, refused, with why.
    expect(await referralsOf(second.id)).toMatchObject([{ status: 'pending', friendId: survivor }]);
    expect(await referralsOf(first.id)).toMatchObject([{ status: 'refused', reason: 'merged', friendId: survivor }]);
    const placed = new Date();
    await order(survivor, '30.00');
    await deliver();
    expect(await qualify(addDays(placed, 15))).toBe(1);
    expect(await member(second.id)).toMatchObject({ available: 120 });
    expect(await member(first.id)).toMatchObject({ available: 0 });
    expect((await bonuses(survivor)).map((b) => b.points)).toEqual([40]);
  });

  it('qualifies on the next purchase when the first was refunded in full, and takes a second code as already referred', async () => {
    const r = await referrer();
    const other = await referrer();
    const friendId = await customer();
    // The public join page's order: the referral first, then the enrolment, in one transaction at one time.
    const now = new Date();
    const referral = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      referFriend(trx, systemCtx(ws.workspaceId), { friendCustomerId: friendId, referralCode: r.code }, now),
    );
    expect(referral).toMatchObject({ status: 'pending', referrerId: r.id });
    await call('POST', '/api/v1/loyalty/members', { customerId: friendId }, 201);
    const second = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      referFriend(trx, systemCtx(ws.workspaceId), { friendCustomerId: friendId, referralCode: other.code }, now),
    );
    expect(second).toMatchObject({ status: 'refused', reason: 'already_referred', referrerId: other.id });
    const placed = new Date();
    const first = await order(friendId, '50.00');
    await deliver();
    await call('POST', `/api/v1/orders/${first.id}/refunds`, { amount: '50.00' }, 201);
    await order(friendId, '20.00');
    await deliver();
    expect(await qualify(addDays(placed, 15))).toBe(1);
    const [qualified] = await referralsOf(r.id);
    expect(qualified).toMatchObject({ status: 'qualified', referrerPoints: 120, friendPoints: 40 });
    expect(qualified?.orderId).not.toBe(first.id);
    expect(await referralsOf(other.id)).toMatchObject([{ status: 'refused', reason: 'already_referred' }]);
  });

  it('reports the qualification to the earning rules: a rule for referral_qualified gives the referrer more, once', async () => {
    const w = await workspaceWithClub(t, 'הפניות וכללים', club);
    await call(
      'PUT',
      '/api/v1/loyalty/referrals/settings',
      { enabled: true, referrerPoints: 100, friendPoints: 50 },
      200,
      w,
    );
    await call(
      'POST',
      '/api/v1/loyalty/rules',
      { name: 'בונוס הפניה', kind: 'event', eventType: 'referral_qualified', points: 30 },
      201,
      w,
    );
    const r = await referrer({}, w);
    const friendId = await customer({}, w);
    await join(friendId, r.code, 201, w);
    const placed = new Date();
    await order(friendId, '40.00', w);
    await deliver(w);
    expect(await qualify(addDays(placed, 15), w)).toBe(1);
    expect(await qualify(addDays(placed, 16), w)).toBe(0);
    expect(await member(r.id, w)).toMatchObject({ available: 130 });
    expect(await member(friendId, w)).toMatchObject({ available: 50 });
  });

  it('counts no referral while referrals are switched off', async () => {
    const w = await workspaceWithClub(t, 'בלי הפניות', club);
    await call(
      'PUT',
      '/api/v1/loyalty/referrals/settings',
      { enabled: false, referrerPoints: 10, friendPoints: 10 },
      200,
      w,
    );
    const r = await referrer({}, w);
    const friendId = await customer({}, w);
    expect((await join(friendId, r.code, 201, w)).referral).toMatchObject({
      status: 'refused',
      reason: 'referrals_off',
    });
  });

  it('lets an analyst read referrals and their settings but not change them; exports and erases them', async () => {
    const analyst = await ws.keyFor('analyst');
    const get = (url: string) => ws.request({ method: 'GET', url, key: analyst });
    expect((await get('/api/v1/loyalty/referrals')).statusCode).toBe(200);
    const settings = await get('/api/v1/loyalty/referrals/settings');
    expect(settings.json()).toMatchObject({ enabled: true, referrerPoints: 120, friendPoints: 40 });
    const put = await ws.request({
      method: 'PUT',
      url: '/api/v1/loyalty/referrals/settings',
      payload: { enabled: false, referrerPoints: 1, friendPoints: 1 },
      key: analyst,
    });
    expect(put.statusCode).toBe(403);
    const r = await referrer();
    const link = await call('GET', `/api/v1/loyalty/members/${r.id}/referral-link`, undefined, 200);
    expect(link).toMatchObject({ code: r.code, referrerPoints: 120, friendPoints: 40 });
    const { publicKey } = await call('GET', '/api/v1/loyalty/program', undefined, 200);
    expect(link.link).toMatch(new RegExp(`^https?://[^/]+/club/${publicKey}/join\\?ref=${r.code}$`));
    const friendId = await customer();
    await join(friendId, r.code);
    const exported = await call('GET', `/api/v1/customers/${r.id}/export`, undefined, 200);
    expect(JSON.stringify(exported)).toContain(r.code);
    await call('POST', `/api/v1/customers/${r.id}/erase`, undefined, 200);
    const [kept] = await referralsOf(r.id);
    expect(kept).toMatchObject({ status: 'pending', code: '' });
  });
});
