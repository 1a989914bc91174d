import { describe, expect, it } from 'vitest';
import type { Notifications } from '../../db/database.ts';
import { CustomerPageCache } from './customers.page-cache.ts';

/** A listener that is always up, and lets the test announce changes. */
function fakeNotifications() {
  let onMessage: (payload: string) => void = () => {};
  const notifications: Notifications = {
    hear(_channel, message) {
      onMessage = message;
    },
    live: true,
  };
  return { notifications, announce: (payload: string) => onMessage(payload) };
}

const page = (n: number) => ({ id: n, body: 'x'.repeat(90) });

describe('CustomerPageCache bookkeeping', () => {
  it('keeps within its byte budget, dropping the least recently used, even when one page is read twice at once', async () => {
    const { notifications } = fakeNotifications();
    const cache = new CustomerPageCache(notifications, { maxBytes: 1000, maxAgeMs: 60_000 });
    let reads = 0;
    const read = (n: number) => async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 1));
      return page(n);
    };
    // A page read twice at once (a new one each round), many times over: must not eat the budget.
    for (let round = 0; round < 50; round++) {
      await Promise.all([cache.page('w', `a${round}`, read(1)), cache.page('w', `a${round}`, read(1))]);
      await cache.page('w', `b${round}`, read(2));
    }
    expect(cache.size).toBeGreaterThan(5);
    reads = 0;
    await cache.page('w', 'b49', read(2));
    expect(reads).toBe(0);
  });

  it('drops the pages a change names, and a whole workspace for "*"', async () => {
    const { notifications, announce } = fakeNotifications();
    const cache = new CustomerPageCache(notifications, { maxBytes: 10_000, maxAgeMs: 60_000 });
    let reads = 0;
    const read = async () => {
      reads++;
      return page(1);
    };
    for (const key of ['a', 'b', 'c']) await cache.page('w1', key, read);
    await cache.page('w2', 'a', read);
    reads = 0;
    announce('w1:a,b');
    for (const key of ['a', 'b', 'c']) await cache.page('w1', key, read);
    expect(reads).toBe(2);
    announce('w1:*');
    reads = 0;
    await cache.page('w1', 'c', read);
    await cache.page('w2', 'a', read);
    expect(reads).toBe(1);
  });
});
