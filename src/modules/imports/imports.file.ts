import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import zlib from 'node:zlib';
import { detect } from 'chardet';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError } from '../../platform/errors.ts';

/** One data row as the user sees it: `row` is the spreadsheet row number (the header is row 1). */
export type SheetRow = { row: number; cells: string[] };

/** A row that could not be read as text (invalid bytes for the file's encoding): a row error, never imported. */
export type UnreadableRow = { row: number; key: 'row.invalid_characters' };

export type ImportSheet = {
  format: 'csv' | 'xlsx';
  encoding: string;
  headers: string[];
  rows: SheetRow[];
  /** Data rows in the file (readable and unreadable), also when the rows were not kept. */
  rowCount?: number;
  unreadableRows?: UnreadableRow[];
};

export type FileEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1255' | 'windows-1252';

/** Rows one import may hold, unless the server says otherwise (KLIENT_IMPORT_MAX_ROWS). */
export const DEFAULT_IMPORT_MAX_ROWS = 200_000;
/** What an XLSX may unpack to, all its parts together: past that it is refused before it is read. */
export const MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024;
/** How much of a file the encoding, delimiter and binary checks look at. */
const SNIFF_BYTES = 64 * 1024;
/** The slices a file is decoded and parsed in; the event loop gets a turn after each. */
const CHUNK_BYTES = 64 * 1024;
/** Records handled between two turns of the event loop. */
const RECORDS_PER_TURN = 1000;

export type ReadOptions = {
  /** More data rows than this is a 400 naming the limit. */
  maxRows?: number;
  /** False: count and check the rows without keeping them (an upload's check). */
  keepRows?: boolean;
  /**
   * The columns (by index) the import reads, given the file's headers: the others' cells are
   * dropped as they are read (an unmapped wide column costs no memory, and its bytes no row error).
   */
  keepColumns?: (headers: string[]) => ReadonlySet<number>;
};

const badFile = (message = 'invalid', params?: Record<string, string | number>) =>
  new AppError('IMPORT.BAD_FILE', { fields: [{ field: 'file', message, ...(params ? { params } : {}) }] });

const tooManyRows = (limit: number) => badFile('file.too_many_rows', { limit });

const startsWith = (buf: Buffer, bytes: number[], at = 0) =>
  buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const isZip = (buf: Buffer) => startsWith(buf, [0x50, 0x4b, 0x03, 0x04]);
const isOle = (buf: Buffer) => startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0]);

/** Files that are not tables whatever their name says: documents, images, archives, programs. */
const BINARY_SIGNATURES: { bytes: number[]; at?: number }[] = [
  { bytes: ascii('%PDF-') },
  { bytes: [0x89, 0x50, 0x4e, 0x47] },
  { bytes: ascii('GIF8') },
  { bytes: [0xff, 0xd8, 0xff] },
  { bytes: [0x1f, 0x8b] },
  { bytes: [0x42, 0x5a, 0x68] },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { bytes: ascii('Rar!') },
  { bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { bytes: ascii('RIFF') },
  { bytes: ascii('OggS') },
  { bytes: ascii('ID3') },
  { bytes: ascii('ftyp'), at: 4 },
  { bytes: ascii('SQLite format 3') },
  { bytes: ascii('{\\rtf') },
  { bytes: ascii('%!PS') },
  { bytes: [0x00, 0x61, 0x73, 0x6d] },
];

const hasBom = (buf: Buffer) =>
  startsWith(buf, [0xef, 0xbb, 0xbf]) || startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff]);

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
 * A text table has no NUL and almost no control characters besides tab and
 * line breaks; random bytes have one in ten, a PNG or a PDF its signature.
 */
function looksBinary(head: Buffer): boolean {
  if (BINARY_SIGNATURES.some((s) => startsWith(head, s.bytes, s.at))) return true;
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) || b === 0x7f) controls++;
  }
  return controls > Math.max(2, head.length * 0.005);
}

