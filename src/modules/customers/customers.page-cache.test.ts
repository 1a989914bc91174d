import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../../test/harness.ts';

// The cache keeps pages only where PostgreSQL can tell every process what changed.
const onPostgres = testDatabaseKind === 'postgres';

let t: TestApp;
let ws: TestWorkspace;
/** Another process's connection, as `klient admin` or a second server would have. */
let other: pg.Client;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'דפי לקוח בזיכרון');
  if (onPostgres) {
    other = new pg.Client({ connectionString: process.env.KLIENT_TEST_PG_URL });
    await other.connect();
  }
});

afterAll(async () => {
  await other?.end();
});

async function page(id: string): Promise<Json> {
  const res = await ws.request({ method: 'GET', url: `/api/v1/customers/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function newCustomer(firstName: string): Promise<string> {
  const res = await ws.request({
    method: 'POST',
    url: '/api/v1/customers',
    payload: { firstName, lastName: 'מזרחי', email: `${randomToken(6).toLowerCase()}@example.co.il` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Waits until the server's standing listener is up, so pages are kept. */
async function cacheLive() {
  expect(await eventually(async () => t.database.notifications?.live === true)).toBe(true);
}

describe.runIf(onPostgres)('customer pages kept in memory (PostgreSQL)', () => {
  it('answers a page from memory until a change is heard', async () => {
    await cacheLive();
    const id = await newCustomer('רונית');
    expect((await page(id)).firstName).toBe('רונית');
    // The create's notification reaches each listening connection in turn; let them all arrive, then read once more.
    await new Promise((r) => setTimeout(r, 100));
    expect((await page(id)).firstName).toBe('רונית');
    // A write that sends no notification (triggers off for this session) is invisible: the page came from memory.
    await other.query(`begin; set local session_replication_role = replica;
      update customers set first_name = 'שקטה' where id = '${id}'; commit`);
    expect((await page(id)).firstName).toBe('רונית');
    // Another process's change, with its notification: the next reads show it.
    await other.query(`update customers set first_name = 'רונה' where id = $1`, [id]);
    expect(await eventually(async () => (await page(id)).firstName === 'רונה')).toBe(true);
  });

  it('shows a change made through this server on the very next read', async () => {
    await cacheLive();
    const id = await newCustomer('אביגיל');
    for (let i = 0; i < 15; i++) {
      await page(id);
      const note = `הערה ${i}`;
      const res = await ws.request({ method: 'POST', url: `/api/v1/customers/${id}/notes`, payload: { body: note } });
      expect(res.statusCode, res.body).toBe(201);
      const timeline = (await page(id)).timeline.items as Json[];
      expect(timeline[0]?.data?.body).toBe(note);
      const renamed = await ws.request({
        method: 'PATCH',
        url: `/api/v1/customers/${id}`,
        payload: { lastName: `לוי ${i}` },
      });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect((await page(id)).lastName).toBe(`לוי ${i}`);
    }
  });

  it('drops a customer page when one of its orders arrives from another process', async () => {
    await cacheLive();
    const id = await newCustomer('מאיה');
    expect((await page(id)).timeline.items.some((e: Json) => e.type === 'order.placed')).toBe(false);
    const orderId = crypto.randomUUID();
    await other.query(
      `insert into orders (workspace_id, id, customer_id, placed_at, channel, total, items_count, currency)
       values ($1, $2, $3, now(), 'store', 42, 1, 'ILS')`,
      [ws.workspaceId, orderId, id],
    );
    expect(await eventually(async () => (await page(id)).timeline.items.some((e: Json) => e.refId === orderId))).toBe(
      true,
    );
  });

  it('forgets everything when the listener is cut off, and serves fresh pages meanwhile', async () => {
    await cacheLive();
    const id = await newCustomer('נועה');
    await new Promise((r) => setTimeout(r, 100));
    await page(id);
    await other.query(`begin; set local session_replication_role = replica;
      update customers set first_name = 'נועה שקטה' where id = '${id}'; commit`);
    // Cut this server's standing listener off; the cache cannot trust what it holds.
    const cut = await other.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [`klient-listener-${process.pid}`],
    );
    expect(cut.rowCount).toBe(1);
    expect(await eventually(async () => (await page(id)).firstName === 'נועה שקטה')).toBe(true);
    await cacheLive();
  });
});

describe.runIf(!onPostgres)('customer pages on PGlite', () => {
  it('are read from the database every time', async () => {
    const id = await newCustomer('תמר');
    expect(t.database.notifications).toBeUndefined();
    expect((await page(id)).firstName).toBe('תמר');
  });
});
