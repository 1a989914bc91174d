import { AppError } from './errors.ts';

/**
 * Keyset cursors: opaque to clients, and checked here, in one place, before a
 * value of one reaches a query. A cursor names the list it pages (`kind`) and
 * carries one value per sort column; each value is checked against the type
 * of its column, so a forged or stale cursor, or one from another list or
 * sort, is a 400 naming the field and never a failed cast in the database.
 */
export type CursorPart = 'timestamp' | 'uuid' | 'text' | 'numeric';
type PartValue = { timestamp: string; uuid: string; text: string; numeric: string };
export type CursorValues<P extends readonly CursorPart[]> = { [K in keyof P]: PartValue[P[K]] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What the database writes and reads without a doubt: UTC, years 1000 to 9999, up to microseconds.
const TIMESTAMP = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
// Far wider than any money column, and far inside what numeric takes.
const NUMERIC = /^-?\d{1,20}(\.\d{1,6})?$/;
const MAX_TEXT = 1000;
// PostgreSQL refuses NUL in text and jsonb, and a lone UTF-16 surrogate in jsonb.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True for text the database stores as it is: no NUL character, no half of a surrogate pair. */
export function isSafeText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** The field a bad cursor is reported under (the cursor of a list comes in the query string). */
export const CURSOR_FIELD = 'querystring.cursor';

function isValid(part: CursorPart, value: unknown): value is string {
  if (typeof value !== 'string') return false;
  switch (part) {
    case 'uuid':
      return UUID.test(value);
    case 'numeric':
      return NUMERIC.test(value);
    case 'text':
      return value.length <= MAX_TEXT && isSafeText(value);
    case 'timestamp': {
      if (!TIMESTAMP.test(value)) return false;
      const at = new Date(value);
      // A calendar date that does not exist (Feb 30, hour 25) comes back changed.
      return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 19) === value.slice(0, 19);
    }
  }
}

export function encodeCursor(kind: string, values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: values.map(String) })).toString('base64url');
}

/**
 * The values of a cursor of this kind, or null when there is none. Anything
 * else (not ours, another list's, a value of the wrong type) is a 400.
 */
export function decodeCursor<const P extends readonly CursorPart[]>(
  raw: string | undefined,
  kind: string,
  parts: P,
  field = CURSOR_FIELD,
): CursorValues<P> | null {
  if (raw === undefined || raw === '') return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const cursor = parsed as { k?: unknown; v?: unknown } | null;
  const values = cursor?.v;
  const valid =
    typeof cursor === 'object' &&
    cursor !== null &&
    cursor.k === kind &&
    Array.isArray(values) &&
    values.length === parts.length &&
    parts.every((part, i) => isValid(part, values[i]));
  if (!valid) throw new AppError('VALIDATION', { fields: [{ field, message: 'cursor.invalid' }] });
  return values as unknown as CursorValues<P>;
}

/** A keyset position in a list ordered by time, then id (newest first). */
export type TimeCursor = { at: string; id: string };

/** `kind` tells the lists apart: a timeline's cursor is no audit log's. */
export function encodeTimeCursor(c: TimeCursor, kind = 'time'): string {
  return encodeCursor(kind, [c.at, c.id]);
}

export function decodeTimeCursor(raw: string | undefined, kind = 'time'): TimeCursor | null {
  const values = decodeCursor(raw, kind, ['timestamp', 'uuid'] as const);
  return values ? { at: values[0], id: values[1] } : null;
}

/**
 * A list page from rows read one past its limit: the page, and the next cursor
 * (made from the page's last row) only when that extra row came back.
 */
export function pageOfRows<R>(
  rows: readonly R[],
  limit: number,
  cursorOf: (last: R) => string | null,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
