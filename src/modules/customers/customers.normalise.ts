import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Phones in E.164, read as Israeli when they carry no country code:
 * 050-1234567, 0501234567 and +972-50-123-4567 all become +972501234567.
 * Returns null for what is not a possible phone number.
 */
export function normalisePhone(input: string): string | null {
  const trimmed = input.trim();
  // Only digits and the punctuation people write phones with; a letter means a typo, not a phone.
  if (!trimmed || !/^[\d\s\-+().]+$/.test(trimmed)) return null;
  const phone = parsePhoneNumberFromString(trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed, 'IL');
  if (!phone?.isValid()) return null;
  return phone.number;
}

/** Lower-cased and trimmed; a plus-tag is kept, since it may be how the customer tells senders apart. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) return null;
  return email;
}

/** The phone as people type it in Israel: +972501234567 → 0501234567. */
export function localPhone(e164: string): string | null {
  return e164.startsWith('+972') ? `0${e164.slice(4)}` : null;
}

/**
 * One lower-cased text per customer that search matches fragments in: names in
 * both scripts, emails, and each phone both as 9725... and as 05... digits.
 */
export function buildSearchText(parts: {
  names: (string | null | undefined)[];
  emails: (string | null | undefined)[];
  phones: (string | null | undefined)[];
  externalIds: (string | null | undefined)[];
}): string {
  const out: string[] = [];
  for (const name of parts.names) if (name) out.push(name.toLowerCase());
  for (const email of parts.emails) if (email) out.push(email.toLowerCase());
  for (const phone of parts.phones) {
    if (!phone) continue;
    out.push(phone.replace(/\D/g, ''));
    const local = localPhone(phone);
    if (local) out.push(local);
  }
  for (const id of parts.externalIds) if (id) out.push(id.toLowerCase());
  return out.join(' ');
}

/**
 * Turns what a user typed into search terms, each of which must match. A query
 * made only of digits and phone punctuation is a phone fragment: its digits,
 * with a leading 972 kept, so "+972-50-12" and "050-12" both find the customer.
 */
export function searchTerms(query: string): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  if (/^[\d\s\-+().]+$/.test(q)) {
    const digits = q.replace(/\D/g, '');
    // 00 is the international dialling prefix (00972 50...); the stored digits start at 972.
    const international = digits.startsWith('00972') ? digits.slice(2) : digits;
    return international ? [international] : [];
  }
  return q.split(/\s+/).filter(Boolean).slice(0, 5);
}
