import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { apiCaller, type Json, workspaceWithClub } from './loyalty.test-helpers.ts';

// A member's earning-rule awards and events through a merge, an export and an erasure of the customer.
// (An export holds each module's part under its name: the loyalty hook's own `loyalty` is under `loyalty`.)

let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

const member = (customerId: string) => call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200);
const event = (body: object, status?: number) => call('POST', '/api/v1/loyalty/events', body, status);

async function newMember() {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `חבר-${randomToken(3)}` },
    201,
  );
  await call('POST', '/api/v1/loyalty/members', { customerId: customer.id }, 201);
  return customer.id as string;
}

const rule = (body: object) =>
  call('POST', '/api/v1/loyalty/rules', { startsAt: new Date(Date.now() - 3_600_000).toISOString(), ...body }, 201);

/** Every text the rules' tables and the ledger keep for the workspace, as one string to search in. */
const storedText = () =>
  inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
    const { rows } = await sql<{ text: string }>`
      select coalesce(string_agg(x, ' '), '') as text from (
        select event_key as x from loyalty_rule_events where workspace_id = ${ws.workspaceId}
        union all select event_key from loyalty_rule_awards where workspace_id = ${ws.workspaceId}
        union all select source_key || ' ' || note from loyalty_transactions where workspace_id = ${ws.workspaceId}
      ) s`.execute(trx);
    return rows[0]?.text ?? '';
  });

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'מועדון המיזוגים', { name: 'מועדון', pendingDays: 0 });
  await rule({ name: 'ברוכים הבאים', kind: 'event', eventType: 'joined', points: 50, maxPerMember: 1 });
  await rule({ name: 'התקנת האפליקציה', kind: 'event', eventType: 'app_installed', points: 30, maxPerMember: 1 });
});

describe('earning rules through a merge', () => {
  it('counts the merged member’s awards in the survivor’s limits and its events as received', async () => {
    const survivor = await newMember();
    const merged = await newMember();
    const installed = `install-${randomToken(6)}`;
    expect(await event({ customerId: merged, type: 'app_installed', eventId: installed }, 201)).toMatchObject({
      points: 30,
    });
    await call('POST', `/api/v1/customers/${survivor}/merge`, { otherId: merged }, 200);
    // Both joined bonuses and the merged member's install came along with the points.
    expect(await member(survivor)).toMatchObject({ available: 50 + 50 + 30 });
    // Once per member: the survivor already had it (the merged member's), so a new install gives nothing,
    // and no third joined bonus either.
    const again = { customerId: survivor, type: 'app_installed', eventId: `install-${randomToken(6)}` };
    expect(await event(again, 201)).toMatchObject({ duplicate: false, points: 0, awards: [] });
    const rejoined = { customerId: survivor, type: 'joined', eventId: `portal-${randomToken(6)}` };
    expect(await event(rejoined, 201)).toMatchObject({ points: 0 });
    // The merged member's event, sent again for the survivor, is the same event.
    expect(await event({ customerId: survivor, type: 'app_installed', eventId: installed }, 200)).toMatchObject({
      duplicate: true,
      points: 30,
    });
    expect(await member(survivor)).toMatchObject({ available: 130 });
    const exported = await call('GET', `/api/v1/customers/${survivor}/export`, undefined, 200);
    expect(exported.loyalty.loyalty.ruleAwards.map((a: Json) => [a.rule, a.points]).sort()).toEqual([
      ['ברוכים הבאים', 50],
      ['ברוכים הבאים', 50],
      ['התקנת האפליקציה', 30],
    ]);
    expect(exported.loyalty.loyalty.eventsReceived.map((e: Json) => e.eventId)).toContain(installed);
    expect(exported.loyalty.loyalty.eventsReceived).toHaveLength(5);
  });
});

describe('earning rules through an export and an erasure', () => {
  it('exports the awards and events, and erasure keeps their points but not the keys the caller sent', async () => {
    const customerId = await newMember();
    // A key a web store might send: its order number and the shopper's email.
    const key = `order-88123-dana.levi@example.com`;
    await event({ customerId, type: 'app_installed', eventId: key }, 201);
    const exported = await call('GET', `/api/v1/customers/${customerId}/export`, undefined, 200);
    expect(exported.loyalty.loyalty.ruleAwards).toEqual([
      expect.objectContaining({ rule: 'ברוכים הבאים', points: 50, eventType: 'joined', eventId: customerId }),
      expect.objectContaining({ rule: 'התקנת האפליקציה', points: 30, eventType: 'app_installed', eventId: key }),
    ]);
    expect(exported.loyalty.loyalty.eventsReceived).toEqual([
      expect.objectContaining({ type: 'joined', eventId: customerId, points: 50 }),
      expect.objectContaining({ type: 'app_installed', eventId: key, points: 30 }),
    ]);
    expect(await storedText()).toContain(key);
    await call('POST', `/api/v1/customers/${customerId}/erase`, undefined, 200);
    await call('POST', `/api/v1/customers/${customerId}/erase`, undefined, 200);
    const text = await storedText();
    expect(text).not.toContain(key);
    expect(text).not.toContain('88123');
    const kept = await inWorkspace(t.database.db, ws.workspaceId, async (trx) => ({
      events: await trx
        .selectFrom('loyalty_rule_events')
        .select(['type', 'event_key', 'points'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customerId)
        .orderBy('type')
        .execute(),
      awards: await trx
        .selectFrom('loyalty_rule_awards as a')
        .innerJoin('loyalty_transactions as t', (join) =>
          join.onRef('t.workspace_id', '=', 'a.workspace_id').onRef('t.id', '=', 'a.transaction_id'),
        )
        .select(['a.event_type', 'a.event_key', 'a.points', 'a.rule_id', 't.source_key', 't.points as booked'])
        .where('a.workspace_id', '=', ws.workspaceId)
        .where('a.customer_id', '=', customerId)
        .orderBy('a.event_type')
        .execute(),
    }));
    // The amounts stay; each key became a hash, the same in the event, its award and the award's booking.
    expect(kept.events.map((e) => [e.type, Number(e.points)])).toEqual([
      ['app_installed', 30],
      ['joined', 50],
    ]);
    for (const e of kept.events) expect(e.event_key).toMatch(/^erased:[0-9a-f]{64}$/);
    expect(kept.awards.map((a) => [a.event_type, Number(a.points), Number(a.booked)])).toEqual([
      ['app_installed', 30, 30],
      ['joined', 50, 50],
    ]);
    for (const a of kept.awards) {
      expect(a.event_key).toBe(kept.events.find((e) => e.type === a.event_type)?.event_key);
      expect(a.source_key).toMatch(new RegExp(`^rule:${a.rule_id}:award:`));
    }
  });
});
