/** Reads an upload into a sheet: CSV or XLSX by its first bytes (imports.csv.ts, imports.xlsx.ts), whole or its head for a preview. */
import iconv from 'iconv-lite';
import { detectDelimiter, readCsv } from './imports.csv.ts';
import {
  BINARY_SIGNATURES,
  type FileEncoding,
  hasBom,
  isOle,
  isZip,
  SNIFF_BYTES,
  startsWith,
} from './imports.encoding.ts';
import { badFile, type ImportSheet, type ReadOptions, SheetBuilder, type SheetRow } from './imports.sheet.ts';
import { readXlsx } from './imports.xlsx.ts';

/** Rows one import may hold, unless the server says otherwise (KLIENT_IMPORT_MAX_ROWS). */
export const DEFAULT_IMPORT_MAX_ROWS = 200_000;

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
