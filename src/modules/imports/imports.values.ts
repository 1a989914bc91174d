/** Parsers for the values people type into spreadsheets: Israeli dates, prices with ₪, yes/כן. */

const pad = (n: number) => String(n).padStart(2, '0');

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1000 || y > 9999) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

type Parts = { y: number; m: number; d: number; hh: number; mm: number; ss: number; ms: number; offset: string | null };

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DAY_FIRST = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function parts(input: string): Parts | null {
  const s = input.trim();
  let m = ISO.exec(s);
  if (m) {
    return {
      y: Number(m[1]),
      m: Number(m[2]),
      d: Number(m[3]),
      hh: Number(m[4] ?? 0),
      mm: Number(m[5] ?? 0),
      ss: Number(m[6] ?? 0),
      ms: m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0,
      offset: m[8] ?? null,
    };
  }
  m = DAY_FIRST.exec(s);
  if (m) {
    let y = Number(m[3]);
    if (m[3]!.length === 2) y += y <= (new Date().getFullYear() % 100) + 1 ? 2000 : 1900;
    return {
      y,
      m: Number(m[2]),
      d: Number(m[1]),
      hh: Number(m[4] ?? 0),
      mm: Number(m[5] ?? 0),
      ss: Number(m[6] ?? 0),
      ms: 0,
      offset: null,
    };
  }
  return null;
}

/** A calendar date, YYYY-MM-DD, from ISO or Israeli day-first writing (31/12/1990, 31.12.90). */
export function parseDate(input: string): string | null {
  const p = parts(input);
  if (!p || !validDate(p.y, p.m, p.d)) return null;
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/** Minutes the zone is ahead of UTC at the given instant. */
function zoneOffset(utcMillis: number, timeZone: string): number {
  const hourKey = `${timeZone}|${Math.floor(utcMillis / 3_600_000)}`;
  const cached = offsets.get(hourKey);
  if (cached !== undefined) return cached;
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const f: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMillis))) f[part.type] = Number(part.value);
  const asUtc = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!);
  const offset = Math.round((asUtc - Math.floor(utcMillis / 60_000) * 60_000) / 60_000);
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(hourKey, offset);
  return offset;
}

/**
 * An instant. With an offset (ISO "...+02:00" or "Z") it is exact; a local
 * date and time is read in the workspace's time zone, as the user wrote it.
 */
export function parseDateTime(input: string, timeZone: string): Date | null {
  const p = parts(input);
  if (!p || !validDate(p.y, p.m, p.d) || p.hh > 23 || p.mm > 59 || p.ss > 59) return null;
  const wall = Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss, p.ms);
  if (p.offset) {
    if (p.offset.toUpperCase() === 'Z') return new Date(wall);
    const sign = p.offset.startsWith('-') ? -1 : 1;
    const digits = p.offset.replace(/[^\d]/g, '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    return new Date(wall - sign * minutes * 60_000);
  }
  // Guess with the offset at the wall time, then correct once for a change of offset in between (DST).
  let utc = wall - zoneOffset(wall, timeZone) * 60_000;
  utc = wall - zoneOffset(utc, timeZone) * 60_000;
  return new Date(utc);
}

/** A decimal number as written in Israel: "1,234.50", "₪ 12.90", "12,5". */
export function parseNumber(input: string): number | null {
  let s = input.trim().replace(/[₪$€\s]|ש"ח|ש״ח|nis|ils/gi, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

const yes = new Set(['yes', 'y', 'true', '1', 'כן', 'v', '✓', '✔', 'x', 'granted', 'opt-in', 'optin', 'מאשר', 'מאשרת']);
const no = new Set(['no', 'n', 'false', '0', 'לא', 'revoked', 'opt-out', 'optout', 'לא מאשר', 'לא מאשרת']);

/** yes / כן / 1 / true → granted; no / לא / 0 / false → revoked. */
export function parseConsent(input: string): boolean | null {
  const s = input.trim().toLowerCase();
  if (yes.has(s)) return true;
  if (no.has(s)) return false;
  return null;
}

/**
 * A cell without the guard spreadsheets and exports put on values Excel would
 * otherwise change: Shopify writes phones as '+972..., zip codes and ids as
 * '0612...; some exports write ="0501234567". The guard is not part of the value.
 */
export function unguard(value: string): string {
  const first = value.charCodeAt(0);
  if (first === 39) return value.slice(1).trim(); // '
  if (first !== 61 || value.charCodeAt(1) !== 34 || !value.endsWith('"')) return value; // ="…"
  return value.slice(2, -1).trim();
}
