import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { readImportFile } from './imports.file.ts';
import { suggestMapping } from './imports.mapping.ts';
import { type PipelineInput, runImportPipeline } from './imports.pipeline.ts';

let t: TestApp;

beforeAll(async () => {
  t = await getTestApp();
});

const header = 'מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל,עיר';

/** Imports a CSV (its header line, then rows) through the pipeline, two batches in flight. */
async function importFile(
  ctx: Ctx,
  kind: 'customers' | 'orders',
  lines: string[],
  options: Partial<Pick<PipelineInput, 'batchSize' | 'onBatch' | 'locale'>> = {},
) {
  const sheet = await readImportFile(Buffer.from(lines.join('\n')), `${kind}.csv`);
  return runImportPipeline({
    db: t.database.db,
    ctx,
    kind,
    sheet,
    mapping: suggestMapping(kind, sheet.headers),
    timeZone: 'Asia/Jerusalem',
    locale: 'he',
    concurrency: 2,
    ...options,
  });
}

/** Imports a customers CSV in batches of `batchSize` rows. */
const importCustomers = (ctx: Ctx, lines: string[], batchSize: number) =>
  importFile(ctx, 'customers', [header, ...lines], { batchSize });

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
    await importFile(ctx, 'customers', ['מספר לקוח,שם פרטי,טלפון,הסכמה לדוא"ל', `T-1,הדס,${phone(900)},כן`]);
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

describe('refunds in an orders file', () => {
  it('brings each order to the refunded amount the file gives, once, and never undoes a refund', async () => {
    const ctx = await newContext();
    await importCustomers(ctx, [`R-C,רינה,שמש,${phone(700)},,`], 10);
    const importOrders = async (lines: string[]) => {
      const errors: { row: number; reason: string }[] = [];
      const totals = await importFile(
        ctx,
        'orders',
        ['מספר הזמנה,מספר לקוח,תאריך הזמנה,מק"ט,שם מוצר,כמות,מחיר יחידה,סכום זיכוי', ...lines],
        {
          onBatch: async (_trx, progress) => {
            errors.push(...progress.errors);
          },
        },
      );
      return { totals, errors };
    };
    const state = () =>
      inWorkspace(t.database.db, ctx.workspaceId, async (trx) => ({
        orders: await trx
          .selectFrom('orders')
          .select(['external_id', 'status', 'refunded_total'])
          .orderBy('external_id')
          .execute(),
        refunds: await trx.selectFrom('refunds').select(['amount']).orderBy('refunded_at').execute(),
        customer: await trx
          .selectFrom('customers')
          .select(['id', 'total_spent', 'orders_count'])
          .where('external_id', '=', 'R-C')
          .executeTakeFirstOrThrow(),
      }));
    const file = [
      'R-1,R-C,2026-03-01,bread,לחם,1,10,5',
      'R-1,R-C,2026-03-01,cake,עוגה,1,20,5',
      'R-2,R-C,2026-03-02,bread,לחם,4,10,',
      'R-3,R-C,2026-03-03,bread,לחם,1,10,15',
    ];
    const first = await importOrders(file);
    expect(first.totals).toMatchObject({ insertedRows: 3, errorRows: 1 });
    expect(first.errors).toEqual([
      { row: 5, column: 'סכום זיכוי', code: 'refund.exceeds_total', reason: 'סכום הזיכוי גדול מסכום ההזמנה' },
    ]);
    let now = await state();
    expect(now.orders).toEqual([
      { external_id: 'R-1', status: 'partially_refunded', refunded_total: '5.00' },
      { external_id: 'R-2', status: 'completed', refunded_total: '0.00' },
    ]);
    expect(now.customer).toMatchObject({ total_spent: '65.00', orders_count: 2 });
    const timeline = await lastWorkspace.request({
      method: 'GET',
      url: `/api/v1/customers/${now.customer.id}/timeline`,
    });
    expect(timeline.json().items.find((e: { type: string }) => e.type === 'order.refunded')?.data).toEqual({
      amount: '5.00',
      reason: 'import',
    });

    // The same file again refunds nothing more.
    const again = await importOrders(file.slice(0, 3));
    expect(again.totals).toMatchObject({ insertedRows: 0, updatedRows: 0, unchangedRows: 3 });
    expect((await state()).refunds).toEqual([{ amount: '5.00' }]);

    // A larger refund adds the difference; the order is now refunded whole.
    const more = await importOrders(['R-1,R-C,2026-03-01,bread,לחם,1,10,30', 'R-1,R-C,2026-03-01,cake,עוגה,1,20,30']);
    expect(more.totals).toMatchObject({ updatedRows: 2, errorRows: 0 });
    now = await state();
    expect(now.orders[0]).toEqual({ external_id: 'R-1', status: 'refunded', refunded_total: '30.00' });
    expect(now.refunds).toEqual([{ amount: '5.00' }, { amount: '25.00' }]);
    expect(now.customer.total_spent).toBe('40.00');

    // A smaller one is refused: an import does not undo a refund.
    const less = await importOrders(['R-1,R-C,2026-03-01,bread,לחם,1,10,10', 'R-1,R-C,2026-03-01,cake,עוגה,1,20,10']);
    expect(less.totals).toMatchObject({ errorRows: 2 });
    expect(less.errors[0]?.reason).toContain('זיכוי לא מבוטל');
    expect((await state()).orders[0]?.refunded_total).toBe('30.00');
  });
});