/** Valid multi-byte UTF-8 sequences against bytes that cannot be UTF-8, over the whole file. */
async function utf8Evidence(buf: Buffer): Promise<{ valid: number; invalid: number }> {
  let valid = 0;
  let invalid = 0;
  let i = 0;
  while (i < buf.length) {
    const stop = Math.min(buf.length, i + (1 << 20));
    while (i < stop) {
      const b = buf[i]!;
      if (b < 0x80) {
        i++;
        continue;
      }
      const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      let ok = length > 0 && i + length <= buf.length;
      for (let k = 1; ok && k < length; k++) ok = (buf[i + k]! & 0xc0) === 0x80;
      if (ok) {
        valid++;
        i += length;
      } else {
        invalid++;
        i++;
      }
    }
    await nextTurn();
  }
  return { valid, invalid };
}

/** Hebrew letters in Windows-1255 (and ISO-8859-8) live at 0xE0–0xFA. */
function hasCp1255Hebrew(buf: Buffer): boolean {
  const end = Math.min(buf.length, 1 << 20);
  for (let i = 0; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0xe0 && b <= 0xfa) return true;
  }
  return false;
}

/**
 * Finds the text encoding of an uploaded CSV, for the file as a whole: a BOM
 * decides; UTF-16 is recognised by its zero bytes; a file that is not text
 * at all (random bytes, a PNG or a PDF renamed .csv) is refused. A file that
 * is valid UTF-8 is UTF-8, and so is one that is mostly UTF-8 with a few bad
 * bytes (those rows become row errors, never mojibake). Otherwise it is a
 * legacy code page: Windows-1255 when it has Hebrew letters there (what Excel
 * in Hebrew saves as "CSV"), else Windows-1252.
 */
