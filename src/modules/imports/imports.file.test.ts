import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { previewImportFile, readImportFile } from './imports.file.ts';
import { checkZip } from './imports.zip.ts';

/** The reason a file was refused (the message of its one field problem), with its values. */
async function refusal(read: Promise<unknown>) {
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  const field = (error as AppError).fields[0]!;
  return { reason: field.message, params: field.params };
}

/** A seeded PRNG, so "random bytes" are the same bytes every run. */
function randomBytes(n: number, seed = 42): Buffer {
  const out = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('encoding, per file and honest', () => {
  it('reads a UTF-8 file with a few bad bytes as UTF-8, and names those rows as unreadable', async () => {
    const file = Buffer.concat([
      Buffer.from('שם פרטי,שם משפחה,עיר\nדנה,כהן,חיפה\n'),
      // Row 3: a name pasted from a Windows-1255 file.
      iconv.encode('אבי,לוי,', 'windows-1255'),
      Buffer.from('עכו\nמיכל,אברהם,באר שבע\n'),
      // Row 5: one stray byte.
      Buffer.from('רון,'),
      Buffer.from([0xff]),
      Buffer.from(',אילת\nשירה,פרץ,תל אביב\n'),
    ]);
    const sheet = await readImportFile(file, 'mixed.csv');
    expect(sheet.encoding).toBe('utf-8');
    expect(sheet.headers).toEqual(['שם פרטי', 'שם משפחה', 'עיר']);
    // The good rows read right: no mojibake from guessing a code page for the whole file.
    expect(sheet.rows.map((r) => [r.row, ...r.cells])).toEqual([
      [2, 'דנה', 'כהן', 'חיפה'],
      [4, 'מיכל', 'אברהם', 'באר שבע'],
      [6, 'שירה', 'פרץ', 'תל אביב'],
    ]);
    expect(sheet.unreadableRows).toEqual([
      { row: 3, key: 'row.invalid_characters' },
      { row: 5, key: 'row.invalid_characters' },
    ]);
    expect(sheet.rowCount).toBe(5);
  });

  it('still reads a real Windows-1255 file (Hebrew Excel "CSV") as Windows-1255', async () => {
    const text = 'שם פרטי,שם משפחה,נייד\r\nאביגיל,שטרן,054-5556666\r\nנועם,בן דוד,0527778888\r\n';
    const file = iconv.encode(text, 'windows-1255');
    const sheet = await readImportFile(file, 'excel.csv');
    expect(sheet.encoding).toBe('windows-1255');
    expect(sheet.rows.map((r) => r.cells)).toEqual([
      ['אביגיל', 'שטרן', '054-5556666'],
      ['נועם', 'בן דוד', '0527778888'],
    ]);
    expect(sheet.unreadableRows).toEqual([]);
  });

  it('refuses random bytes, a PNG and a PDF renamed .csv as "not a text table"', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
      randomBytes(200, 7),
    ]);
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
    );
    for (const file of [randomBytes(4096), randomBytes(100_000, 3), png, pdf]) {
      expect(await refusal(readImportFile(file, 'table.csv'))).toEqual({ reason: 'file.not_text_table' });
      expect(await refusal(previewImportFile(file, 'table.csv'))).toEqual({ reason: 'file.not_text_table' });
    }
  });
});

