import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { multipart, waitForImport } from '../../test/uploads.ts';

/**
 * A mapping may give a field one value for every row instead of a column
 * ({ "channel": { "value": "web" } }): for what a whole file shares and does
 * not write, such as the channel of a web shop's export. Only channel,
 * branch, currency and home branch take one, and only a value they can hold.
 */

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'ערכים קבועים');
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

function upload(w: TestWorkspace, csv: string, kind: 'customers' | 'orders', mapping: unknown) {
  const body = multipart([
    { name: 'kind', value: kind },
    { name: 'mapping', value: JSON.stringify(mapping) },
    { name: 'file', value: Buffer.from(csv), filename: `${kind}.csv` },
  ]);
  return w.request({ method: 'POST', url: '/api/v1/imports', payload: body.payload, headers: body.headers });
}

const customers = ['email,firstName', 'dana@fixed.example,דנה', 'yossi@fixed.example,יוסי'].join('\n');
const orders = [
  'order,email,date,sku,qty,price',
  'F-1,dana@fixed.example,2026-03-01 10:00,TEA,1,30.00',
  'F-2,yossi@fixed.example,2026-03-02 11:00,TEA,2,30.00',
].join('\n');
const columns = {
  externalId: 'order',
  customerEmail: 'email',
  placedAt: 'date',
  sku: 'sku',
  quantity: 'qty',
  unitPrice: 'price',
};

async function customerByEmail(w: TestWorkspace, email: string): Promise<Json> {
  const res = await w.request({ method: 'GET', url: '/api/v1/customers?limit=200' });
  return (res.json().items as Json[]).find((c) => c.email === email)!;
}

describe('a fixed value in an import mapping', () => {
  it('gives every order of the file the channel, branch and currency the mapping names', async () => {
    const people = await upload(ws, customers, 'customers', {
      email: 'email',
      firstName: 'firstName',
      homeBranch: { value: 'סניף הרצליה' },
    });
    expect(people.statusCode, people.body).toBe(202);
    const peopleDone = await waitForImport(ws, people.json().id);
    expect(peopleDone).toMatchObject({ status: 'completed', insertedRows: 2, errorRows: 0 });

    const res = await upload(ws, orders, 'orders', {
      ...columns,
      channel: { value: 'whatsapp' },
      branch: { value: 'סניף הרצליה' },
      currency: { value: 'USD' },
    });
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitForImport(ws, res.json().id);
    expect(done.errors).toEqual([]);
    expect(done).toMatchObject({ status: 'completed', insertedRows: 2, errorRows: 0 });
    // The import keeps the mapping as given, fixed values and all.
    const stored = (await ws.request({ method: 'GET', url: `/api/v1/imports/${done.id}` })).json();
    expect(stored.mapping).toMatchObject({ channel: { value: 'whatsapp' }, sku: 'sku' });

    for (const email of ['dana@fixed.example', 'yossi@fixed.example']) {
      const c = await customerByEmail(ws, email);
      const list = (await ws.request({ method: 'GET', url: `/api/v1/orders?customerId=${c.id}` })).json();
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject({ channel: 'whatsapp', branchName: 'סניף הרצליה', currency: 'USD' });
      // The customers' home branch came from the fixed value too: the branch the orders name.
      expect(c.homeBranchId).toBe(list.items[0].branchId);
    }
  });

  it('corrects a re-imported order’s channel from a new fixed value, keeping the address a file without it left', async () => {
    const file = [
      'order,email,date,sku,qty,price,ship_city',
      'R-1,dana@fixed.example,2026-04-01 09:00,COFFEE,1,20.00,אילת',
    ].join('\n');
    const first = await upload(ws, file, 'orders', {
      ...columns,
      shippingCity: 'ship_city',
      channel: { value: 'web' },
    });
    expect(first.statusCode, first.body).toBe(202);
    expect(await waitForImport(ws, first.json().id)).toMatchObject({ insertedRows: 1, errorRows: 0 });
    // The same order again, the city not mapped this time and the channel corrected to the app.
    const again = await upload(ws, file, 'orders', { ...columns, channel: { value: 'app' } });
    expect(again.statusCode, again.body).toBe(202);
    expect(await waitForImport(ws, again.json().id)).toMatchObject({ updatedRows: 1, errorRows: 0 });
    const c = await customerByEmail(ws, 'dana@fixed.example');
    const list = (await ws.request({ method: 'GET', url: `/api/v1/orders?customerId=${c.id}` })).json();
    expect((list.items as Json[]).find((o) => o.externalId === 'R-1')).toMatchObject({
      channel: 'app',
      shippingAddress: { city: 'אילת' },
    });
  });

  it('is refused with a 400 naming the field when the value is not one the field can hold', async () => {
    const cases: [unknown, string, string][] = [
      [{ ...columns, channel: { value: 'fax' } }, 'mapping.channel', 'invalid_value'],
      [{ ...columns, currency: { value: 'shekel' } }, 'mapping.currency', 'invalid_value'],
      [{ ...columns, branch: { value: 'x'.repeat(101) } }, 'mapping.branch', 'invalid_value'],
      // A field whose value comes from each row cannot take one for all of them.
      [{ ...columns, sku: 'sku', quantity: { value: '1' } }, 'mapping.quantity', 'invalid_type'],
      [{ ...columns, channel: { value: 5 } }, 'mapping.channel', 'invalid_type'],
      [{ ...columns, channel: { value: 'web', also: 'store' } }, 'mapping.channel', 'invalid_type'],
    ];
    for (const [mapping, field, code] of cases) {
      const res = await upload(ws, orders, 'orders', mapping);
      expect(res.statusCode, `${JSON.stringify(mapping)}: ${res.body}`).toBe(400);
      expect(res.json().errors, field).toEqual([expect.objectContaining({ field, code })]);
    }
    const people = await upload(ws, customers, 'customers', {
      email: 'email',
      firstName: { value: 'דנה' },
    });
    expect(people.statusCode).toBe(400);
    expect(people.json().errors).toEqual([expect.objectContaining({ field: 'mapping.firstName' })]);
  });
});
