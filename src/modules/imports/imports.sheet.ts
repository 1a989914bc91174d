/** What a read file is (headers and rows of text cells), and how a reader's records become one. */
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

/** Records handled between two turns of the event loop. */
export const RECORDS_PER_TURN = 1000;

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

export const badFile = (message = 'invalid', params?: Record<string, string | number>) =>
  new AppError('IMPORT.BAD_FILE', { fields: [{ field: 'file', message, ...(params ? { params } : {}) }] });

export const tooManyRows = (limit: number) => badFile('file.too_many_rows', { limit });

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');
/** What a decoder makes of bytes that are not text in the file's encoding, and a NUL. */
const unreadable = (text: string) => text.includes('\uFFFD') || text.includes('\u0000');

/** Turns records into the header and the data rows: blank rows skipped, unreadable ones set aside. */
export class SheetBuilder {
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

export type Read = { sheet: ImportSheet; complete: boolean; lastRow?: number | null };
