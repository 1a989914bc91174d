import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'יומן פעולות');
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

async function audit(query: string, key?: string): Promise<Json> {
  const res = await ws.request({ method: 'GET', url: `/api/v1/audit${query}`, ...(key ? { key } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('audit log', () => {
  it('pages through every change, newest first, with who made it and what changed', async () => {
    const created = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'גלית', lastName: 'ברק', email: 'galit@example.co.il' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    for (const lastName of ['ברקוביץ', 'ברק-לוי', 'ברקאי']) {
      const res = await ws.request({ method: 'PATCH', url: `/api/v1/customers/${id}`, payload: { lastName } });
      expect(res.statusCode).toBe(200);
    }
    const seen: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await audit(`?entityType=customer&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.action)).toEqual([
      'customer.updated',
      'customer.updated',
      'customer.updated',
      'customer.created',
    ]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(4);
    expect(seen[0]).toMatchObject({ entityId: id, actorType: 'api_key', before: { lastName: 'ברק-לוי' } });
    expect(seen[0]?.after.lastName).toBe('ברקאי');
    const times = seen.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('refuses a forged cursor with a 400 naming it, and is closed to agents', async () => {
    const forged = Buffer.from(JSON.stringify({ at: 'not a date', id: "'; drop table audit_log; --" })).toString(
      'base64url',
    );
    const refused = await ws.request({ method: 'GET', url: `/api/v1/audit?limit=1&cursor=${forged}` });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0]).toMatchObject({ field: 'querystring.cursor', code: 'cursor.invalid' });
    const agent = await ws.keyFor('agent');
    const res = await ws.request({ method: 'GET', url: '/api/v1/audit', key: agent });
    expect(res.statusCode).toBe(403);
  });
});
