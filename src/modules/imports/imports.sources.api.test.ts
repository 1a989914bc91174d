// Past 400 lines on purpose: one concern (the exports of the systems shops move from), each read with the same fixture readers and figure checks above the tests.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { type ImportReply, multipart, uploadImport, waitForImport } from '../../test/uploads.ts';

/**
 * Exports from the systems shops move from, laid out as those systems write
 * them (fixtures/: Shopify's customers and orders exports, WooCommerce's
 * customers report and Customer / Order CSV Export, HubSpot's contacts
 * export), imported through the API with the mapping the preview suggests,
 * unchanged. Every figure is checked against the file's own.
 */

let t: TestApp;

beforeAll(async () => {
  t = await getTestApp();
});

type Row = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
type Json = Record<string, any>;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const rowsOf = (name: string): Row[] => parse(fixture(name), { columns: true, bom: true });
/** The file's text without Excel's guard (a leading apostrophe), as a person reads it. */
const plain = (value: string | undefined) => (value ?? '').replace(/^'/, '');
const agorot = (value: string | undefined) => Math.round(Number(plain(value) || '0') * 100);
const money = (a: number) => (a / 100).toFixed(2);

/** Previews the file, then imports it with the suggested mapping exactly as the preview gave it. */
async function importAsSuggested(w: TestWorkspace, name: string, kind: 'customers' | 'orders') {
  const body = multipart([{ name: 'file', value: fixture(name), filename: name }]);
  const preview = await w.request({ method: 'POST', url: '/api/v1/imports/preview', ...body });
  expect(preview.statusCode, preview.body).toBe(200);
  expect(preview.json().kind).toBe(kind);
  const mapping = preview.json().suggestedMapping as Record<string, string>;
  const res = await uploadImport(w, fixture(name), { filename: name, kind, mapping });
  expect(res.statusCode, res.body).toBe(202);
  return { mapping, done: await waitForImport(w, res.json().id) };
}

async function reimport(w: TestWorkspace, file: Buffer | string, name: string, kind: 'customers' | 'orders') {
  const res = await uploadImport(w, file, { filename: name, kind });
  expect(res.statusCode, res.body).toBe(202);
  return waitForImport(w, res.json().id);
}

function expectClean(done: ImportReply, rows: number) {
  expect(done.errors).toEqual([]);
  expect(done).toMatchObject({ status: 'completed', totalRows: rows, processedRows: rows, errorRows: 0 });
}

async function allCustomers(w: TestWorkspace): Promise<Json[]> {
  const res = await w.request({ method: 'GET', url: '/api/v1/customers?limit=200' });
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

async function ordersOf(w: TestWorkspace, customerId: string): Promise<Map<string, Json>> {
  const res = await w.request({ method: 'GET', url: `/api/v1/orders?customerId=${customerId}&limit=200` });
  expect(res.statusCode).toBe(200);
  return new Map(res.json().items.map((o: Json) => [o.externalId, o]));
}

/** An address as the file writes it (Excel's guard dropped), from the columns that hold its parts; null if none. */
function addressIn(row: Row, columns: Record<string, string>): Json | null {
  const address: Json = {};
  for (const [part, column] of Object.entries(columns)) if (plain(row[column])) address[part] = plain(row[column]);
  return Object.keys(address).length ? address : null;
}

const shopifyAddress = (kind: 'Billing' | 'Shipping') => ({
  name: `${kind} Name`,
  company: `${kind} Company`,
  street: `${kind} Address1`,
  street2: `${kind} Address2`,
  city: `${kind} City`,
  zip: `${kind} Zip`,
  country: `${kind} Country`,
  phone: `${kind} Phone`,
});

/** The import fields an address's columns feed: billingCity → "Billing City", billingAddress1 → its street. */
const fieldsFor = (kind: 'billing' | 'shipping', columns: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(columns).map(([part, column]) => {
      const name = { street: 'Address1', street2: 'Address2' }[part] ?? `${part[0]!.toUpperCase()}${part.slice(1)}`;
      return [`${kind}${name}`, column];
    }),
  );

const wooAddress = (kind: 'billing' | 'shipping') => ({
  name: `${kind}_full_name`,
  company: `${kind}_company`,
  street: `${kind}_address_1`,
  street2: `${kind}_address_2`,
  city: `${kind}_city`,
  zip: `${kind}_postcode`,
  country: `${kind}_country`,
  ...(kind === 'billing' ? { phone: 'billing_phone' } : {}),
});

/** An order as the file tells it: its first row's order-level columns and every row's line. */
type FileOrder = { head: Row; lines: Row[] };

function ordersIn(rows: Row[], key: string): Map<string, FileOrder> {
  const orders = new Map<string, FileOrder>();
  for (const row of rows) {
    const order = orders.get(row[key]!);
    if (order) order.lines.push(row);
    else orders.set(row[key]!, { head: row, lines: [row] });
  }
  return orders;
}

describe('a Shopify store moves to Klient', () => {
  it('imports its customers and orders exports whole, with the figures Shopify gives', async () => {
    const w = await createTestWorkspace(t);
    const customerRows = rowsOf('shopify-customers-export.csv');
    const orderRows = rowsOf('shopify-orders-export.csv');

    const customersImport = await importAsSuggested(w, 'shopify-customers-export.csv', 'customers');
    expect(customersImport.mapping).toMatchObject({
      externalId: 'Customer ID',
      email: 'Email',
      phone: 'Phone',
      consentEmail: 'Accepts Email Marketing',
      consentSms: 'Accepts SMS Marketing',
      company: 'Default Address Company',
      street: 'Default Address Address1',
      zip: 'Default Address Zip',
      note: 'Note',
    });
    expectClean(customersImport.done, customerRows.length);
    expect(customersImport.done.insertedRows).toBe(customerRows.length);

    const ordersImport = await importAsSuggested(w, 'shopify-orders-export.csv', 'orders');
    expect(ordersImport.mapping).toMatchObject({
      externalId: 'Name',
      name: 'Lineitem name',
      total: 'Total',
      shipping: 'Shipping',
      discount: 'Discount Amount',
      tax: 'Taxes',
      refundedAmount: 'Refunded Amount',
      channel: 'Source',
      branch: 'Location',
      cancelled: 'Cancelled at',
      paymentStatus: 'Financial Status',
    });
    expect(ordersImport.mapping).toMatchObject({
      ...fieldsFor('billing', shopifyAddress('Billing')),
      ...fieldsFor('shipping', shopifyAddress('Shipping')),
    });
    expectClean(ordersImport.done, orderRows.length);
    expect(ordersImport.done.insertedRows).toBe(orderRows.length);

    const stored = new Map((await allCustomers(w)).map((c) => [c.externalId, c]));
    expect(stored.size).toBe(customerRows.length);
    const channelOf: Record<string, string> = { web: 'web', pos: 'store', shopify_draft_order: 'phone' };
    const fileOrders = ordersIn(orderRows, 'Name');
    let ordersSeen = 0;
    for (const row of customerRows) {
      const customer = stored.get(plain(row['Customer ID']));
      expect(customer, row['Customer ID']).toBeDefined();
      const c = customer!;
      // Each customer's spend and order count are Shopify's own.
      expect(c.totals.totalSpent).toBe(money(agorot(row['Total Spent'])));
      expect(c.totals.ordersCount).toBe(Number(row['Total Orders']));
      // Excel's guard is not part of the value; the phone is the same number, written as E.164.
      expect(c.phone).toBe(plain(row.Phone) || null);
      expect(c.email).toBe(row.Email || null);
      expect(c.firstName).toBe(row['First Name']);
      expect(c.lastName).toBe(row['Last Name']);
      const address: Json = {};
      if (row['Default Address Address1']) address.street = row['Default Address Address1'];
      if (row['Default Address City']) address.city = row['Default Address City'];
      if (row['Default Address Zip']) address.zip = plain(row['Default Address Zip']);
      expect(c.address).toEqual(address);
      if (row['Default Address Company']) expect(c.attributes.company).toBe(row['Default Address Company']);
      // Consents from Shopify's marketing columns, with their history.
      expect(c.consents).toEqual({
        email: row['Accepts Email Marketing'] === 'yes',
        sms: row['Accepts SMS Marketing'] === 'yes',
      });
      expect(c.tags).toEqual(
        (row.Tags ?? '')
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean),
      );
      const profile = (await w.request({ method: 'GET', url: `/api/v1/customers/${c.id}` })).json();
      const notes = profile.timeline.items.filter((e: Json) => e.type === 'note.added').map((e: Json) => e.data.body);
      expect(notes).toEqual(row.Note ? [row.Note] : []);

      // Each of the customer's orders as the orders export has it.
      const orders = await ordersOf(w, c.id);
      const theirs = [...fileOrders.values()].filter((o) => o.head.Email === row.Email && row.Email);
      if (!row.Email) expect(orders.size).toBe(0);
      for (const { head, lines } of theirs) {
        const order = orders.get(head.Name!);
        expect(order, head.Name).toBeDefined();
        ordersSeen++;
        expect(order).toMatchObject({
          total: money(agorot(head.Total)),
          shippingTotal: money(agorot(head.Shipping)),
          discountTotal: money(agorot(head['Discount Amount'])),
          taxTotal: money(agorot(head.Taxes)),
          refundedTotal: money(agorot(head['Refunded Amount'])),
          currency: head.Currency,
          channel: channelOf[head.Source!],
          branchName: head.Location || null,
          // Who paid, where it went and how the payment stands, as Shopify wrote them.
          paymentStatus: head['Financial Status'],
          billingAddress: addressIn(head, shopifyAddress('Billing')),
          shippingAddress: addressIn(head, shopifyAddress('Shipping')),
          status:
            agorot(head['Refunded Amount']) === 0
              ? 'completed'
              : agorot(head['Refunded Amount']) === agorot(head.Total)
                ? 'refunded'
                : 'partially_refunded',
        });
        // The customer page's timeline says how the payment stands and where the order went.
        const event = profile.timeline.items.find((e: Json) => e.type === 'order.placed' && e.refId === order!.id);
        expect(event?.data).toMatchObject({
          paymentStatus: head['Financial Status'],
          ...(head['Shipping City'] ? { shipCity: head['Shipping City'] } : {}),
        });
        const created = head['Created at']!.replace(' ', 'T').replace(/ ([+-]\d{2})(\d{2})$/, '$1:$2');
        expect(new Date(order!.placedAt).toISOString()).toBe(new Date(created).toISOString());
        expect(order!.items).toHaveLength(lines.length);
        expect(order!.items.map((i: Json) => [i.sku, i.quantity, i.unitPrice])).toEqual(
          lines.map((l) => [
            l['Lineitem sku'] || l['Lineitem name'],
            Number(l['Lineitem quantity']),
            l['Lineitem price'],
          ]),
        );
        // The order's own arithmetic, as Shopify wrote it: lines − discount + shipping = total (VAT included).
        const items = order!.items.reduce((sum: number, i: Json) => sum + agorot(i.total), 0);
        expect(items - agorot(head['Discount Amount']) + agorot(head.Shipping)).toBe(agorot(head.Total));
      }
    }
    expect(ordersSeen).toBe(fileOrders.size);

    // The same files again change nothing.
    const again = await reimport(w, fixture('shopify-customers-export.csv'), 'customers.csv', 'customers');
    expect(again).toMatchObject({ insertedRows: 0, updatedRows: 0, errorRows: 0, unchangedRows: customerRows.length });
    const ordersAgain = await reimport(w, fixture('shopify-orders-export.csv'), 'orders.csv', 'orders');
    expect(ordersAgain).toMatchObject({
      insertedRows: 0,
      updatedRows: 0,
      errorRows: 0,
      unchangedRows: orderRows.length,
    });

    // A corrected export corrects the orders: #1002 rang up at a branch, #1001 without its shipping.
    const table: string[][] = parse(fixture('shopify-orders-export.csv'), { bom: true });
    const col = (name: string) => table[0]!.indexOf(name);
    for (const line of table) {
      if (line[col('Name')] === '#1002' && line[col('Total')]) {
        line[col('Source')] = 'pos';
        line[col('Location')] = 'סניף חיפה';
        line[col('Financial Status')] = 'refunded';
      }
      if (line[col('Name')] === '#1001' && line[col('Total')]) {
        line[col('Shipping City')] = 'רמת השרון';
        line[col('Shipping')] = '0.00';
        line[col('Taxes')] = '23.20';
        line[col('Total')] = '152.10';
      }
    }
    const corrected = stringify(table);
    const fixed = await reimport(w, corrected, 'orders.csv', 'orders');
    const linesOf = (name: string) => fileOrders.get(name)!.lines.length;
    expect(fixed).toMatchObject({
      errorRows: 0,
      insertedRows: 0,
      updatedRows: linesOf('#1001') + linesOf('#1002'),
      unchangedRows: orderRows.length - linesOf('#1001') - linesOf('#1002'),
    });
    const itai = stored.get('7310896121002')!;
    expect((await ordersOf(w, itai.id)).get('#1002')).toMatchObject({
      channel: 'store',
      branchName: 'סניף חיפה',
      paymentStatus: 'refunded',
    });
    const noa = stored.get('7310896121001')!;
    expect((await ordersOf(w, noa.id)).get('#1001')).toMatchObject({
      total: '152.10',
      shippingTotal: '0.00',
      taxTotal: '23.20',
      shippingAddress: expect.objectContaining({ city: 'רמת השרון', street: 'דיזנגוף 120' }),
      billingAddress: expect.objectContaining({ city: 'תל אביב-יפו' }),
      items: [expect.objectContaining({ sku: 'COF-ETH-250' }), expect.objectContaining({ sku: 'MUG-01' })],
    });
    const after = (await w.request({ method: 'GET', url: `/api/v1/customers/${noa.id}` })).json();
    expect(after.totals.totalSpent).toBe(money(agorot('226.50') - agorot('29.90')));
  });
});

describe('a WooCommerce shop moves to Klient', () => {
  it('imports its customers report and orders export whole, with the figures WooCommerce gives', async () => {
    const w = await createTestWorkspace(t);
    const customerRows = rowsOf('woocommerce-customers-report.csv');
    const orderRows = rowsOf('woocommerce-orders-export.csv');

    const customersImport = await importAsSuggested(w, 'woocommerce-customers-report.csv', 'customers');
    expect(customersImport.mapping).toMatchObject({ fullName: 'Name', email: 'Email', zip: 'Postal code' });
    expectClean(customersImport.done, customerRows.length);
    const ordersImport = await importAsSuggested(w, 'woocommerce-orders-export.csv', 'orders');
    expect(ordersImport.mapping).toMatchObject({
      externalId: 'order_id',
      customerEmail: 'billing_email',
      lineTotal: 'item_subtotal',
      total: 'order_total',
      shipping: 'shipping_total',
      discount: 'discount_total',
      tax: 'tax_total',
      refundedAmount: 'refunded_total',
      cancelled: 'status',
      paymentStatus: 'status',
      // The export has no channel column: every order in it was placed on the web shop.
      channel: { value: 'web' },
      ...fieldsFor('billing', wooAddress('billing')),
      ...fieldsFor('shipping', wooAddress('shipping')),
    });
    expectClean(ordersImport.done, orderRows.length);

    const byEmail = new Map((await allCustomers(w)).map((c) => [c.email, c]));
    const fileOrders = ordersIn(orderRows, 'order_id');
    for (const row of customerRows) {
      const c = byEmail.get(row.Email!)!;
      expect(c, row.Email).toBeDefined();
      const [first, ...rest] = row.Name!.split(' ');
      expect([c.firstName, c.lastName]).toEqual([first, rest.join(' ')]);
      expect(c.address).toEqual({ city: row.City, zip: row['Postal code'] });
      expect(c.totals.totalSpent).toBe(money(agorot(row['Total spend'])));
      expect(c.totals.ordersCount).toBe(Number(row.Orders));
      const orders = await ordersOf(w, c.id);
      const theirs = [...fileOrders.values()].filter((o) => o.head.billing_email === row.Email);
      expect(orders.size).toBe(theirs.length);
      for (const { head, lines } of theirs) {
        expect(orders.get(head.order_id!)).toMatchObject({
          total: money(agorot(head.order_total)),
          shippingTotal: money(agorot(head.shipping_total)),
          discountTotal: money(agorot(head.discount_total)),
          taxTotal: money(agorot(head.tax_total)),
          refundedTotal: money(agorot(head.refunded_total)),
          currency: head.order_currency,
          channel: 'web',
          paymentStatus: { completed: 'paid', processing: 'paid', refunded: 'refunded', cancelled: 'voided' }[
            head.status!
          ],
          billingAddress: addressIn(head, wooAddress('billing')),
          shippingAddress: addressIn(head, wooAddress('shipping')),
          // Cancelled and failed orders are kept, and left out of the customer's orders and spend (as
          // WooCommerce's reports leave them out).
          status: ['cancelled', 'failed'].includes(head.status!)
            ? 'cancelled'
            : agorot(head.refunded_total) === 0
              ? 'completed'
              : 'refunded',
        });
        // WooCommerce gives each line's amount, not a unit price: the line keeps the file's amount.
        expect(orders.get(head.order_id!)!.items.map((i: Json) => [i.sku, i.quantity, i.total])).toEqual(
          lines.map((l) => [l.item_sku, Number(l.item_quantity), l.item_subtotal]),
        );
      }
    }
  });
});

describe('an order with shipping and a discount through POST /orders', () => {
  it('has the total the import gives it: lines, less the discount, plus shipping', async () => {
    const w = await createTestWorkspace(t);
    await importAsSuggested(w, 'woocommerce-customers-report.csv', 'customers');
    const { head, lines } = ordersIn(rowsOf('woocommerce-orders-export.csv'), 'order_id').get('1202')!;
    const customer = (await allCustomers(w)).find((c) => c.email === head.billing_email)!;
    const res = await w.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload: {
        externalId: `api-${head.order_id}`,
        customerId: customer.id,
        placedAt: `${head.order_date!.replace(' ', 'T')}+02:00`,
        channel: 'web',
        items: lines.map((l) => ({
          sku: l.item_sku,
          name: l.item_name,
          quantity: Number(l.item_quantity),
          unitPrice: agorot(l.item_subtotal) / Number(l.item_quantity) / 100,
        })),
        shipping: Number(head.shipping_total),
        discount: Number(head.discount_total),
        tax: Number(head.tax_total),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      total: money(agorot(head.order_total)),
      shippingTotal: money(agorot(head.shipping_total)),
      discountTotal: money(agorot(head.discount_total)),
      taxTotal: money(agorot(head.tax_total)),
    });
    const tooMuch = await w.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload: {
        externalId: 'api-x',
        customerId: customer.id,
        placedAt: '2026-01-01T10:00:00Z',
        channel: 'web',
        items: [{ sku: 'A', name: 'א', quantity: 1, unitPrice: 10 }],
        discount: 11,
      },
    });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().errors).toEqual([expect.objectContaining({ field: 'discount' })]);
  });
});