/** Imports a file through the pipeline and keeps its row errors, as the job stores them. */
async function importWithErrors(ctx: Ctx, kind: 'customers' | 'orders', lines: string[], locale: 'he' | 'en' = 'he') {
  const errors: { row: number; column: string | null; reason: string; code?: string }[] = [];
  const totals = await importFile(ctx, kind, lines, {
    locale,
    onBatch: async (_trx, p) => {
      errors.push(...p.errors);
    },
  });
  return { totals, errors: errors.sort((a, b) => a.row - b.row) };
}

describe('rows nobody can find or reach', () => {
  it('are row errors, not empty customers; an id alone only updates the customer it names', async () => {
    const ctx = await newContext();
    const head = 'מספר לקוח,שם פרטי,טלפון,דוא"ל,סניף,תגיות';
    const first = await importWithErrors(ctx, 'customers', [
      head,
      ',,,,,vip',
      'C-1,דנה,050-1234567,,סניף דיזנגוף,',
      'C-9,,,,,vip',
      'C-2,רון,050-12,,,',
    ]);
    expect(first.totals).toMatchObject({ insertedRows: 1, errorRows: 3 });
    expect(first.errors.map((e) => [e.row, e.column, e.reason])).toEqual([
      [
        2,
        null,
        'אין בשורה שם, דוא״ל או טלפון: אין דרך לזהות את הלקוח או לפנות אליו. מלאו לפחות אחד מהם או מחקו את השורה',
      ],
      [4, 'מספר לקוח', 'אין לקוח עם המספר הזה, ובשורה אין שם, דוא״ל או טלפון כדי ליצור לקוח חדש'],
      [5, 'טלפון', '"050-12" קצר מדי למספר טלפון נייד ישראלי'],
    ]);
    const stored = await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
      trx
        .selectFrom('customers as c')
        .leftJoin('branches as b', (j) =>
          j.onRef('b.workspace_id', '=', 'c.workspace_id').onRef('b.id', '=', 'c.home_branch_id'),
        )
        .select(['c.external_id', 'c.tags', 'b.name as branch'])
        .where('c.workspace_id', '=', ctx.workspaceId)
        .execute(),
    );
    // The home branch comes from the file: found by name or code, or made on first sight.
    expect(stored).toEqual([{ external_id: 'C-1', tags: [], branch: 'סניף דיזנגוף' }]);

    // An id alone reaches the customer it names.
    const again = await importWithErrors(ctx, 'customers', [head, 'C-1,,,,,קפה']);
    expect(again.totals).toMatchObject({ updatedRows: 1, errorRows: 0 });
    const tags = await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
      trx.selectFrom('customers').select('tags').where('workspace_id', '=', ctx.workspaceId).executeTakeFirstOrThrow(),
    );
    expect(tags.tags).toEqual(['קפה']);
  });

  it("says what is wrong with a phone, in the importer's language", async () => {
    const ctx = await newContext();
    const { errors } = await importWithErrors(
      ctx,
      'customers',
      ['first name,phone', 'Dana,050-12', 'Ron,050-123456789012', 'Gil,+999 1234567', 'Noa,05O-1234567'],
      'en',
    );
    expect(errors.map((e) => [e.row, e.code, e.reason])).toEqual([
      [2, 'phone.too_short', '"050-12" is too short for an Israeli mobile phone number'],
      [3, 'phone.too_long', '"050-123456789012" is too long for an Israeli mobile phone number'],
      [
        4,
        'phone.invalid_country',
        '"+999 1234567": unknown country code (write +972… or an Israeli number starting with 0)',
      ],
      [5, 'phone.not_a_number', '"05O-1234567" is not a phone number: only digits, spaces, dashes and brackets'],
    ]);
  });
});