export async function detectEncoding(buf: Buffer): Promise<FileEncoding> {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return 'utf-8';
  if (startsWith(buf, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(buf, [0xfe, 0xff])) return 'utf-16be';
  const utf16 = utf16WithoutBom(buf);
  if (utf16) return utf16;
  if (looksBinary(buf.subarray(0, SNIFF_BYTES))) throw badFile('file.not_text_table');
  if (isUtf8(buf)) return 'utf-8';
  const evidence = await utf8Evidence(buf);
  if (evidence.valid > evidence.invalid) return 'utf-8';
  const guess = (detect(buf.subarray(0, SNIFF_BYTES)) ?? '').toLowerCase();
  if (hasCp1255Hebrew(buf) || guess === 'windows-1255' || guess === 'iso-8859-8') return 'windows-1255';
  return 'windows-1252';
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
/** What a decoder makes of bytes that are not text in the file's encoding, and a NUL. */
const unreadable = (text: string) => text.includes('\uFFFD') || text.includes('\u0000');

/**
 * The file's records, decoded and parsed as a stream (csv-parse's streaming
 * parser): a 64 KB slice at a time, the next slice only once the consumer has
 * taken the last one's records, and a turn of the event loop between slices,
 * so a 50 MB file never holds the server up nor sits in memory as one string.
 */
async function* csvRecords(buf: Buffer, encoding: FileEncoding): AsyncGenerator<string[]> {
  const headText = iconv.decode(buf.subarray(0, SNIFF_BYTES), encoding, { stripBOM: true });
  // UTF-8 by the platform's decoder (native, and bad bytes become U+FFFD); code pages by iconv-lite.
  const native = encoding === 'utf-8' ? new TextDecoder('utf-8') : null;
  const legacy = native ? null : iconv.getDecoder(encoding, { stripBOM: true });
  const decoder = {
    write: (chunk: Buffer) => (native ? native.decode(chunk, { stream: true }) : legacy!.write(chunk)),
    end: () => (native ? native.decode() : (legacy!.end() ?? '')),
  };
  const parser = parse({
    delimiter: detectDelimiter(headText),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
  });
  // The parser is driven by hand: a slice in, a turn of the event loop (the parser hands its
  // records over on the next tick), the slice's records out; never more than a slice in memory.
  const ready: string[][] = [];
  let failure: unknown = null;
  let ended = false;
  parser.on('readable', () => {
    for (let record = parser.read(); record !== null; record = parser.read()) ready.push(record as string[]);
  });
  parser.on('error', (error) => {
    failure = error;
  });
  parser.on('end', () => {
    ended = true;
  });
  const drain = function* () {
    if (failure) throw badFile('file.csv_invalid');
    yield* ready.splice(0);
  };
  try {
    for (let at = 0; at < buf.length; at += CHUNK_BYTES) {
      const piece = decoder.write(buf.subarray(at, at + CHUNK_BYTES));
      if (piece) parser.write(piece);
      await nextTurn();
      yield* drain();
    }
    const tail = decoder.end();
    if (tail) parser.write(tail);
    parser.end();
    while (!ended && !failure) await nextTurn();
    yield* drain();
  } finally {
    parser.removeAllListeners();
    parser.destroy();
  }
}

/** Turns records into the header and the data rows: blank rows skipped, unreadable ones set aside. */
class SheetBuilder {
  headers: string[] | null = null;
  readonly rows: SheetRow[] = [];
  readonly unreadableRows: UnreadableRow[] = [];
  rowCount = 0;

  #keep: ReadonlySet<number> | null = null;

  constructor(
    readonly options: {
      maxRows: number;
      keepRows: boolean;
      checkText: boolean;
      keepColumns?: ReadOptions['keepColumns'];
    },
    readonly stopAfter = Number.POSITIVE_INFINITY,
  ) {}

  /** Takes one record; false once enough data rows are in (a preview). */
  add(cells: string[], row: number): boolean {
    if (this.headers === null) {
      if (isBlank(cells)) return true;
      const headers = cells.map((h) => h.trim());
      while (headers.length && headers.at(-1) === '') headers.pop();
      const seen = new Set<string>();
      for (const h of headers) {
        if (h && seen.has(h)) throw badFile('header.duplicate');
        seen.add(h);
      }
      if (this.options.checkText && headers.some(unreadable)) throw badFile('file.header_unreadable');
      this.headers = headers;
      this.#keep = this.options.keepColumns?.(headers) ?? null;
      return true;
    }
    // Blank as the file has it (a row with only unmapped cells filled still counts as a row).
    if (isBlank(cells)) return true;
    this.rowCount++;
    if (this.rowCount > this.options.maxRows) throw tooManyRows(this.options.maxRows);
    const keep = this.#keep;
    const kept = keep ? cells.map((c, i) => (keep.has(i) ? c : '')) : cells;
    if (this.options.checkText && kept.some(unreadable)) {
      this.unreadableRows.push({ row, key: 'row.invalid_characters' });
    } else if (this.options.keepRows) {
      this.rows.push({ row, cells: kept });
    }
    return this.rowCount < this.stopAfter;
  }

  finish(format: 'csv' | 'xlsx', encoding: string): ImportSheet {
    if (this.headers === null) throw badFile('file.empty');
    return {
      format,
      encoding,
      headers: this.headers,
      rows: this.rows,
      rowCount: this.rowCount,
      unreadableRows: this.unreadableRows,
    };
  }
}

type Read = { sheet: ImportSheet; complete: boolean; lastRow?: number | null };

async function readCsv(buf: Buffer, builder: SheetBuilder): Promise<Read> {
  const encoding = await detectEncoding(buf);
  let row = 0;
  let complete = true;
  for await (const record of csvRecords(buf, encoding)) {
    row++;
    if (!builder.add(record, row)) {
      complete = false;
      break;
    }
    if (row % RECORDS_PER_TURN === 0) await nextTurn();
  }
  return { sheet: builder.finish('csv', encoding), complete };
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

type ZipEntry = { name: string; method: number; compressedSize: number; size: number; localOffset: number };

/** The entries a ZIP's central directory declares, read from the end of the file. */
function zipEntries(buf: Buffer): ZipEntry[] {
  const minEnd = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= minEnd; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw badFile('file.xlsx_invalid');
  const count = buf.readUInt16LE(eocd + 10);
  const offset = buf.readUInt32LE(eocd + 16);
  // ZIP64 is for parts over 4 GB: no workbook that fits an upload needs it, a zip bomb does.
  if (count === 0xffff || offset === 0xffffffff)
    throw badFile('file.xlsx_too_large', { limit: mb(MAX_XLSX_UNPACKED_BYTES) });
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw badFile('file.xlsx_invalid');
    const nameLength = buf.readUInt16LE(at + 28);
    entries.push({
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** Inflates one entry into nothing, counting: more than it declared means the ZIP lies about itself. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflateRaw();
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('end', () => resolve(size));
    inflate.on('error', () => reject(badFile('file.xlsx_invalid')));
    inflate.end(data);
  });
}

/**
 * A workbook is a ZIP: before ExcelJS reads it, its declared sizes must add
 * up to at most MAX_XLSX_UNPACKED_BYTES, and each part must inflate to no more
 * than it declares (checked in zlib's thread pool, the output dropped as it
 * comes). So a zip bomb is refused without ever being held in memory.
 */
export async function checkZip(buf: Buffer, budget = MAX_XLSX_UNPACKED_BYTES): Promise<ZipEntry[]> {
  const entries = zipEntries(buf);
  const declared = entries.reduce((sum, e) => sum + e.size, 0);
  const tooLarge = () => badFile('file.xlsx_too_large', { limit: mb(budget) });
  if (declared > budget) throw tooLarge();
  for (const entry of entries) {
    const at = entry.localOffset;
    if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) throw badFile('file.xlsx_invalid');
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    const data = buf.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) throw tooLarge();
      continue;
    }
    if (entry.method !== 8) throw badFile('file.xlsx_invalid');
    if ((await inflatedSize(data, entry.size)) > entry.size) throw tooLarge();
  }
  return entries;
}