describe('limits', () => {
  const csv = (rows: number) =>
    Buffer.from(['first name,email', ...Array.from({ length: rows }, (_, i) => `n${i},n${i}@example.com`)].join('\n'));

  it('refuses a file with more data rows than allowed, naming the limit', async () => {
    expect((await readImportFile(csv(3), 'a.csv', { maxRows: 3 })).rows).toHaveLength(3);
    expect(await refusal(readImportFile(csv(4), 'a.csv', { maxRows: 3 }))).toEqual({
      reason: 'file.too_many_rows',
      params: { limit: 3 },
    });
    // Counting without keeping the rows (an upload's check) holds the same limit.
    const counted = await readImportFile(csv(3), 'a.csv', { maxRows: 3, keepRows: false });
    expect(counted).toMatchObject({ rows: [], rowCount: 3 });
  });

  it('keeps only the columns the import reads, and still counts a row whose kept cells are empty', async () => {
    const file = Buffer.concat([
      Buffer.from('name,notes,email\nדנה,"a long note",dana@example.com\n,only a note,\nרון,'),
      Buffer.from([0xff]),
      Buffer.from(',ron@example.com\n'),
    ]);
    const keepColumns = (headers: string[]) => new Set([headers.indexOf('name'), headers.indexOf('email')]);
    const sheet = await readImportFile(file, 'wide.csv', { keepColumns });
    expect(sheet.rows).toEqual([
      { row: 2, cells: ['דנה', '', 'dana@example.com'] },
      { row: 3, cells: ['', '', ''] },
      // A bad byte in a column nobody imports costs the row nothing.
      { row: 4, cells: ['רון', '', 'ron@example.com'] },
    ]);
    expect(sheet).toMatchObject({ rowCount: 3, unreadableRows: [] });
  });

  it('previews only the head: the first rows and an estimate of the total', async () => {
    const rows = 60_000;
    // Rows of about the same length, as in a real export.
    const big = Buffer.from(
      [
        'first name,email',
        ...Array.from({ length: rows }, (_, i) => `n${100_000 + i},n${100_000 + i}@example.com`),
      ].join('\n'),
    );
    const head = await previewImportFile(big, 'big.csv');
    expect(head.rows).toHaveLength(200);
    expect(head.rows[0]).toEqual({ row: 2, cells: ['n100000', 'n100000@example.com'] });
    expect(head.totalRowsEstimated).toBe(true);
    expect(Math.abs(head.totalRows - rows) / rows).toBeLessThan(0.1);
    const small = await previewImportFile(csv(12), 'small.csv');
    expect(small).toMatchObject({ totalRows: 12, totalRowsEstimated: false });
  });
});

type Entry = { name: string; deflated: Buffer; declaredSize: number };

/** A ZIP written by hand, so its declared sizes can say what a zip bomb's say. */
function zip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.deflated.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.deflated.length, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.deflated);
    centrals.push(central, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** 300 MB of worksheet XML, deflated to a few hundred KB, without ever holding the 300 MB. */
function deflatedSpaces(megabytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const deflate = zlib.createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (c: Buffer) => out.push(c));
    deflate.on('end', () => resolve(Buffer.concat(out)));
    deflate.on('error', reject);
    const mb = Buffer.alloc(1024 * 1024, ' ');
    let left = megabytes;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!deflate.write(mb)) return void deflate.once('drain', pump);
      }
      deflate.end();
    };
    pump();
  });
}

describe('XLSX within a fixed memory budget', () => {
  it('refuses a workbook that declares hundreds of MB, and one whose part inflates past what it declares', async () => {
    const bomb = await deflatedSpaces(300);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const honest = zip([{ name: 'xl/worksheets/sheet1.xml', deflated: bomb, declaredSize: 300 * 1024 * 1024 }]);
    expect(await refusal(readImportFile(honest, 'bomb.xlsx'))).toEqual({
      reason: 'file.xlsx_too_large',
      params: { limit: 256 },
    });
    const lying = zip([{ name: 'xl/sharedStrings.xml', deflated: bomb, declaredSize: 1000 }]);
    const rss = process.memoryUsage().rss;
    expect(await refusal(previewImportFile(lying, 'bomb.xlsx'))).toEqual({
      reason: 'file.xlsx_too_large',
      params: { limit: 256 },
    });
    // Refused without inflating it: memory did not grow by anything like the 300 MB.
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
  });

  it('reads a real workbook after checking it', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('לקוחות');
    sheet.addRow(['שם פרטי', 'טלפון']);
    for (let i = 0; i < 300; i++) sheet.addRow([`לקוח ${i}`, `050${String(1000000 + i)}`]);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    expect((await checkZip(file)).length).toBeGreaterThan(3);
    const read = await readImportFile(file, 'c.xlsx');
    expect(read).toMatchObject({ format: 'xlsx', headers: ['שם פרטי', 'טלפון'], rowCount: 300 });
    expect(read.rows[299]).toEqual({ row: 301, cells: ['לקוח 299', '0501000299'] });
    const head = await previewImportFile(file, 'c.xlsx');
    expect(head).toMatchObject({ totalRows: 300, totalRowsEstimated: true });
    expect(head.rows).toHaveLength(200);
    expect(await refusal(readImportFile(file, 'c.xlsx', { maxRows: 299 }))).toEqual({
      reason: 'file.too_many_rows',
      params: { limit: 299 },
    });
  });
});
