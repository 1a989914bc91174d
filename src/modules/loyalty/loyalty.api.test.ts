import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, addMonths } from 'date-fns';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { uploadImport, waitForImport } from '../../test/uploads.ts';
import { maintainLoyalty } from './loyalty.jobs.ts';

let t: TestApp;
let ws: TestWorkspace;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object, status?: number, w = ws) {
  const res = await w.request({ method, url, ...(payload ? { payload } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json() as Json;
}

const club = {
  name: 'מועדון החברים של קפה נחת',
  earnPoints: 1,
  earnPerAgorot: 100,
  redeemPoints: 100,
  redeemValueAgorot: 500,
  pendingDays: 14,
  expiryMode: 'batch',
  expiryMonths: 12,
  qualification: 'rolling_12',
  tierBasis: 'spend',
  downgrade: 'one_tier',
  tiers: [
    { name: 'כסף', threshold: 0 },
    { name: 'זהב', threshold: 100_000, earnMultiplierPct: 150 },
    { name: 'פלטינה', threshold: 500_000, earnMultiplierPct: 200, earlyAccess: true },
  ],
};

async function newMember(w = ws) {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `חבר-${randomToken(3)}` },
    201,
    w,
  );
  const member = await call(
    'POST',
    '/api/v1/loyalty/members',
    { customerId: customer.id, messagesConsent: true },
    201,
    w,
  );
  return { customerId: customer.id as string, member };
}

async function order(customerId: string, total: string, placedAt: string, w = ws) {
  return call(
    'POST',
    '/api/v1/orders',
    {
      externalId: `pos-${randomToken(6)}`,
      customerId,
      placedAt,
      channel: 'store',
      items: [{ sku: 'latte', name: 'לאטה', quantity: 1, unitPrice: total }],
    },
    201,
    w,
  );
}

const member = (customerId: string, w = ws) => call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200, w);
// Each test's own workspace's events only: other test files share the database on PostgreSQL.
const deliver = (w = ws) => dispatchEvents(t.database.db, { batch: 10_000, workspaceId: w.workspaceId });
// The test's own workspace only: other test files share the database, each at its own time.
const maintain = (now: Date) => maintainLoyalty(t.database.db, now, { workspaceId: ws.workspaceId });

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'קפה נחת');
  await call('PUT', '/api/v1/loyalty/program', club, 200);
});

describe('the club settings', () => {
  it('keeps the settings and tiers, lowest first, and refuses thresholds out of order', async () => {
    const program = await call('GET', '/api/v1/loyalty/program', undefined, 200);
    expect(program.tiers.map((t: Json) => [t.name, t.rank, t.threshold])).toEqual([
      ['כסף', 1, 0],
      ['זהב', 2, 100_000],
      ['פלטינה', 3, 500_000],
    ]);
    const bad = await call(
      'PUT',
      '/api/v1/loyalty/program',
      {
        ...club,
        tiers: [
          { name: 'א', threshold: 10 },
          { name: 'ב', threshold: 5 },
        ],
      },
      400,
    );
    expect(bad.errors[0].field).toBe('body.tiers.1.threshold');
    const other = await createTestWorkspace(t, 'בלי מועדון');
    const none = await call('GET', '/api/v1/loyalty/program', undefined, 404, other);
    expect(none.code).toBe('LOYALTY.NO_PROGRAM');
  });

  it('lets a marketer set the club up, an agent only read it, and a shopper nothing', async () => {
    const marketer = await ws.keyFor('marketer');
    const agent = await ws.keyFor('agent');
    const shopper = await ws.keyFor('shopper');
    expect(
      (await ws.request({ method: 'PUT', url: '/api/v1/loyalty/program', payload: club, key: marketer })).statusCode,
    ).toBe(200);
    expect(
      (await ws.request({ method: 'PUT', url: '/api/v1/loyalty/program', payload: club, key: agent })).statusCode,
    ).toBe(403);
    expect((await ws.request({ method: 'GET', url: '/api/v1/loyalty/program', key: agent })).statusCode).toBe(200);
    expect((await ws.request({ method: 'GET', url: '/api/v1/loyalty/program', key: shopper })).statusCode).toBe(403);
  });
});

