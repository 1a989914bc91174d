import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t);
});

describe('customers API', () => {
  it('normalises every Israeli phone format to E.164 and finds the customer by any fragment', async () => {
    const created = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'דנה', lastName: 'כהן', phone: '050-1234567', email: ' Dana.Cohen@Example.COM ' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ phone: '+972501234567', email: 'dana.cohen@example.com' });

    // Prefixes, the middle, the end, long and short fragments, both scripts.
    for (const q of ['123-45', '0501234', '+972-50-123', '23456', '4567', '972501234567', 'כה', 'dana.co']) {
      const found = await ws.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent(q)}` });
      expect(found.statusCode, q).toBe(200);
      expect(
        found.json().items.map((c: { id: string }) => c.id),
        q,
      ).toContain(created.json().id);
    }
  });

  it('detects a duplicate by phone written differently and answers 409 with the match', async () => {
    await ws.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'יוסי', phone: '0527654321' } });
    const dup = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'יוסף', phone: '+972-52-765-4321' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.headers['content-type']).toContain('application/problem+json');
    expect(dup.json().code).toBe('CUSTOMER.DUPLICATE');
    expect(dup.json().duplicates[0].firstName).toBe('יוסי');
  });

  it('names each bad field in Hebrew by default and in English on request', async () => {
    const he = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'א', email: 'nope', phone: '12' },
    });
    expect(he.statusCode).toBe(400);
    expect(he.json().errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'email', message: 'כתובת דוא״ל לא תקינה' }),
        expect.objectContaining({ field: 'phone', message: 'מספר טלפון לא תקין' }),
      ]),
    );
    const en = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { 'accept-language': 'en-US' },
      payload: { firstName: 7, unknownField: 1 },
    });
    expect(en.statusCode).toBe(400);
    expect(en.json().errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'firstName', message: 'Wrong type of value' }),
        expect.objectContaining({ field: 'unknownField', message: 'Unknown field' }),
      ]),
    );
  });

  it('refuses a phone with letters in it rather than silently dropping them', async () => {
    const res = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'טל', phone: '0521234567x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('phone');
  });

  it('lists each identity once after merging two records that share a phone', async () => {
    const a = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 'עדי', phone: '054-5550001' },
    });
    const b = await ws.request({
      method: 'POST',
      url: '/api/v1/customers?allowDuplicate=true',
      payload: { firstName: 'עדי', lastName: 'רז', phone: '0545550001', email: 'adi@example.co.il' },
    });
    const merged = await ws.request({
      method: 'POST',
      url: `/api/v1/customers/${a.json().id}/merge`,
      payload: { otherId: b.json().id },
    });
    expect(merged.statusCode).toBe(200);
    const page = await ws.request({ method: 'GET', url: `/api/v1/customers/${a.json().id}` });
    const identities = page.json().identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`);
    expect(identities.sort()).toEqual(['email:adi@example.co.il', 'phone:+972545550001']);
  });

  it('pages a broad search (over a thousand matches) without repeats, and counts it up to 1,000', async () => {
    const wide = await createTestWorkspace(t, 'חיפוש רחב');
    await inWorkspace(t.database.db, wide.workspaceId, (trx) =>
      sql`insert into customers (workspace_id, id, first_name, last_name, search_text, created_at)
          select ${wide.workspaceId}::uuid, gen_random_uuid(), 'לקוח' || i, 'ברודיצקי',
                 'לקוח' || i || ' ברודיצקי', now() - (i || ' seconds')::interval
          from generate_series(1, 1150) i`.execute(trx),
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await wide.request({
        method: 'GET',
        url: `/api/v1/customers?q=${encodeURIComponent('ברודי')}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.total).toBe(1000);
      expect(body.totalExact).toBe(false);
      for (const c of body.items) seen.add(c.id);
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.size).toBe(1150);
    // לקוח1, לקוח10–19, לקוח100–199, לקוח1000–1150: hundreds, counted exactly.
    const hundreds = await wide.request({
      method: 'GET',
      url: `/api/v1/customers?q=${encodeURIComponent('לקוח1 ברוד')}`,
    });
    expect(hundreds.json()).toMatchObject({ total: 262, totalExact: true });
    // Two letters (someone still typing) are counted only up to 100.
    const typing = await wide.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent('בר')}` });
    expect(typing.json()).toMatchObject({ total: 100, totalExact: false });
    expect(typing.json().items).toHaveLength(25);
    const narrow = await wide.request({
      method: 'GET',
      url: `/api/v1/customers?q=${encodeURIComponent('לקוח617 ברוד')}`,
    });
    expect(narrow.json().items.map((c: { firstName: string }) => c.firstName)).toEqual(['לקוח617']);
  });
});