describe('order-level fields in an orders file', () => {
  it('are taken from the rows that give them; a row that contradicts one is named by column and values', async () => {
    const ctx = await newContext();
    await importFile(ctx, 'customers', ['מספר לקוח,שם פרטי,טלפון', `C-1,דנה,${phone(500)}`]);
    const { totals, errors } = await importWithErrors(ctx, 'orders', [
      'מספר הזמנה,מספר לקוח,תאריך,מק"ט,כמות,מחיר,משלוח,הנחה',
      'A-1,C-1,2026-01-01 10:00,X,1,10,5,3',
      'A-1,,,Y,1,20,,',
      'A-2,C-1,2026-01-02,X,1,10,,',
      'A-2,C-1,2026-01-03,Y,1,10,,',
      'A-3,,,X,1,10,,',
    ]);
    expect(totals).toMatchObject({ insertedRows: 2, errorRows: 3 });
    expect(errors.map((e) => [e.row, e.column, e.reason])).toEqual([
      [4, 'מספר הזמנה', 'ההזמנה לא יובאה כי שורה אחרת שלה שגויה'],
      [5, 'תאריך', 'הערך "2026-01-03" סותר את "2026-01-02" בשורה 4 של אותה הזמנה'],
      [6, 'תאריך', 'חובה: תאריך ההזמנה — השורה הראשונה של ההזמנה ריקה בעמודה הזאת'],
    ]);
    const orders = await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
      trx
        .selectFrom('orders')
        .select(['external_id', 'total', 'shipping_total', 'discount_total', 'items_count'])
        .where('workspace_id', '=', ctx.workspaceId)
        .execute(),
    );
    // The second line of A-1 belongs to it: 10 + 20, less 3, plus 5 shipping.
    expect(orders).toEqual([
      { external_id: 'A-1', total: '32.00', shipping_total: '5.00', discount_total: '3.00', items_count: 2 },
    ]);
  });
});

describe('cancelled orders in an orders file', () => {
  it('are kept out of the customer’s count and spend; a later file may cancel or restore them', async () => {
    const ctx = await newContext();
    await importFile(ctx, 'customers', ['מספר לקוח,שם פרטי,טלפון', `C-1,דנה,${phone(600)}`]);
    const head = 'מספר הזמנה,מספר לקוח,תאריך,מק"ט,כמות,מחיר,סטטוס';
    const state = () =>
      inWorkspace(t.database.db, ctx.workspaceId, async (trx) => ({
        orders: await trx
          .selectFrom('orders')
          .select(['external_id', 'status'])
          .where('workspace_id', '=', ctx.workspaceId)
          .orderBy('external_id')
          .execute(),
        customer: await trx
          .selectFrom('customers')
          .select(['orders_count', 'total_spent'])
          .where('workspace_id', '=', ctx.workspaceId)
          .executeTakeFirstOrThrow(),
      }));
    // B-1 (10) and B-2 (20) with the statuses a file gives them: the import's counts, then what is stored.
    const rounds = [
      {
        sent: ['completed', 'cancelled'],
        counts: { insertedRows: 2 },
        kept: ['completed', 'cancelled'],
        spent: '10.00',
      },
      { sent: ['בוטלה', 'completed'], counts: { updatedRows: 2 }, kept: ['cancelled', 'completed'], spent: '20.00' },
    ];
    for (const round of rounds) {
      const [b1, b2] = round.sent;
      const done = await importWithErrors(ctx, 'orders', [
        head,
        `B-1,C-1,2026-01-01,X,1,10,${b1}`,
        `B-2,C-1,2026-01-02,X,1,20,${b2}`,
      ]);
      expect(done.totals).toMatchObject({ ...round.counts, errorRows: 0 });
      expect(await state()).toEqual({
        orders: [
          { external_id: 'B-1', status: round.kept[0] },
          { external_id: 'B-2', status: round.kept[1] },
        ],
        customer: { orders_count: 1, total_spent: round.spent },
      });
    }
  });
});
