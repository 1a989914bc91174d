import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { drawWinners, entrantsDigest, freezeEntrants, newSeed, ticketOf } from './loyalty.contests.draw.ts';

const ids = Array.from({ length: 40 }, (_, i) => `0190${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`);
const seedA = 'a'.repeat(64);
const seedB = `${'a'.repeat(63)}b`;

describe('the draw procedure', () => {
  it('gives the same winners from the same entrants and seed, whatever order they were handed in', () => {
    const entrants = freezeEntrants([...ids].reverse());
    expect(entrants).toEqual([...ids].sort());
    expect(drawWinners(seedA, entrants, 5)).toEqual(drawWinners(seedA, freezeEntrants(ids), 5));
    expect(new Set(drawWinners(seedA, entrants, 5)).size).toBe(5);
  });

  it('is HMAC-SHA256 of each id keyed by the seed, lowest tickets first, as the docs say', () => {
    const entrants = freezeEntrants(ids);
    const byHand = entrants
      .map((id) => ({ id, t: createHmac('sha256', Buffer.from(seedA, 'hex')).update(id).digest('hex') }))
      .sort((a, b) => (a.t < b.t ? -1 : 1))
      .slice(0, 3)
      .map((e) => e.id);
    expect(drawWinners(seedA, entrants, 3)).toEqual(byHand);
    expect(ticketOf(seedA, entrants[0]!)).toHaveLength(64);
  });

  it('gives different winners when the seed is tampered with, or an entrant slipped in', () => {
    const entrants = freezeEntrants(ids);
    expect(drawWinners(seedB, entrants, 5)).not.toEqual(drawWinners(seedA, entrants, 5));
    const withExtra = freezeEntrants([...ids, 'ffffffff-0000-7000-8000-000000000000']);
    expect(entrantsDigest(withExtra)).not.toBe(entrantsDigest(entrants));
  });

  it('takes all entrants when there are fewer than winners, and refuses a seed that is not 32 bytes of hex', () => {
    expect(drawWinners(seedA, freezeEntrants(ids.slice(0, 2)), 5)).toHaveLength(2);
    expect(() => drawWinners('xyz', ids, 1)).toThrow();
    expect(newSeed()).toMatch(/^[0-9a-f]{64}$/);
    expect(newSeed()).not.toBe(newSeed());
  });
});