/** The first bytes an entry inflates to (at most `bytes`, give or take a chunk). */
function inflateHead(data: Buffer, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflateRaw();
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    inflate.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= bytes) {
        inflate.destroy();
        done();
      }
    });
    inflate.on('end', done);
    inflate.on('error', done);
    inflate.end(data);
  });
}

/** The last row number the first worksheet declares (`<dimension ref="A1:K5000"/>`), for a preview's estimate. */
async function xlsxDeclaredLastRow(buf: Buffer, entries: ZipEntry[]): Promise<number | null> {
  const sheet = entries.find((e) => /^xl\/worksheets\/sheet\d+\.xml$/.test(e.name));
  if (!sheet) return null;
  const at = sheet.localOffset;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + sheet.compressedSize);
  const head = sheet.method === 0 ? data.subarray(0, 4096).toString('utf8') : await inflateHead(data, 4096);
  const match = /<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"/.exec(head);
  return match?.[1] ? Number(match[1]) : null;
}

/** The first worksheet, streamed (ExcelJS's WorkbookReader) after the ZIP's sizes are checked. */
async function readXlsx(buf: Buffer, builder: SheetBuilder): Promise<Read> {
  const entries = await checkZip(buf);
  let complete = true;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buf]), {
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'cache',
      worksheets: 'emit',
    });
    let seen = 0;
    outer: for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]).trim());
        // Rows ExcelJS skipped (empty in the sheet) still count in the numbering the user sees.
        if (!builder.add(cells, row.number)) {
          complete = false;
          break outer;
        }
        if (++seen % RECORDS_PER_TURN === 0) await nextTurn();
      }
      break;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badFile('file.xlsx_invalid');
  }
  const sheet = builder.finish('xlsx', 'xlsx');
  return { sheet, complete, lastRow: complete ? null : await xlsxDeclaredLastRow(buf, entries) };
}

