import type { Notifications } from '../../db/database.ts';

export const PAGES_CHANNEL = 'klient_customer_pages';

type Entry = { body: Buffer; storedAt: number };

export type PageCacheOptions = {
  /** Upper bound of the kept pages' size in bytes (UTF-8, as sent). 0 turns the cache off. */
  maxBytes: number;
  /** A page older than this is read again even if no change was heard (a safety net, not the mechanism). */
  maxAgeMs: number;
};

/**
 * Customer pages, as the JSON answered, kept in memory and dropped when
 * PostgreSQL says a change to one committed (migration 0008 sends the
 * notifications; database.ts hears them). The page is the most opened
 * screen, and every trip to the database costs this machine more than
 * answering the page from memory (docs/decisions.md).
 *
 * Correctness rests on three rules:
 * - A page is served from memory only while the standing listener is up;
 *   when it drops, everything is forgotten, since a change may go unheard.
 * - A page read from the database is kept only if no change to it was heard
 *   while it was read: a change committed after the read began is either
 *   heard during the read (the page is not kept) or after it (and drops it).
 * - A transaction's own notifications reach this process before its commit
 *   returns, so whoever changed a customer sees the change on the next read.
 */
export class CustomerPageCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: PageCacheOptions;
  readonly #notifications: Notifications | undefined;
  /** Reads under way, per page; a change heard for the page meanwhile marks them stale. */
  readonly #reading = new Map<string, { stale: boolean }[]>();
  #bytes = 0;

  constructor(notifications: Notifications | undefined, options: PageCacheOptions) {
    this.#options = options;
    this.#notifications = options.maxBytes > 0 ? notifications : undefined;
    this.#notifications?.hear(
      PAGES_CHANNEL,
      (payload) => this.#forget(payload),
      () => this.#clear(),
    );
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The page's JSON, encoded as sent: from memory when it can be trusted,
   * else from `read`, kept for next time (as bytes, so a page from memory
   * costs no encoding and no garbage).
   */
  async page(workspaceId: string, customerId: string, read: () => Promise<unknown>): Promise<Buffer> {
    if (!this.#notifications?.live) return Buffer.from(JSON.stringify(await read()));
    const key = `${workspaceId}:${customerId}`;
    const entry = this.#entries.get(key);
    if (entry && Date.now() - entry.storedAt < this.#options.maxAgeMs) {
      // Most recently used last: Map keeps insertion order, the oldest goes first when full.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.body;
    }
    if (entry) this.#drop(key, entry);
    const reading = { stale: false };
    this.#reading.set(key, [...(this.#reading.get(key) ?? []), reading]);
    try {
      const body = Buffer.from(JSON.stringify(await read()));
      if (!reading.stale && this.#notifications.live) this.#keep(key, body);
      return body;
    } finally {
      const others = this.#reading.get(key)?.filter((r) => r !== reading) ?? [];
      if (others.length) this.#reading.set(key, others);
      else this.#reading.delete(key);
    }
  }

  #keep(key: string, body: Buffer) {
    const size = body.length;
    if (size > this.#options.maxBytes) return;
    // Two reads of one page may both finish: the later replaces the earlier, counted once.
    const earlier = this.#entries.get(key);
    if (earlier) this.#drop(key, earlier);
    this.#entries.set(key, { body, storedAt: Date.now() });
    this.#bytes += size;
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.#options.maxBytes) break;
      this.#drop(oldKey, old);
    }
  }

  #drop(key: string, entry: Entry) {
    this.#entries.delete(key);
    this.#bytes -= entry.body.length;
  }

  /** `<workspace>:<id>,<id>...` or `<workspace>:*` (migration 0008), or `*`: the page itself changed (timeline catalogue). */
  #forget(payload: string) {
    if (payload === '*') return this.#clear();
    const colon = payload.indexOf(':');
    const workspaceId = payload.slice(0, colon);
    const ids = payload.slice(colon + 1);
    if (ids === '*') {
      const prefix = `${workspaceId}:`;
      for (const [key, entry] of this.#entries) if (key.startsWith(prefix)) this.#drop(key, entry);
      for (const [key, reads] of this.#reading) if (key.startsWith(prefix)) for (const r of reads) r.stale = true;
      return;
    }
    for (const id of ids.split(',')) {
      const key = `${workspaceId}:${id}`;
      const entry = this.#entries.get(key);
      if (entry) this.#drop(key, entry);
      for (const r of this.#reading.get(key) ?? []) r.stale = true;
    }
  }

  #clear() {
    for (const reads of this.#reading.values()) for (const r of reads) r.stale = true;
    this.#entries.clear();
    this.#bytes = 0;
  }
}
