import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { dispatchEvents } from '../../platform/events.ts';
import { declaredTimelineSources } from '../../platform/registry.ts';
import { registerTimelineSource, unregisterTimelineSource } from '../../platform/timeline-sources.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { enqueueMessage } from '../messaging/messaging.service.ts';

let t: TestApp;
let ws: TestWorkspace;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'ציר זמן');
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<Json> {
  const res = await ws.request({ method, url, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/** Which source of the catalogue an event type comes from, as the modules declare; a type of none is recorded. */
const sourceOf = (type: string): string =>
  [...declaredTimelineSources()].find(([, source]) => source.eventTypes.includes(type))?.[0] ?? 'recorded';

describe('timeline sources, one catalogue', () => {
  it("gives the customer page's first 20 events exactly as the timeline API's first 20, for every source", async () => {
    const customer = await call('POST', '/api/v1/customers?allowDuplicate=true', {
      firstName: 'נועה',
      lastName: 'כהן',
      phone: `05${Math.floor(20_000_000 + Math.random() * 70_000_000)}`,
    });
    // A club member: each order also earns points (loyalty's source), and joining put a tier on the timeline.
    await call('PUT', '/api/v1/loyalty/program', { name: 'מועדון', tiers: [{ name: 'חברים', threshold: 0 }] });
    await call('POST', '/api/v1/loyalty/members', { customerId: customer.id });
    // Every source writes in turn, so the newest 20 interleave them: notes (recorded), consents, orders, points,
    // messages.
    for (let i = 0; i < 9; i++) {
      await call('POST', `/api/v1/customers/${customer.id}/notes`, { body: `שיחה ${i}: ביקשה להחליף מידה` });
      await call('POST', `/api/v1/customers/${customer.id}/consents`, {
        channel: i % 2 ? 'sms' : 'email',
        status: i % 3 ? 'granted' : 'revoked',
        source: 'store-form',
      });
      await call('POST', '/api/v1/orders', {
        externalId: `tl-${i}-${randomToken(4)}`,
        customerId: customer.id,
        placedAt: new Date().toISOString(),
        channel: 'store',
        items: [{ sku: 'shirt', name: 'חולצה', quantity: 1, unitPrice: '89.90' }],
      });
      await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        enqueueMessage(trx, systemCtx(ws.workspaceId), t.jobs, {
          channel: 'email',
          to: 'noa.cohen@example.co.il',
          customerId: customer.id,
          subject: `ההזמנה שלך ${i} בדרך`,
          text: 'ההזמנה יצאה מהמחסן',
          purpose: 'commerce.shipping',
          module: 'commerce',
          idempotencyKey: `tl:${customer.id}:${i}`,
        }),
      );
      await dispatchEvents(t.database.db, { batch: 10_000, workspaceId: ws.workspaceId });
    }
    const page = await call('GET', `/api/v1/customers/${customer.id}`);
    const api = await call('GET', `/api/v1/customers/${customer.id}/timeline?limit=20`);
    expect(page.timeline.items).toHaveLength(20);
    expect(page.timeline.items).toEqual(api.items);
    expect(page.timeline.nextCursor).toBe(api.nextCursor);

    // The rest follow from the cursor, without a gap or a repeat.
    const rest = await call('GET', `/api/v1/customers/${customer.id}/timeline?limit=100&cursor=${api.nextCursor}`);
    const all = [...api.items, ...rest.items];
    expect(all).toHaveLength(1 + 1 + 9 * 5);
    expect(new Set(all.map((e: Json) => e.id)).size).toBe(all.length);
    const times = all.map((e: Json) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // Every source in the catalogue showed up, in the page's 20 too: a source added without a
    // case here (and data above that produces it) fails this test.
    const catalogue = await inSystem(t.database.db, (trx) =>
      sql<{ name: string }>`select name from klient_system.timeline_sources order by name`.execute(trx),
    );
    const registered = catalogue.rows.map((r) => r.name);
    // What the migrations registered is what the modules declare (src/modules/*/*.module.ts, `timeline.sources`).
    expect(registered).toEqual([...declaredTimelineSources().keys()].sort());
    expect(registered).toEqual(['commerce.orders', 'customers.events', 'loyalty.club', 'messaging.messages']);
    const seen = new Set(all.map((e: Json) => sourceOf(e.type)));
    const seenOnPage = new Set(page.timeline.items.map((e: Json) => sourceOf(e.type)));
    for (const name of registered) {
      expect(seen, `events of ${name}`).toContain(name);
      expect(seenOnPage, `events of ${name} on the page`).toContain(name);
    }
  });

  it("puts a source a module's migration registers on both the page and the timeline API, and takes it off again", async () => {
    const customer = await call('POST', '/api/v1/customers?allowDuplicate=true', {
      firstName: 'אורי',
      lastName: 'לוי',
    });
    const db = t.database.db as never;
    const fn = `klient_test_visits_${randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
    // A later module's events function (a mystery-shopping visit), limited to this test's customer.
    await inSystem(t.database.db, (trx) =>
      sql
        .raw(
          `create function ${fn}(ws uuid, customer uuid)
           returns table (id uuid, type text, occurred_at timestamptz, ref_id uuid, data jsonb)
           language sql stable as $fn$
             select '${crypto.randomUUID()}'::uuid, 'visit.made'::text, timestamptz '2030-01-01 09:00+02', null::uuid,
               '{"branch": "חיפה"}'::jsonb
             where customer = '${customer.id}'::uuid
           $fn$`,
        )
        .execute(trx),
    );
    const name = `test.visits.${fn}`;
    try {
      await registerTimelineSource(db, { name, eventsFunction: fn, module: 'test' });
      const page = await call('GET', `/api/v1/customers/${customer.id}`);
      const api = await call('GET', `/api/v1/customers/${customer.id}/timeline?limit=20`);
      expect(page.timeline.items.map((e: Json) => e.type)).toEqual(['visit.made', 'customer.created']);
      expect(page.timeline.items).toEqual(api.items);
      expect(api.items[0].data).toEqual({ branch: 'חיפה' });
    } finally {
      await unregisterTimelineSource(db, name);
      await inSystem(t.database.db, (trx) => sql.raw(`drop function ${fn}(uuid, uuid)`).execute(trx));
    }
    const after = await call('GET', `/api/v1/customers/${customer.id}/timeline?limit=20`);
    expect(after.items.map((e: Json) => e.type)).toEqual(['customer.created']);
    const pageAfter = await call('GET', `/api/v1/customers/${customer.id}`);
    expect(pageAfter.timeline.items.map((e: Json) => e.type)).toEqual(['customer.created']);
  });
});
