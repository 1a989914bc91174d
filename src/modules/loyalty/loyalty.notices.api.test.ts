import { addDays, addMonths } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { maintainLoyalty } from './loyalty.jobs.ts';
import { sendLoyaltyNotices } from './loyalty.notices.ts';
import { apiCaller, type Json, workspaceWithClub } from './loyalty.test-helpers.ts';

// The club's notices through the outbox, with the clock driven by the test: the hourly maintenance releases
// pending points, the notices job tells the member once, however often or late it runs.
let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

const club = (name: string, expiry: object) => ({
  name,
  pendingDays: 14,
  tiers: [{ name: 'חברים', threshold: 0 }],
  ...expiry,
});

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(
    t,
    'קפה הנמל',
    club('מועדון הנמל', { expiryMode: 'batch', expiryMonths: 12, expiryWarningDays: 30 }),
  );
});

/** A customer with an email (or only a phone), enrolled with or without consent to the club's messages. */
async function member(consent: boolean, w = ws, contact: object = {}) {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `נועה-${randomToken(3)}`, email: `noa.${randomToken(4).toLowerCase()}@mail.example`, ...contact },
    201,
    w,
  );
  await call('POST', '/api/v1/loyalty/members', { customerId: customer.id, messagesConsent: consent }, 201, w);
  return customer.id as string;
}

async function order(customerId: string, total: string, placedAt: Date, w = ws) {
  await call(
    'POST',
    '/api/v1/orders',
    {
      externalId: `n-${randomToken(6)}`,
      customerId,
      placedAt: placedAt.toISOString(),
      channel: 'store',
      items: [{ sku: 'beans', name: 'פולי קפה', quantity: 1, unitPrice: total }],
    },
    201,
    w,
  );
}

const deliver = (w = ws) => dispatchEvents(t.database.db, { workspaceId: w.workspaceId });
const notices = (at: Date, w = ws) => sendLoyaltyNotices(t.database.db, t.jobs, at, { workspaceId: w.workspaceId });
const outbox = async (customerId: string, purpose: string, w = ws) =>
  (await call('GET', `/api/v1/messaging/outbox?customerId=${customerId}&limit=200`, undefined, 200, w)).items.filter(
    (m: Json) => m.purpose === purpose,
  ) as Json[];

describe('points that became available', () => {
  it('are announced once per member, summing the releases of one run, however often the job runs', async () => {
    const noa = await member(true);
    // Orders placed after joining earn.
    const now = new Date();
    await order(noa, '40.00', now);
    await order(noa, '25.00', now);
    await deliver();
    // Still pending: nothing to say.
    await notices(now);
    expect(await outbox(noa, 'loyalty.points_available')).toEqual([]);

    const later = addDays(now, 15);
    await maintainLoyalty(t.database.db, later, { workspaceId: ws.workspaceId });
    await notices(later);
    await notices(later);
    await notices(addDays(later, 1));
    const sent = await outbox(noa, 'loyalty.points_available');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'email', module: 'loyalty' });
    expect(sent[0]!.subject).toContain('65');
    const whole = await call('GET', `/api/v1/messaging/outbox/${sent[0]!.id}`, undefined, 200);
    expect(whole.text).toContain('65');

    // A later release is a new notice, of its own points only.
    await order(noa, '10.00', later);
    await deliver();
    const after = addDays(later, 15);
    await maintainLoyalty(t.database.db, after, { workspaceId: ws.workspaceId });
    await Promise.all([notices(after), notices(after)]);
    const both = await outbox(noa, 'loyalty.points_available');
    expect(both).toHaveLength(2);
    expect(both.map((m) => m.subject).join(' ')).toContain('10');
  });

  it('are not announced to a member without consent, and go by SMS to one with only a phone', async () => {
    const quiet = await member(false);
    const phoneOnly = await member(true, ws, { email: null, phone: '+972521234567' });
    const now = new Date();
    await order(quiet, '30.00', now);
    await order(phoneOnly, '30.00', now);
    await deliver();
    const later = addDays(now, 15);
    await maintainLoyalty(t.database.db, later, { workspaceId: ws.workspaceId });
    await notices(later);
    expect(await outbox(quiet, 'loyalty.points_available')).toEqual([]);
    const sms = await outbox(phoneOnly, 'loyalty.points_available');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ channel: 'sms', recipient: '+972521234567' });
  });
});

describe('expiry warnings', () => {
  it('warn once, the program’s warning days before a batch of points expires, and not before', async () => {
    const now = new Date();
    const dana = await member(true);
    const quiet = await member(false);
    for (const id of [dana, quiet]) {
      await call('POST', `/api/v1/loyalty/members/${id}/adjustments`, { points: 120, note: 'מתנה' }, 201);
    }
    const expires = addMonths(now, 12);
    await notices(addDays(expires, -40));
    expect(await outbox(dana, 'loyalty.expiry_warning')).toEqual([]);
    await notices(addDays(expires, -20));
    await notices(addDays(expires, -20));
    await notices(addDays(expires, -5));
    const sent = await outbox(dana, 'loyalty.expiry_warning');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain('120');
    expect(await outbox(quiet, 'loyalty.expiry_warning')).toEqual([]);
    // Once expired there is nothing left to warn of.
    await maintainLoyalty(t.database.db, addDays(expires, 1), { workspaceId: ws.workspaceId });
    await notices(addDays(expires, 1));
    expect(await outbox(dana, 'loyalty.expiry_warning')).toHaveLength(1);
  });

  it('warn once before a whole balance lapses for inactivity', async () => {
    const w = await workspaceWithClub(
      t,
      'קפה השוק',
      club('מועדון השוק', { expiryMode: 'inactivity', expiryMonths: 6, expiryWarningDays: 14 }),
    );
    const now = new Date();
    const yael = await member(true, w);
    await call('POST', `/api/v1/loyalty/members/${yael}/adjustments`, { points: 80, note: 'פתיחה' }, 201, w);
    const lapse = addMonths(now, 6);
    await notices(addDays(lapse, -20), w);
    expect(await outbox(yael, 'loyalty.expiry_warning', w)).toEqual([]);
    await notices(addDays(lapse, -7), w);
    await notices(addDays(lapse, -6), w);
    const sent = await outbox(yael, 'loyalty.expiry_warning', w);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain('80');
  });
});