function formatOf(buf: Buffer, filename: string): 'csv' | 'xlsx' {
  if (buf.length === 0) throw badFile('file.empty');
  if (isZip(buf)) return 'xlsx';
  if (isOle(buf) || /\.xls$/i.test(filename)) throw badFile('file.xls_unsupported');
  if (!hasBom(buf) && BINARY_SIGNATURES.some((s) => startsWith(buf, s.bytes, s.at))) {
    throw badFile('file.not_text_table');
  }
  return 'csv';
}

/**
 * Reads an uploaded CSV or XLSX file into headers and rows of text cells, as a
 * stream: more than `maxRows` data rows is refused, naming the limit, as soon
 * as the row past it is read.
 */
export async function readImportFile(buf: Buffer, filename: string, options: ReadOptions = {}): Promise<ImportSheet> {
  const format = formatOf(buf, filename);
  const builder = new SheetBuilder({
    maxRows: options.maxRows ?? DEFAULT_IMPORT_MAX_ROWS,
    keepRows: options.keepRows ?? true,
    checkText: format === 'csv',
    keepColumns: options.keepColumns,
  });
  const read = format === 'xlsx' ? await readXlsx(buf, builder) : await readCsv(buf, builder);
  return read.sheet;
}

export type FilePreview = {
  format: 'csv' | 'xlsx';
  encoding: string;
  headers: string[];
  rows: SheetRow[];
  /** Data rows in the file: counted when the whole file was read, else estimated from the part read. */
  totalRows: number;
  totalRowsEstimated: boolean;
};

/**
 * The head of a file for the preview: the header and the first `sampleSize`
 * data rows, read as a stream that stops there, so a 50 MB file costs what
 * its first rows cost. The total is counted when the file ends within the
 * sample, and otherwise estimated from the bytes the sample took.
 */
export async function previewImportFile(buf: Buffer, filename: string, sampleSize = 200): Promise<FilePreview> {
  const format = formatOf(buf, filename);
  const builder = new SheetBuilder(
    { maxRows: Number.POSITIVE_INFINITY, keepRows: true, checkText: format === 'csv' },
    sampleSize,
  );
  const read = format === 'xlsx' ? await readXlsx(buf, builder) : await readCsv(buf, builder);
  const { sheet } = read;
  let totalRows = sheet.rowCount ?? sheet.rows.length;
  if (!read.complete && read.lastRow) {
    // The sheet's declared extent, less the header row and whatever preceded it.
    const headerRow = (sheet.rows[0]?.row ?? 2) - 1;
    totalRows = Math.max(totalRows, read.lastRow - headerRow);
  } else if (!read.complete && format === 'csv') {
    // Bytes per row in the sample, as the file stores them (its encoding, delimiter, quotes, line ends).
    const encoding = sheet.encoding as FileEncoding;
    const head = iconv.decode(buf.subarray(0, SNIFF_BYTES), encoding);
    const delimiter = detectDelimiter(head);
    const lineEnd = head.includes('\r\n') ? 2 : 1;
    const bytesOf = (cells: string[]) =>
      iconv.encode(
        cells.map((c) => (/[",\r\n;\t]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(delimiter),
        encoding,
      ).length + lineEnd;
    const sampleBytes = sheet.rows.reduce((sum, r) => sum + bytesOf(r.cells), 0);
    const perRow = sampleBytes / Math.max(1, sheet.rows.length);
    totalRows = Math.max(totalRows, Math.round((buf.length - bytesOf(sheet.headers)) / Math.max(1, perRow)));
  }
  return {
    format,
    encoding: sheet.encoding,
    headers: sheet.headers,
    rows: sheet.rows,
    totalRows,
    totalRowsEstimated: !read.complete,
  };
}
