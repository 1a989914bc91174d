import { createHash, createHmac, randomBytes } from 'node:crypto';

/*
 * The draw, as docs/loyalty-contests.md writes it out, so that anyone holding
 * a contest's stored entrants and seed can work out its winners again:
 *
 *   1. The entrants are customer ids (lower-case UUIDs), sorted ascending and
 *      without repeats: the list is frozen and stored at draw time.
 *   2. The seed is 32 random bytes (crypto.randomBytes), stored as 64 hex digits.
 *   3. Each entrant's ticket is HMAC-SHA256 with the seed's 32 bytes as the key
 *      and the entrant's id (its UTF-8 text) as the message, in hex.
 *   4. Entrants are ranked by ticket, ascending (a tie, which SHA-256 all but
 *      rules out, goes to the lower id); the first N are the winners, in order.
 *
 * Nothing else goes in: not the time, not the database's order, not Math.random.
 */

export const DRAW_PROCEDURE = 'hmac-sha256-rank-v1' as const;

/** A fresh seed: 32 random bytes, as 64 lower-case hex digits. */
export function newSeed(): string {
  return randomBytes(32).toString('hex');
}

/** The entrants as the draw takes them: lower-case, without repeats, ascending by their text. */
export function freezeEntrants(ids: Iterable<string>): string[] {
  return [...new Set([...ids].map((id) => id.toLowerCase()))].sort(compareText);
}

/** sha256 of the frozen entrants joined by "\n", in hex: a short fingerprint of the list for the record. */
export function entrantsDigest(entrants: readonly string[]): string {
  return createHash('sha256').update(entrants.join('\n'), 'utf8').digest('hex');
}

/** An entrant's ticket: HMAC-SHA256(key = the seed's bytes, message = the id), in hex. */
export function ticketOf(seedHex: string, customerId: string): string {
  return createHmac('sha256', Buffer.from(seedHex, 'hex')).update(customerId, 'utf8').digest('hex');
}

/** The winners of a draw among `entrants` (already frozen) with `seedHex`: the `count` lowest tickets, in order. */
export function drawWinners(seedHex: string, entrants: readonly string[], count: number): string[] {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) throw new Error('a seed is 64 lower-case hex digits');
  return entrants
    .map((id) => ({ id, ticket: ticketOf(seedHex, id) }))
    .sort((a, b) => compareText(a.ticket, b.ticket) || compareText(a.id, b.id))
    .slice(0, Math.max(0, count))
    .map((e) => e.id);
}

/** Plain code-unit order, the same in every locale (localeCompare is not). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
