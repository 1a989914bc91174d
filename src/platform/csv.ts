import { stringify } from 'csv-stringify/sync';

/**
 * A cell a spreadsheet would run as a formula (OWASP "CSV injection"): one
 * that starts with `=`, `+`, `-`, `@`, a tab or a carriage return. A phone
 * like `+972…` and a negative amount start that way too; they are prefixed
 * all the same, as OWASP advises, and Klient's importer reads the prefixed
 * value back without the apostrophe.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as text, neutralised with a leading single quote when Excel would take it for a formula. */
export function safeCsvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Every CSV the server writes goes through here: cells neutralised, quoted
 * where needed, and UTF-8 with a byte-order mark so Excel shows the Hebrew.
 */
export function toSafeCsv(rows: Iterable<readonly unknown[]>, options: { bom?: boolean } = {}): string {
  const safe: string[][] = [];
  for (const row of rows) safe.push(row.map(safeCsvCell));
  const body = stringify(safe);
  return options.bom === false ? body : `\uFEFF${body}`;
}
