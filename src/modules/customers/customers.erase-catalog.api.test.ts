import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inSystem, inWorkspace } from '../../db/tenancy.ts';
import { systemCtx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { uploadImport, waitForImport } from '../../test/uploads.ts';
import { deliverMessage } from '../messaging/messaging.delivery.ts';
import { enqueueMessage } from '../messaging/messaging.service.ts';

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'מחיקה מלאה');
});

/**
 * Columns that can hold text but never a person's: each with the reason. A new column that can hold
 * text is scanned like every other; one that holds the person's text after an erase fails the test.
 */
const unrelated: Record<string, string> = {};

type Column = { schema: string; table: string; column: string; type: string };

/** Every column of every table, in every schema of ours and pg-boss's, whose values can carry text. */
async function textColumns(): Promise<Column[]> {
  const { rows } = await sql<Column>`
    select c.table_schema as schema, c.table_name as table, c.column_name as column, c.data_type as type
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where t.table_type = 'BASE TABLE'
      and c.table_schema not in ('pg_catalog', 'information_schema')
      and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea', 'USER-DEFINED')
    order by 1, 2, 3`.execute(t.database.db);
  return rows;
}

/** Where any of the markers still appears, as `schema.table.column`. */
async function holding(markers: string[]): Promise<string[]> {
  const found: string[] = [];
  const columns = await textColumns();
  await inSystem(t.database.db, async (trx) => {
    for (const c of columns) {
      const ref = sql.raw(`"${c.schema}"."${c.table}"."${c.column}"`);
      const from = sql.raw(`"${c.schema}"."${c.table}"`);
      // bytea (a stored upload) is searched as its bytes; everything else as its text.
      const match =
        c.type === 'bytea'
          ? sql`position(convert_to(m, 'UTF8') in ${ref}) > 0`
          : sql`strpos(lower(${ref}::text), lower(m)) > 0`;
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from ${from}, unnest(${markers}::text[]) as m where ${match}`.execute(trx);
      if ((rows[0]?.n ?? 0) > 0) found.push(`${c.schema}.${c.table}.${c.column}`);
    }
  });
  return found;
}

/** The rows behind a finding, to say what leaked. */
async function where(markers: string[], columns: string[]) {
  const out: unknown[] = [];
  await inSystem(t.database.db, async (trx) => {
    for (const c of columns) {
      const [schema, table, column] = c.split('.') as [string, string, string];
      const ref = sql.raw(`"${schema}"."${table}"."${column}"`);
      const { rows } = await sql`select ${ref}::text as v from ${sql.raw(`"${schema}"."${table}"`)}
        where exists (select 1 from unnest(${markers}::text[]) m where strpos(lower(${ref}::text), lower(m)) > 0)`.execute(
        trx,
      );
      out.push({ c, rows });
    }
  });
  return JSON.stringify(out, null, 1);
}

async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object, status = 200) {
  const res = await ws.request({ method, url, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json() as Record<string, unknown> & { id: string };
}

describe('erasure over the whole catalog', () => {
  it('leaves none of the person’s text in any column of any table', async () => {
    // `token` marks her text; `ref` marks the business's own ids, which are not hers.
    const token = randomToken(4).toLowerCase();
    const ref = randomToken(4).toLowerCase();
    const firstName = `שולמית${token}`;
    const lastName = `זקסלר${token}`;
    const email = `shula.${token}@mail.example`;
    const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
    const phone = `054${digits}`;
    const street = `רחוב הדקלים ${token}`;

    // Every way the foundation takes in a person's text: the API, a merge, notes, consents with the
    // words shown to her, tags, an order with her addresses, a refund, imports of customers (with a bad
    // row of hers) and of orders with addresses, retries.
    const created = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { 'idempotency-key': `erase-${ref}` },
      payload: {
        firstName,
        lastName,
        email,
        phone,
        address: { city: 'חיפה', street },
        attributes: { nickname: `שולה ${token}` },
      },
    });
    expect(created.statusCode).toBe(201);
    const customer = created.json() as { id: string };
    const twin = await call(
      'POST',
      '/api/v1/customers?allowDuplicate=true',
      { firstName, lastName, email: `twin.${email}` },
      201,
    );
    await call('POST', `/api/v1/customers/${customer.id}/merge`, { otherId: twin.id });
    await call('PATCH', `/api/v1/customers/${customer.id}`, {
      conductFlag: 'warning',
      conductNote: `${firstName} צעקה על הקופאית`,
    });
    await call('POST', `/api/v1/customers/${customer.id}/notes`, { body: `${firstName} ${lastName} אוהבת עוגות` }, 201);
    await call(
      'POST',
      `/api/v1/customers/${customer.id}/consents`,
      {
        channel: 'sms',
        status: 'granted',
        source: `טופס הצטרפות של ${firstName} ${phone}`,
        textShown: `אני ${firstName} ${lastName} (${phone}) מסכימה לקבל הודעות`,
      },
      201,
    );
    await call('PUT', `/api/v1/customers/${customer.id}/tags`, { tags: [`חברה-${token}`] });
    // An order that says who paid and where it went (the reply kept for a retry quotes both).
    const placed = await ws.request({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': `order-${ref}` },
      payload: {
        externalId: `ord-${ref}`,
        customerId: customer.id,
        placedAt: '2026-11-02T10:00:00Z',
        channel: 'store',
        items: [{ sku: `cake-${ref}`, name: 'עוגת גבינה', quantity: 1, unitPrice: '80.00' }],
        paymentStatus: 'paid',
        billingAddress: { name: `${firstName} ${lastName}`, street, city: 'חיפה', phone },
        shippingAddress: { name: firstName, company: `מאפיית ${token}`, street, city: 'חיפה', zip: '3303115' },
      },
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const order = placed.json() as { id: string };
    await call('POST', `/api/v1/orders/${order.id}/refunds`, { amount: '20.00', reason: `${firstName} החזירה` }, 201);
    const upload = await uploadImport(
      ws,
      [
        'externalId,firstName,lastName,email,phone,city',
        `,${firstName},${lastName},${email},${phone},חיפה`,
        `,${firstName},${lastName},bad-${email}@@,05${digits.slice(0, 2)},חיפה`,
      ].join('\n'),
      {
        kind: 'customers',
        mapping: {
          externalId: 'externalId',
          firstName: 'firstName',
          lastName: 'lastName',
          email: 'email',
          phone: 'phone',
          city: 'city',
        },
      },
    );
    expect(upload.statusCode).toBe(202);
    const importId = (upload.json() as { id: string }).id;
    await waitForImport(ws, importId);

    // Her orders from a shop's export, with the addresses it writes.
    const orders = await uploadImport(
      ws,
      [
        'order_id,billing_email,order_date,item_sku,item_quantity,item_total,billing_full_name,billing_phone,shipping_address_1,shipping_city',
        `w-${ref},${email},2026-11-03 12:00,tea-${ref},1,40.00,${firstName} ${lastName},${phone},${street},חיפה`,
      ].join('\n'),
      { kind: 'orders' },
    );
    expect(orders.statusCode, orders.body).toBe(202);
    const ordersDone = await waitForImport(ws, (orders.json() as { id: string }).id);
    expect(ordersDone).toMatchObject({ status: 'completed', insertedRows: 1, errorRows: 0 });

    // Messages the club sent her: one naming her, and one to her number that does not (both delivered by the worker).
    const sent = await inWorkspace(t.database.db, ws.workspaceId, async (trx) => [
      await enqueueMessage(trx, systemCtx(ws.workspaceId), t.jobs, {
        channel: 'email',
        to: email,
        customerId: customer.id,
        subject: `${firstName}, ברוכה הבאה למועדון`,
        text: `שלום ${firstName} ${lastName}, הקוד שלך ${token}`,
        html: `<p>שלום ${firstName}</p>`,
        purpose: 'loyalty.welcome',
        module: 'loyalty',
        idempotencyKey: `welcome:${ref}`,
      }),
      await enqueueMessage(trx, systemCtx(ws.workspaceId), t.jobs, {
        channel: 'sms',
        to: `+972${phone.slice(1)}`,
        text: `${firstName}, הקוד שלך ${token}`,
        purpose: 'loyalty.otp',
        module: 'loyalty',
        idempotencyKey: `otp:${ref}`,
      }),
    ]);
    // The send job's own handler, run here: on PostgreSQL every test process's worker takes jobs from the one
    // shared queue, so the worker of another file's app may hold this one. Running it twice sends once.
    for (const { id } of sent) {
      await deliverMessage(t.database.db, null, { workspaceId: ws.workspaceId, messageId: id });
      expect((await call('GET', `/api/v1/messaging/outbox/${id}`)).status).toBe('delivered_locally');
    }

    const markers = [firstName, lastName, email, phone.slice(1), street, token];
    // The footprint is real: before the erase, her text is in many places.
    expect((await holding(markers)).length).toBeGreaterThan(5);

    await call('POST', `/api/v1/customers/${customer.id}/erase`);

    // The import's report still lists her refused row, without quoting her.
    const report = (
      await ws.request({ method: 'GET', url: `/api/v1/imports/${importId}`, headers: { 'accept-language': 'en' } })
    ).json() as {
      errors: { row: number; reason: string }[];
    };
    expect(report.errors.filter((e) => e.row === 3).map((e) => e.reason)).toContain(
      'The value was removed with the customer’s personal data (an erasure request)',
    );

    const left = (await holding(markers)).filter((column) => !(column in unrelated));
    expect(left, left.length ? await where(markers, left) : '').toEqual([]);
  });
});
