/** Reads an XLSX's first worksheet as a stream, each cell as text. */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { AppError } from '../../platform/errors.ts';
import { badFile, RECORDS_PER_TURN, type Read, type SheetBuilder } from './imports.sheet.ts';
import { checkZip, xlsxDeclaredLastRow } from './imports.zip.ts';

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

/** The first worksheet, streamed (ExcelJS's WorkbookReader) after the ZIP's sizes are checked. */
export async function readXlsx(buf: Buffer, builder: SheetBuilder): Promise<Read> {
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
