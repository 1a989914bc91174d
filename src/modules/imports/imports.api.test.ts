// Past 400 lines on purpose: one concern, the imports API from preview to error report, its tests sharing the upload helpers startImport and importAndWait.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { type ImportReply, multipart, type Part, waitForImport } from '../../test/uploads.ts';

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t);
});

async function startImport(
  w: TestWorkspace,
  file: Buffer,
  filename: string,
  kind: 'customers' | 'orders',
  mapping?: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const parts: Part[] = [
    { name: 'kind', value: kind },
    ...(mapping ? [{ name: 'mapping', value: JSON.stringify(mapping) }] : []),
    { name: 'file', value: file, filename },
  ];
  const body = multipart(parts);
  return w.request({
    method: 'POST',
    url: '/api/v1/imports',
    payload: body.payload,
    headers: { ...body.headers, ...headers },
  });
}

/** startImport, then the import once its job is done. */
async function importAndWait(...args: Parameters<typeof startImport>) {
  const res = await startImport(...args);
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json().status).toBe('queued');
  return waitForImport(args[0], res.json().id);
}

const customersCsv = [
  'מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל,תאריך לידה,עיר,תגיות,הסכמה לדוא"ל',
  'C-1,דנה,כהן,050-1234567,dana@example.com,14/03/1988,תל אביב,"vip,קפה",כן',
  'C-2,יוסי,לוי,052-7654321,yossi@example,01/01/1990,חיפה,,לא',
  'C-3,מיכל,אברהם,+972-54-111-2233,michal@example.com,1985-07-30,באר שבע,מאפה,yes',
  'C-4,רון,,not-a-phone,,,,,',
  '',
  'C-5,שירה,פרץ,0541239876,shira@example.com,32/01/1990,חיפה,,',
  'C-6,עומר,גולן,0503334444,omer@example.com,,,,maybe',
].join('\r\n');

