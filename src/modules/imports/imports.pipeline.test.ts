import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { readImportFile } from './imports.file.ts';
import { suggestMapping } from './imports.mapping.ts';
import { runImportPipeline } from './imports.pipeline.ts';

let t: TestApp;

beforeAll(async () => {
  t = await getTestApp();
});

const header = 'מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל,עיר';

/** Imports a customers CSV in batches of `batchSize` rows, two batches in flight. */
async function importCustomers(ctx: Ctx, lines: string[], batchSize: number) {
  const sheet = await readImportFile(Buffer.from([header, ...lines].join('\n')), 'customers.csv');
  return runImportPipeline({
    db: t.database.db,
    ctx,
    kind: 'customers',
    sheet,
    mapping: suggestMapping('customers', sheet.headers),
    timeZone: 'Asia/Jerusalem',
    locale: 'he',
    batchSize,
    concurrency: 2,
  });
}

async function customers(ctx: Ctx) {
  return inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
    trx
      .selectFrom('customers')
      .select(['external_id', 'first_name', 'last_name', 'phone', 'email', 'address'])
      .where('workspace_id', '=', ctx.workspaceId)
      .orderBy('external_id')
      .execute(),
  );
}

let lastWorkspace: TestWorkspace;

async function newContext(): Promise<Ctx> {
  lastWorkspace = await createTestWorkspace(t, 'ייבוא במקביל');
  const w = lastWorkspace;
  return {
    workspaceId: w.workspaceId,
    actor: { type: 'user', id: w.ownerId, role: 'owner', name: 'בודקת' },
    locale: 'he',
  };
}

const phone = (n: number) => `05${String(20000000 + n).padStart(8, '0')}`;

describe('customer import batches written two at a time', () => {
  it('creates two customers for two external ids that share a phone, in different batches', async () => {
    const ctx = await newContext();
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(`F-${i},בן משפחה,מספר ${i},${phone(i % 20)},,חיפה`);
    const totals = await importCustomers(ctx, lines, 4);
    expect(totals).toMatchObject({ insertedRows: 40, errorRows: 0 });
    const stored = await customers(ctx);
    expect(stored).toHaveLength(40);
    for (const c of stored) expect(c.last_name).toBe(`מספר ${c.external_id?.slice(2)}`);
    expect(stored.filter((c) => c.phone === `+972${phone(3).slice(1)}`).map((c) => c.external_id)).toEqual([
      'F-23',
      'F-3',
    ]);
  });

  it('keeps both changes when two batches reach one customer by different keys', async () => {
    const ctx = await newContext();
    const first = Array.from(
      { length: 30 },
      (_, i) => `K-${i},לקוח,ותיק ${i},${phone(100 + i)},old${i}@example.co.il,`,
    );
    await importCustomers(ctx, first, 30);
    // Each customer is reached twice in the second file: by its external id (a new last name) in one
    // batch and by its phone (a new city) in the next; the two batches are in flight at once.
    const second: string[] = [];
    for (let i = 0; i < 30; i++) second.push(`K-${i},,משפחה ${i},,,`, `,,,${phone(100 + i)},,נתניה`);
    const totals = await importCustomers(ctx, second, 1);
    expect(totals).toMatchObject({ updatedRows: 60, errorRows: 0 });
    const stored = await customers(ctx);
    expect(stored).toHaveLength(30);
    for (const [i, c] of stored.entries()) {
      const n = Number(c.external_id?.slice(2));
      expect(c.last_name, `customer ${i}`).toBe(`משפחה ${n}`);
      expect((c.address as { city?: string } | null)?.city).toBe('נתניה');
    }
  });
});

describe('an imported customer on its timeline', () => {
  it('shows its creation and consent, read from the customer and its consent history', async () => {
    const ctx = await newContext();
    const sheet = await readImportFile(
      Buffer.from(['מספר לקוח,שם פרטי,טלפון,הסכמה לדוא"ל', `T-1,הדס,${phone(900)},כן`].join('\n')),
      'c.csv',
    );
    await runImportPipeline({
      db: t.database.db,
      ctx,
      kind: 'customers',
      sheet,
      mapping: suggestMapping('customers', sheet.headers),
      timeZone: 'Asia/Jerusalem',
      locale: 'he',
    });
    const [customer] = await customers(ctx);
    const id = (
      await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
        trx.selectFrom('customers').select('id').where('external_id', '=', 'T-1').executeTakeFirstOrThrow(),
      )
    ).id;
    expect(customer?.first_name).toBe('הדס');
    const res = await lastWorkspace.request({ method: 'GET', url: `/api/v1/customers/${id}/timeline` });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { type: string; refId: string; data: Record<string, unknown> }[];
    expect(items.find((e) => e.type === 'customer.created')).toMatchObject({
      refId: id,
      data: { source: 'import', by: 'בודקת' },
    });
    expect(items.find((e) => e.type === 'consent.changed')?.data).toEqual({
      channel: 'email',
      status: 'granted',
      source: 'import',
    });
    const page = (await lastWorkspace.request({ method: 'GET', url: `/api/v1/customers/${id}` })).json();
    expect(page.timeline.items.map((e: { type: string }) => e.type).sort()).toEqual([
      'consent.changed',
      'customer.created',
    ]);
    // Nothing was copied into the recorded events.
    const copies = await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
      trx.selectFrom('timeline_events').select('id').where('customer_id', '=', id).execute(),
    );
    expect(copies).toEqual([]);
  });
});