describe('a business moves its HubSpot contacts to Klient', () => {
  it('imports the contacts export whole: names, contacts, company, address, stage and unsubscribes', async () => {
    const w = await createTestWorkspace(t);
    const rows = rowsOf('hubspot-contacts-export.csv');
    const { mapping, done } = await importAsSuggested(w, 'hubspot-contacts-export.csv', 'customers');
    expect(mapping).toMatchObject({
      externalId: 'Record ID',
      phone: 'Phone Number',
      company: 'Company Name',
      street: 'Street Address',
      zip: 'Postal Code',
      lifecycleStage: 'Lifecycle Stage',
      emailOptOut: 'Unsubscribed from all email',
    });
    expectClean(done, rows.length);
    expect(done.insertedRows).toBe(rows.length);
    const stored = new Map((await allCustomers(w)).map((c) => [c.externalId, c]));
    const stageOf: Record<string, string> = {
      Customer: 'customer',
      'Marketing Qualified Lead': 'lead',
      Lead: 'lead',
      Evangelist: 'loyal',
    };
    for (const row of rows) {
      const c = stored.get(row['Record ID'])!;
      expect(c, row['Record ID']).toBeDefined();
      expect(c).toMatchObject({
        firstName: row['First Name'] || null,
        lastName: row['Last Name'] || null,
        email: row.Email || null,
        lifecycleStage: stageOf[row['Lifecycle Stage']!],
      });
      if (row['Phone Number']) expect(c.phone).toMatch(/^\+972\d{8,9}$/);
      if (row['Company Name']) expect(c.attributes.company).toBe(row['Company Name']);
      if (row['Street Address']) expect(c.address.street).toBe(row['Street Address']);
      // Unsubscribed from all email revokes email consent; "false" grants nothing.
      expect(c.consents).toEqual(row['Unsubscribed from all email'] === 'true' ? { email: false } : {});
    }
    expect(stored.get('51234001')!.phone).toBe('+972521112233');
  });
});