describe('imports API', () => {
  it('previews a Hebrew CSV and suggests the mapping from its headers', async () => {
    const body = multipart([{ name: 'file', value: Buffer.from(customersCsv), filename: 'לקוחות.csv' }]);
    const res = await ws.request({ method: 'POST', url: '/api/v1/imports/preview', ...body });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json();
    expect(preview).toMatchObject({
      kind: 'customers',
      encoding: 'utf-8',
      totalRows: 6,
      suggestedMapping: {
        externalId: 'מספר לקוח',
        firstName: 'שם פרטי',
        lastName: 'שם משפחה',
        phone: 'טלפון',
        email: 'דוא"ל',
        birthday: 'תאריך לידה',
        city: 'עיר',
        tags: 'תגיות',
        consentEmail: 'הסכמה לדוא"ל',
      },
    });
    expect(preview.sampleRows[0]).toEqual(expect.arrayContaining(['C-1', 'דנה', '050-1234567']));
  });

  it('imports valid rows, reports bad ones by row, column and reason, and changes nothing on a re-import', async () => {
    const first = await importAndWait(ws, Buffer.from(customersCsv), 'customers.csv', 'customers');
    expect(first).toMatchObject({
      status: 'completed',
      totalRows: 6,
      processedRows: 6,
      insertedRows: 2,
      updatedRows: 0,
      unchangedRows: 0,
      errorRows: 4,
    });
    const errors = first.errors.map((e) => [e.row, e.column, e.reason]);
    expect(errors).toEqual(
      expect.arrayContaining([
        [3, 'דוא"ל', '"yossi@example" אינה כתובת דוא״ל תקינה (למשל name@example.com)'],
        [5, 'טלפון', '"not-a-phone" אינו מספר טלפון: מותרות ספרות, רווחים, מקפים וסוגריים בלבד'],
        [7, 'תאריך לידה', '"32/01/1990" אינו תאריך מוכר: כתבו 31/12/2024 או 2024-12-31'],
        [8, 'הסכמה לדוא"ל', '"maybe" אינו ערך הסכמה מוכר: כתבו כן/לא, yes/no או 1/0'],
      ]),
    );

    const found = await ws.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent('דנה')}` });
    const dana = found.json().items[0];
    expect(dana).toMatchObject({
      externalId: 'C-1',
      phone: '+972501234567',
      email: 'dana@example.com',
      birthday: '1988-03-14',
      tags: ['vip', 'קפה'],
      consents: { email: true },
      address: { city: 'תל אביב' },
      source: 'import',
    });
    const full = await ws.request({ method: 'GET', url: `/api/v1/customers/${dana.id}` });
    expect(full.json().consentHistory).toEqual([
      expect.objectContaining({ channel: 'email', status: 'granted', source: 'import' }),
    ]);

    const csv = await ws.request({ method: 'GET', url: `/api/v1/imports/${first.id}/errors.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.body).toContain('שורה,עמודה,סיבה');
    expect(csv.body).toContain('3,"דוא""ל","""yossi@example"" אינה כתובת דוא״ל תקינה (למשל name@example.com)"');
    // The same report read in English: each reason in the reader's language, not the starter's.
    const english = await ws.request({
      method: 'GET',
      url: `/api/v1/imports/${first.id}/errors.csv`,
      headers: { 'accept-language': 'en' },
    });
    expect(english.body).toContain('row,column,reason');
    expect(english.body).toContain('"""yossi@example"" is not a valid email address (like name@example.com)"');
    const read = await ws.request({
      method: 'GET',
      url: `/api/v1/imports/${first.id}`,
      headers: { 'accept-language': 'en' },
    });
    expect(read.json().errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          row: 5,
          column: 'טלפון',
          code: 'phone.not_a_number',
          reason: '"not-a-phone" is not a phone number: only digits, spaces, dashes and brackets',
        }),
      ]),
    );

    const again = await importAndWait(ws, Buffer.from(customersCsv), 'customers.csv', 'customers');
    expect(again).toMatchObject({
      status: 'completed',
      processedRows: 6,
      insertedRows: 0,
      updatedRows: 0,
      unchangedRows: 2,
      errorRows: 4,
    });
    const list = await ws.request({ method: 'GET', url: '/api/v1/customers?limit=200' });
    expect(list.json().total).toBe(2);
    const history = await ws.request({ method: 'GET', url: `/api/v1/customers/${dana.id}` });
    expect(history.json().consentHistory).toHaveLength(1);

    // A changed row updates the customer it matches by phone, written differently.
    const changed = ['טלפון,שם פרטי,עיר', '+972 50 123 4567,דניאלה,רמת גן'].join('\n');
    const update = await importAndWait(ws, Buffer.from(changed), 'update.csv', 'customers');
    expect(update).toMatchObject({ insertedRows: 0, updatedRows: 1, unchangedRows: 0, errorRows: 0 });
    const after = await ws.request({ method: 'GET', url: `/api/v1/customers/${dana.id}` });
    expect(after.json()).toMatchObject({ firstName: 'דניאלה', lastName: 'כהן', address: { city: 'רמת גן' } });
  });

  it('detects a Windows-1255 Hebrew file and reads it correctly', async () => {
    const w = await createTestWorkspace(t);
    const text = ['שם פרטי,שם משפחה,נייד,עיר', 'אביגיל,שטרן,054-5556666,ירושלים', 'נועם,בן דוד,0527778888,אילת'].join(
      '\r\n',
    );
    const file = iconv.encode(text, 'windows-1255');
    expect(file.includes(Buffer.from('אביגיל'))).toBe(false);
    const body = multipart([{ name: 'file', value: file, filename: 'excel.csv' }]);
    const preview = await w.request({ method: 'POST', url: '/api/v1/imports/preview', ...body });
    expect(preview.json()).toMatchObject({
      encoding: 'windows-1255',
      headers: ['שם פרטי', 'שם משפחה', 'נייד', 'עיר'],
      suggestedMapping: { firstName: 'שם פרטי', lastName: 'שם משפחה', phone: 'נייד', city: 'עיר' },
    });
    const done = await importAndWait(w, file, 'excel.csv', 'customers');
    expect(done).toMatchObject({ status: 'completed', insertedRows: 2, errorRows: 0 });
    const found = await w.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent('שטרן')}` });
    expect(found.json().items[0]).toMatchObject({ firstName: 'אביגיל', phone: '+972545556666' });
  });

  it('reads UTF-16 with a BOM', async () => {
    const w = await createTestWorkspace(t);
    const text = '\uFEFFfirst name\tlast name\temail\nTamar\tLevi\ttamar@example.com\n';
    const body = multipart([{ name: 'file', value: Buffer.from(text, 'utf16le'), filename: 'u16.txt' }]);
    const preview = await w.request({ method: 'POST', url: '/api/v1/imports/preview', ...body });
    expect(preview.json()).toMatchObject({ encoding: 'utf-16le', headers: ['first name', 'last name', 'email'] });
  });

  it('imports an XLSX workbook with a custom mapping', async () => {
    const w = await createTestWorkspace(t);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('לקוחות');
    sheet.addRow(['Client no.', 'Given', 'Family', 'Mobile', 'Born', 'Stage']);
    sheet.addRow(['X-1', 'Noa', 'Mizrahi', 501112222, new Date(Date.UTC(1992, 4, 17)), 'loyal']);
    sheet.addRow(['X-2', 'Eitan', 'Katz', '053-9998877', '05/11/1979', 'לקוח חוזר']);
    sheet.addRow(['X-3', 'Gil', 'Bar', '', '', 'vip-stage']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    const mapping = {
      externalId: 'Client no.',
      firstNameLatin: 'Given',
      lastNameLatin: 'Family',
      phone: 'Mobile',
      birthday: 'Born',
      lifecycleStage: 'Stage',
    };
    const done = await importAndWait(w, file, 'clients.xlsx', 'customers', mapping);
    expect(done).toMatchObject({ status: 'completed', totalRows: 3, insertedRows: 2, errorRows: 1 });
    expect(done.errors).toEqual([
      {
        row: 4,
        column: 'Stage',
        code: 'stage.not_valid',
        params: { value: 'vip-stage' },
        reason: '"vip-stage" אינו שלב מוכר: lead, customer, repeat, loyal, at_risk, lost',
      },
    ]);
    const found = await w.request({ method: 'GET', url: '/api/v1/customers?q=noa' });
    expect(found.json().items[0]).toMatchObject({
      externalId: 'X-1',
      phone: '+972501112222',
      birthday: '1992-05-17',
      lifecycleStage: 'loyal',
    });
  });

  it('answers 400 naming a missing column, and nothing is stored', async () => {
    const w = await createTestWorkspace(t);
    const csv = 'externalId,customerExternalId,placedAt,sku,quantity\nO-1,C-1,2025-01-01,SKU,1\n';
    const res = await startImport(w, Buffer.from(csv), 'orders.csv', 'orders', undefined, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      code: 'IMPORT.MISSING_COLUMNS',
      missingColumns: ['unitPrice'],
      detail: 'Required: unit price — choose the column that holds the unit price or the line total',
    });
    expect(res.json().errors).toEqual([
      {
        field: 'unitPrice',
        message: 'Required: unit price — choose the column that holds the unit price or the line total',
        code: 'column.required_price',
      },
    ]);
    // Several missing fields: one line each, each naming its field, in the caller's language.
    const bare = await startImport(w, Buffer.from('a,b\n1,2\n'), 'orders.csv', 'orders', undefined, {
      'accept-language': 'he',
    });
    expect(bare.statusCode).toBe(400);
    const messages = (bare.json().errors as { message: string }[]).map((e) => e.message);
    expect(messages).toEqual([
      'חובה: מספר הזמנה — בחרו את העמודה שמכילה אותו',
      'חובה: תאריך ההזמנה — בחרו את העמודה שמכילה אותו',
      'חובה: מק״ט — בחרו את העמודה שמכילה אותו',
      'חובה: כמות — בחרו את העמודה שמכילה אותו',
      'חובה: מחיר יחידה — בחרו את העמודה שמכילה את מחיר היחידה או את סכום השורה',
      'חובה: דוא״ל הלקוח — בחרו את העמודה שמכילה מספר לקוח, דוא״ל או טלפון',
    ]);
    expect(new Set(messages).size).toBe(messages.length);
    const wrong = await startImport(w, Buffer.from(csv), 'orders.csv', 'orders', {
      externalId: 'externalId',
      customerExternalId: 'customerExternalId',
      placedAt: 'placedAt',
      sku: 'sku',
      quantity: 'quantity',
      unitPrice: 'מחיר',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0]).toMatchObject({
      field: 'unitPrice',
      message: 'מחיר יחידה: אין בקובץ עמודה בשם "מחיר" — בחרו אחת מעמודות הקובץ',
    });
    const list = await w.request({ method: 'GET', url: '/api/v1/imports' });
    expect(list.json().items).toHaveLength(0);
  });

  it('rejects bad uploads with clear problems', async () => {
    const w = await createTestWorkspace(t);
    const json = await w.request({ method: 'POST', url: '/api/v1/imports', payload: { kind: 'customers' } });
    expect(json.statusCode).toBe(415);
    const noFile = multipart([{ name: 'kind', value: 'customers' }]);
    expect((await w.request({ method: 'POST', url: '/api/v1/imports', ...noFile })).statusCode).toBe(400);
    const badKind = await startImport(w, Buffer.from('a,b\n1,2\n'), 'x.csv', 'people' as 'customers');
    expect(badKind.json().errors[0]).toMatchObject({ field: 'kind' });
    const badMapping = multipart([
      { name: 'kind', value: 'customers' },
      { name: 'mapping', value: '{not json' },
      { name: 'file', value: Buffer.from('a\n1\n'), filename: 'x.csv' },
    ]);
    const mappingRes = await w.request({ method: 'POST', url: '/api/v1/imports', ...badMapping });
    expect(mappingRes.statusCode).toBe(400);
    expect(mappingRes.json().errors[0]).toMatchObject({ field: 'mapping' });
    const binary = Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10, 0x80, 0x00, 0x00, 0x7f, 0x00, 0x03]);
    const bin = await startImport(w, binary, 'x.csv', 'customers', undefined, { 'accept-language': 'en' });
    expect(bin.statusCode).toBe(400);
    expect(bin.json()).toMatchObject({ code: 'IMPORT.BAD_FILE' });
    const analyst = await w.keyFor('analyst');
    const body = multipart([{ name: 'file', value: Buffer.from('a\n1\n'), filename: 'x.csv' }]);
    const forbidden = await w.request({ method: 'POST', url: '/api/v1/imports/preview', key: analyst, ...body });
    expect(forbidden.statusCode).toBe(403);
  });

  it('answers 413 to a file over the upload limit and stores nothing', async () => {
    const w = await createTestWorkspace(t);
    const boundary = '----klientoversize';
    const chunk = Buffer.alloc(1024 * 1024, 'a,b,c\n');
    let sent = 0;
    const total = 52 * 1024 * 1024;
    const stream = new Readable({
      read() {
        if (sent === 0) {
          this.push(
            `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n` +
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n` +
              'Content-Type: text/csv\r\n\r\nfirst name,last name,email\n',
          );
        }
        if (sent >= total) {
          this.push(`\r\n--${boundary}--\r\n`);
          this.push(null);
          return;
        }
        sent += chunk.length;
        this.push(chunk);
      },
    });
    const res = await w.request({
      method: 'POST',
      url: '/api/v1/imports',
      payload: stream,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
    const list = await w.request({ method: 'GET', url: '/api/v1/imports' });
    expect(list.json().items).toHaveLength(0);
    expect((await w.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('imports orders: lines grouped by order, totals and timeline as POST /orders makes them, idempotent', async () => {
    const w = await createTestWorkspace(t);
    const customers = ['מספר לקוח,שם פרטי,טלפון', 'K-1,אורי,0501000001', 'K-2,טל,0501000002'].join('\n');
    await importAndWait(w, Buffer.from(customers), 'c.csv', 'customers');
    const orders = [
      'מספר הזמנה,מספר לקוח,טלפון לקוח,תאריך,ערוץ,סניף,מק"ט,שם מוצר,כמות,מחיר',
      'A-1,K-1,,2025-03-01 09:15,חנות,תל אביב,CRO,קרואסון חמאה,2,14.50',
      'A-2,,050-1000002,2025-03-02T10:00:00+02:00,web,,CAP,קפוצ׳ינו,1,"₪ 16,00"',
      'A-1,K-1,,2025-03-01 09:15,חנות,תל אביב,CAP,קפוצ׳ינו,1,16',
      'A-3,K-9,,2025-03-03,store,,CRO,קרואסון חמאה,1,14.5',
      'A-4,K-2,,2025-03-04,fax,,CRO,קרואסון חמאה,1,14.5',
      'A-4,K-2,,2025-03-04,fax,,CAP,קפוצ׳ינו,1,16',
      'A-5,K-2,,2025-03-05,app,,CRO,קרואסון חמאה,0.5,-3',
    ].join('\n');
    const done = await importAndWait(w, Buffer.from(orders), 'orders.csv', 'orders');
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 7,
      processedRows: 7,
      insertedRows: 3,
      unchangedRows: 0,
      errorRows: 4,
    });
    expect(done.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          row: 5,
          column: 'מספר לקוח',
          reason: 'אין לקוח עם מספר לקוח "K-9": ייבאו קודם את קובץ הלקוחות, או תקנו את הערך',
        }),
        expect.objectContaining({ row: 6, column: 'ערוץ' }),
        expect.objectContaining({ row: 7, column: 'ערוץ' }),
        expect.objectContaining({ row: 8, column: 'מחיר' }),
      ]),
    );
    const list = await w.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent('אורי')}` });
    const uri = list.json().items[0];
    expect(uri.totals).toMatchObject({ ordersCount: 1, totalSpent: '45.00' });
    expect(uri.lifecycleStage).toBe('customer');
    expect(new Date(uri.totals.firstOrderAt).toISOString()).toBe('2025-03-01T07:15:00.000Z');
    const orderList = await w.request({ method: 'GET', url: `/api/v1/orders?customerId=${uri.id}` });
    expect(orderList.json().items[0]).toMatchObject({
      externalId: 'A-1',
      channel: 'store',
      branchName: 'תל אביב',
      total: '45.00',
      items: [
        { lineNo: 1, sku: 'CRO', quantity: 2, unitPrice: '14.50', total: '29.00' },
        { lineNo: 2, sku: 'CAP', quantity: 1, unitPrice: '16.00', total: '16.00' },
      ],
    });
    const profile = await w.request({ method: 'GET', url: `/api/v1/customers/${uri.id}` });
    const placed = profile.json().timeline.items.filter((e: { type: string }) => e.type === 'order.placed');
    expect(placed).toHaveLength(1);
    expect(placed[0].data).toEqual({ total: '45.00', channel: 'store', branchName: 'תל אביב', itemsCount: 2 });

    // The same order through the API gives the same totals and timeline shape.
    const viaApi = await w.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload: {
        externalId: 'B-1',
        customerId: uri.id,
        placedAt: '2025-04-01T10:00:00+03:00',
        channel: 'store',
        branch: 'תל אביב',
        items: [{ sku: 'CRO', name: 'קרואסון חמאה', quantity: 2, unitPrice: 14.5 }],
      },
    });
    expect(viaApi.statusCode).toBe(201);
    const afterApi = await w.request({ method: 'GET', url: `/api/v1/customers/${uri.id}` });
    expect(afterApi.json().totals).toMatchObject({ ordersCount: 2, totalSpent: '74.00' });
    const apiEvent = afterApi.json().timeline.items.find((e: { refId: string }) => e.refId === viaApi.json().id);
    expect(Object.keys(apiEvent.data).sort()).toEqual(Object.keys(placed[0].data).sort());

    const again = await importAndWait(w, Buffer.from(orders), 'orders.csv', 'orders');
    expect(again).toMatchObject({ insertedRows: 0, unchangedRows: 3, errorRows: 4 });
    const final = await w.request({ method: 'GET', url: `/api/v1/customers/${uri.id}` });
    expect(final.json().totals).toMatchObject({ ordersCount: 2, totalSpent: '74.00' });
  });

  it('shows progress up to the total on a larger file, in batches', async () => {
    const w = await createTestWorkspace(t);
    const lines = ['externalId,firstName,lastName,phone,email'];
    for (let i = 0; i < 4500; i++) {
      lines.push(`P-${i},לקוח${i},משפחה,05${String(20000000 + i).padStart(8, '0')},p${i}@example.com`);
    }
    const res = await startImport(w, Buffer.from(lines.join('\n')), 'many.csv', 'customers');
    expect(res.statusCode).toBe(202);
    const seen = new Set<number>();
    for (;;) {
      const body = (await w.request({ method: 'GET', url: `/api/v1/imports/${res.json().id}` })).json() as ImportReply;
      seen.add(body.processedRows);
      expect(body.processedRows).toBeLessThanOrEqual(body.totalRows);
      if (body.status === 'completed' || body.status === 'failed') {
        expect(body).toMatchObject({ status: 'completed', totalRows: 4500, processedRows: 4500, insertedRows: 4500 });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.has(4500)).toBe(true);
    const list = await w.request({ method: 'GET', url: '/api/v1/imports' });
    expect(list.json().items[0]).toMatchObject({ id: res.json().id, status: 'completed' });
  });
});
