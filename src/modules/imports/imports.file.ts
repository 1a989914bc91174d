import { Readable } from 'node:stream';
import { detect } from 'chardet';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError } from '../../platform/errors.ts';

/** One data row as the user sees it: `row` is the spreadsheet row number (the header is row 1). */
export type SheetRow = { row: number; cells: string[] };

export type ImportSheet = {
  format: 'csv' | 'xlsx';
  encoding: string;
  headers: string[];
  rows: SheetRow[];
};

export type FileEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1255' | 'windows-1252';

const badFile = (message = 'invalid') => new AppError('IMPORT.BAD_FILE', { fields: [{ field: 'file', message }] });

const isZip = (buf: Buffer) =>
  buf.length > 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
const isOle = (buf: Buffer) => buf.length > 8 && buf.readUInt32BE(0) === 0xd0cf11e0;

/** True when every byte sequence is valid UTF-8 (the fatal decoder refuses anything else). */
function isValidUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** Hebrew letters in Windows-1255 (and ISO-8859-8) live at 0xE0–0xFA; points and marks at 0xC0–0xD2. */
function hasCp1255Hebrew(buf: Buffer): boolean {
  let hebrew = 0;
  const end = Math.min(buf.length, 1 << 20);
  for (let i = 0; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0xe0 && b <= 0xfa) hebrew++;
  }
  return hebrew > 0;
}

/** UTF-16 without a BOM still shows itself: text made of ASCII has a zero in every other byte. */
function utf16WithoutBom(buf: Buffer): FileEncoding | null {
  const end = Math.min(buf.length - (buf.length % 2), 4096);
  if (end < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < end; i += 2) {
    if (buf[i] === 0) evenZeros++;
    if (buf[i + 1] === 0) oddZeros++;
  }
  const pairs = end / 2;
  if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) return 'utf-16be';
  return null;
}

/**
 * Finds the text encoding of an uploaded CSV: a BOM decides; valid UTF-8 is
 * UTF-8; UTF-16 is recognised by its zero bytes; otherwise a file with bytes in
 * Windows-1255's Hebrew range is Windows-1255 (what Excel in Hebrew saves as
 * "CSV"), and chardet names the rest.
 */
export function detectEncoding(buf: Buffer): FileEncoding {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8';
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  const utf16 = utf16WithoutBom(buf);
  if (utf16) return utf16;
  if (isValidUtf8(buf)) return 'utf-8';
  const guess = (detect(buf.subarray(0, 1 << 16)) ?? '').toLowerCase();
  if (guess === 'utf-16le' || guess === 'utf-16be') return guess;
  if (hasCp1255Hebrew(buf) || guess === 'windows-1255' || guess === 'iso-8859-8') return 'windows-1255';
  return 'windows-1252';
}

function decode(buf: Buffer, encoding: FileEncoding): string {
  const text = iconv.decode(buf, encoding, { stripBOM: true });
  // A text file has no NUL characters; a binary file that reached here does.
  if (text.includes('\u0000')) throw badFile('file.binary');
  return text;
}

/** Comma, semicolon or tab: whichever the header line uses most (outside quotes). */
function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const header = end === -1 ? text : text.slice(0, end);
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [ch, n] of counts) if (n > counts.get(best)!) best = ch;
  return best;
}

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');

function fromRecords(records: string[][], format: 'csv' | 'xlsx', encoding: string, numbers?: number[]): ImportSheet {
  const headerIndex = records.findIndex((r) => !isBlank(r));
  if (headerIndex === -1) throw badFile('file.empty');
  const headers = records[headerIndex]!.map((h) => h.trim());
  while (headers.length && headers.at(-1) === '') headers.pop();
  const seen = new Set<string>();
  for (const h of headers) {
    if (h && seen.has(h)) throw badFile('header.duplicate');
    seen.add(h);
  }
  const rows: SheetRow[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    const cells = records[i]!;
    if (isBlank(cells)) continue;
    rows.push({ row: numbers ? numbers[i]! : i + 1, cells });
  }
  return { format, encoding, headers, rows };
}

export function readCsv(buf: Buffer): ImportSheet {
  const encoding = detectEncoding(buf);
  const text = decode(buf, encoding);
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    }) as string[][];
  } catch {
    throw badFile('file.csv_invalid');
  }
  return fromRecords(records, 'csv', encoding);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Excel keeps dates as local wall-clock values; ExcelJS hands them over as UTC dates with those digits. */
function excelDate(d: Date): string {
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) return date;
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return excelDate(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(6)));
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result);
    if (v.text !== undefined) return cellText(v.text);
    if (v.error !== undefined) return '';
  }
  return String(value);
}

/** The first worksheet, streamed so a large workbook is not held twice in memory. */
export async function readXlsx(buf: Buffer): Promise<ImportSheet> {
  const records: string[][] = [];
  const numbers: number[] = [];
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buf]), {
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'cache',
      worksheets: 'emit',
    });
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]).trim());
        records.push(cells);
        numbers.push(row.number);
      }
      break;
    }
  } catch {
    throw badFile('file.xlsx_invalid');
  }
  // Rows ExcelJS skipped (empty in the sheet) still count in the numbering the user sees.
  return fromRecords(records, 'xlsx', 'xlsx', numbers);
}

/** Reads an uploaded CSV or XLSX file into headers and rows of text cells. */
export async function readImportFile(buf: Buffer, filename: string): Promise<ImportSheet> {
  if (buf.length === 0) throw badFile('file.empty');
  if (isZip(buf)) return readXlsx(buf);
  if (isOle(buf) || /\.xls$/i.test(filename)) throw badFile('file.xls_unsupported');
  return readCsv(buf);
}