describe('members and their points', () => {
  it('enrols once, in the entry tier, with a referral code of its own', async () => {
    const { customerId, member: joined } = await newMember();
    expect(joined).toMatchObject({
      customerId,
      tier: { name: 'כסף' },
      available: 0,
      pending: 0,
      messagesConsent: true,
    });
    expect(joined.referralCode).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    const again = await call('POST', '/api/v1/loyalty/members', { customerId }, 200);
    expect(again.referralCode).toBe(joined.referralCode);
    const list = await call('GET', '/api/v1/loyalty/members?limit=200', undefined, 200);
    expect(list.items.filter((m: Json) => m.customerId === customerId)).toHaveLength(1);
  });

  it('earns pending points for an order, makes them available after the return window, once', async () => {
    const { customerId } = await newMember();
    const placed = new Date();
    await order(customerId, '120.50', placed.toISOString());
    await deliver();
    await deliver();
    let m = await member(customerId);
    expect(m).toMatchObject({ available: 0, pending: 120 });
    expect(m.pendingLots).toEqual([{ points: 120, releaseAt: addDays(placed, 14).toISOString() }]);
    // A day early nothing moves; after the window the points are available; a second run changes nothing.
    await maintain(addDays(placed, 13));
    expect(await member(customerId)).toMatchObject({ available: 0, pending: 120 });
    await maintain(addDays(placed, 15));
    await maintain(addDays(placed, 16));
    m = await member(customerId);
    expect(m).toMatchObject({ available: 120, pending: 0, availableValue: '6.00', lifetimePoints: 120 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items.map((l: Json) => [l.kind, l.points, l.released])).toEqual([
      ['release', 0, 120],
      ['earn', 120, 0],
    ]);
  });

  it('takes back points for a refund, in proportion, and leaves a debt when they were spent', async () => {
    const { customerId } = await newMember();
    const placed = new Date();
    const o = await order(customerId, '200.00', placed.toISOString());
    await deliver();
    await maintain(addDays(placed, 15));
    expect(await member(customerId)).toMatchObject({ available: 200 });
    await call('POST', `/api/v1/orders/${o.id}/refunds`, { amount: '50.00' }, 201);
    await deliver();
    expect(await member(customerId)).toMatchObject({ available: 150, inDebt: false });
    // Staff take 140 of the 150 left; refunding the rest of the order owes 150 more: a debt of 140.
    await call('POST', `/api/v1/loyalty/members/${customerId}/adjustments`, { points: -140, note: 'תיקון ידני' }, 201);
    await call('POST', `/api/v1/orders/${o.id}/refunds`, { amount: '150.00' }, 201);
    await deliver();
    const m = await member(customerId);
    expect(m).toMatchObject({ available: -140, inDebt: true, availableValue: '0.00' });
    // The next points pay the debt first.
    await call('POST', `/api/v1/loyalty/members/${customerId}/adjustments`, { points: 200, note: 'פיצוי' }, 201);
    expect(await member(customerId)).toMatchObject({ available: 60, inDebt: false });
  });

  it('moves a member up a tier as soon as the spend reaches it, with the multiplier from then on', async () => {
    const { customerId } = await newMember();
    await order(customerId, '1000.00', new Date().toISOString());
    await deliver();
    let m = await member(customerId);
    expect(m).toMatchObject({ tier: { name: 'זהב' }, pending: 1000, qualifyingValue: 100_000 });
    expect(m.nextTier).toMatchObject({ name: 'פלטינה', remaining: 400_000 });
    await order(customerId, '100.00', new Date().toISOString());
    await deliver();
    m = await member(customerId);
    expect(m.pending).toBe(1150);
    const timeline = await call('GET', `/api/v1/customers/${customerId}/timeline`, undefined, 200);
    const types = timeline.items.map((e: Json) => e.type);
    expect(types).toContain('loyalty.tier_changed');
    expect(types).toContain('loyalty.points');
  });

  it('reviews a tier at the end of its period: one tier down, and not again on a second run', async () => {
    const { customerId } = await newMember();
    await order(customerId, '5000.00', new Date().toISOString());
    await deliver();
    expect((await member(customerId)).tier.name).toBe('פלטינה');
    const later = addMonths(new Date(), 13);
    await maintain(later);
    await maintain(addDays(later, 1));
    const m = await member(customerId);
    expect(m.tier.name).toBe('זהב');
  });

  it('expires each earning after its months, spent or not', async () => {
    const { customerId } = await newMember();
    const placed = new Date();
    await order(customerId, '80.00', placed.toISOString());
    await deliver();
    await maintain(addDays(placed, 15));
    expect(await member(customerId)).toMatchObject({ available: 80 });
    await maintain(addMonths(placed, 12));
    await maintain(addMonths(placed, 13));
    expect(await member(customerId)).toMatchObject({ available: 0 });
    const ledger = await call('GET', `/api/v1/loyalty/members/${customerId}/ledger`, undefined, 200);
    expect(ledger.items[0]).toMatchObject({ kind: 'expire', points: -80 });
  });

  it('refuses what it cannot do: another workspace’s member, a non-member, taking more than there is', async () => {
    const { customerId } = await newMember();
    const other = await createTestWorkspace(t, 'עסק אחר');
    await call('PUT', '/api/v1/loyalty/program', club, 200, other);
    expect((await call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 404, other)).code).toBe(
      'LOYALTY.NOT_MEMBER',
    );
    const stranger = await call('POST', '/api/v1/customers?allowDuplicate=true', { firstName: 'לא חבר' }, 201);
    expect(
      (await call('POST', `/api/v1/loyalty/members/${stranger.id}/adjustments`, { points: 5, note: 'x' }, 404)).code,
    ).toBe('LOYALTY.NOT_MEMBER');
    const short = await call(
      'POST',
      `/api/v1/loyalty/members/${customerId}/adjustments`,
      { points: -5, note: 'x' },
      409,
    );
    expect(short.code).toBe('LOYALTY.INSUFFICIENT_POINTS');
    expect(await member(customerId)).toMatchObject({ available: 0 });
    const agent = await ws.keyFor('agent');
    const denied = await ws.request({
      method: 'POST',
      url: `/api/v1/loyalty/members/${customerId}/adjustments`,
      payload: { points: 5, note: 'x' },
      key: agent,
    });
    expect(denied.statusCode).toBe(403);
  });

  it('moves points and tier to the survivor of a merge, counting nothing twice', async () => {
    const a = await newMember();
    const b = await newMember();
    await call('POST', `/api/v1/loyalty/members/${a.customerId}/adjustments`, { points: 70, note: 'א' }, 201);
    await order(b.customerId, '1200.00', new Date().toISOString());
    await deliver();
    await call('POST', `/api/v1/loyalty/members/${b.customerId}/adjustments`, { points: 30, note: 'ב' }, 201);
    await call('POST', `/api/v1/customers/${a.customerId}/merge`, { otherId: b.customerId }, 200);
    const m = await member(a.customerId);
    expect(m).toMatchObject({ available: 100, pending: 1200, tier: { name: 'זהב' }, qualifyingValue: 120_000 });
    await inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
      const sums = await trx
        .selectFrom('loyalty_entries')
        .select((eb) => eb.fn.sum<string>('amount').as('n'))
        .where('workspace_id', '=', systemCtx(ws.workspaceId).workspaceId)
        .where('customer_id', 'in', [a.customerId, b.customerId])
        .executeTakeFirstOrThrow();
      expect(Number(sums.n)).toBe(1300);
    });
  });

  it('counts the spend of a customer merged into a member at its tier review', async () => {
    const survivor = await newMember();
    const merged = await newMember();
    await order(merged.customerId, '1200.00', new Date().toISOString());
    await deliver();
    await call('POST', `/api/v1/customers/${survivor.customerId}/merge`, { otherId: merged.customerId }, 200);
    expect((await member(survivor.customerId)).tier.name).toBe('זהב');
    // The survivor's review falls due now: its own spend is nothing, the merged customer's 1,200 ₪ keeps it in gold.
    await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .updateTable('loyalty_members')
        .set({ tier_review_at: new Date(Date.now() - 60_000) })
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', survivor.customerId)
        .execute(),
    );
    await maintain(new Date());
    const after = await member(survivor.customerId);
    expect(after.tier.name).toBe('זהב');
    expect(new Date(after.tierReviewAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('reports the club as an accountant reads it: every figure a sum over the ledger', async () => {
    const w = await createTestWorkspace(t, 'דוח מועדון');
    await call('PUT', '/api/v1/loyalty/program', club, 200, w);
    const a = await newMember(w);
    const b = await newMember(w);
    await call('POST', `/api/v1/loyalty/members/${a.customerId}/adjustments`, { points: 300, note: 'פתיחה' }, 201, w);
    await call('POST', `/api/v1/loyalty/members/${b.customerId}/adjustments`, { points: 100, note: 'פתיחה' }, 201, w);
    await call('POST', `/api/v1/loyalty/members/${a.customerId}/adjustments`, { points: -60, note: 'מימוש' }, 201, w);
    await order(b.customerId, '50.00', new Date().toISOString(), w);
    await deliver(w);
    const report = await call('GET', '/api/v1/loyalty/report', undefined, 200, w);
    expect(report.members).toMatchObject({ total: 2, byTier: [{ name: 'כסף', count: 2 }] });
    expect(report.points.outstanding).toEqual({ available: 340, pending: 50 });
    const month = new Date().toISOString().slice(0, 7);
    expect(report.points.byMonth).toEqual([{ month, issued: 450, takenBack: 60, redeemed: 0, expired: 0 }]);
    // Taking points back by hand is no redemption: nothing redeemed or expired yet, so all 390 are expected used.
    expect(report.liability).toEqual({ points: 390, pointValueAgorot: 5, expectedRedemptionRate: 1, amount: '19.50' });
    // The accountant's query of docs/loyalty-liability.md, run on the ledger, gives the same figure.
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/loyalty-liability.md'), 'utf8');
    const query = /```sql\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    expect(query).toContain('liability_agorot');
    const { rows } = await inWorkspace(t.database.db, w.workspaceId, (trx) =>
      sql
        .raw<{ liability_agorot: string }>(query.replace(':workspace', `'${w.workspaceId}'`).replace(/;\s*$/, ''))
        .execute(trx),
    );
    expect(Number(rows[0]?.liability_agorot) / 100).toBe(Number(report.liability.amount));
    const agent = await w.keyFor('shopper');
    expect((await w.request({ method: 'GET', url: '/api/v1/loyalty/report', key: agent })).statusCode).toBe(403);
  });

  it('reports tier moves month by month: up on reaching a threshold, down at the review of a quiet year', async () => {
    const w = await createTestWorkspace(t, 'דוח דרגות');
    await call('PUT', '/api/v1/loyalty/program', club, 200, w);
    const a = await newMember(w);
    await newMember(w);
    await order(a.customerId, '1200.00', new Date().toISOString(), w);
    await deliver(w);
    const month = new Date().toISOString().slice(0, 7);
    const first = await call('GET', '/api/v1/loyalty/report', undefined, 200, w);
    expect(first.members.tierMovesByMonth).toEqual([{ month, up: 1, down: 0 }]);
    // A year on with nothing bought, the review takes the member down again (the club drops one tier).
    const later = addMonths(new Date(), 13);
    await maintainLoyalty(t.database.db, later, { workspaceId: w.workspaceId });
    const report = await call('GET', '/api/v1/loyalty/report', undefined, 200, w);
    expect(report.members.tierMovesByMonth).toEqual([
      { month, up: 1, down: 0 },
      { month: later.toISOString().slice(0, 7), up: 0, down: 1 },
    ]);
  });

  it('earns for the orders an import brings, as for orders made through the API, once', async () => {
    const { customerId } = await newMember();
    const phone = `05${Math.floor(20_000_000 + Math.random() * 70_000_000)}`;
    await call('PATCH', `/api/v1/customers/${customerId}`, { phone }, 200);
    // Bought after joining (a date alone would be midnight, before the member joined: no points), to the second.
    const at = Math.ceil(Date.now() / 1000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, at - Date.now() + 5));
    const day = new Date(at).toISOString().replace('.000', '');
    const file = [
      'מספר הזמנה,טלפון לקוח,תאריך,ערוץ,מק"ט,שם מוצר,כמות,מחיר',
      `L-${randomToken(4)},${phone},${day},חנות,CRO,קרואסון חמאה,2,14.50`,
      `L-${randomToken(4)},${phone},${day},web,CAP,קפוצ׳ינו,1,16`,
      `L-${randomToken(4)},${phone},${day},web,CAKE,עוגת יום הולדת,1,1000`,
    ].join('\n');
    for (let round = 0; round < 2; round++) {
      const started = await uploadImport(ws, file, { kind: 'orders', filename: 'orders.csv' });
      expect(started.statusCode, started.body).toBe(202);
      const done = await waitForImport(ws, started.json().id);
      expect(done.errorRows, JSON.stringify(done.errors)).toBe(0);
      await deliver();
    }
    // 29, 16 and 1,000 ₪: as many points, pending, and the spend moves the member up to gold (from 1,000 ₪);
    // the second import of the same file earns nothing more.
    expect(await member(customerId)).toMatchObject({ pending: 1045, available: 0, tier: { name: 'זהב' } });
  });
});
