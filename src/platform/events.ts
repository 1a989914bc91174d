import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../db/tenancy.ts';
import { type Ctx, systemCtx } from './context.ts';
import { newId } from './crypto.ts';

/**
 * Domain events: a module announces what happened (order.placed,
 * customer.merged, consent.changed ...) in the same transaction as the change.
 * Other modules (loyalty, campaigns, surveys) subscribe; the dispatcher hands
 * each event to each subscriber exactly once, in the subscriber's own
 * transaction together with the record of its delivery.
 */
export type DomainEvent = { type: string; payload: Record<string, unknown> };
export type StoredEvent = DomainEvent & { id: string; occurredAt: Date };

export type Subscriber = {
  name: string;
  types: readonly string[];
  handle(trx: Trx, ctx: Ctx, event: StoredEvent): Promise<void>;
};

const subscribers = new Map<string, Subscriber>();

export function subscribe(subscriber: Subscriber): () => void {
  subscribers.set(subscriber.name, subscriber);
  return () => subscribers.delete(subscriber.name);
}

export async function publishEvent(trx: Trx, ctx: Ctx, event: DomainEvent): Promise<string> {
  const id = newId();
  await trx
    .insertInto('domain_events')
    .values({ workspace_id: ctx.workspaceId, id, type: event.type, payload: JSON.stringify(event.payload) })
    .execute();
  return id;
}

/**
 * Delivers undelivered events to every subscriber, oldest first, one
 * transaction per event and subscriber: a handler that throws is retried on
 * the next round and blocks nothing else. Returns how many were delivered.
 */
export async function dispatchEvents(db: Kysely<DB>, options: { batch?: number } = {}): Promise<number> {
  if (subscribers.size === 0) return 0;
  const batch = options.batch ?? 200;
  let delivered = 0;
  for (const subscriber of subscribers.values()) {
    const pending = await inSystem(db, (trx) =>
      trx
        .selectFrom('domain_events as e')
        .select(['e.workspace_id', 'e.id', 'e.type', 'e.payload', 'e.occurred_at'])
        .where('e.type', 'in', subscriber.types)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('event_deliveries as d')
                .select('d.event_id')
                .whereRef('d.workspace_id', '=', 'e.workspace_id')
                .whereRef('d.event_id', '=', 'e.id')
                .where('d.subscriber', '=', subscriber.name),
            ),
          ),
        )
        .orderBy('e.id')
        .limit(batch)
        .execute(),
    );
    for (const row of pending) {
      const ctx = systemCtx(row.workspace_id);
      const event: StoredEvent = {
        id: row.id,
        type: row.type,
        payload: row.payload as Record<string, unknown>,
        occurredAt: row.occurred_at,
      };
      try {
        await inWorkspace(db, row.workspace_id, async (trx) => {
          const claimed = await trx
            .insertInto('event_deliveries')
            .values({ workspace_id: row.workspace_id, event_id: row.id, subscriber: subscriber.name })
            .onConflict((oc) => oc.doNothing())
            .returning('event_id')
            .executeTakeFirst();
          // Another process delivered it first.
          if (!claimed) return;
          await subscriber.handle(trx, ctx, event);
          delivered++;
        });
      } catch (error) {
        console.error(`[events] ${subscriber.name} failed on ${row.type} ${row.id}:`, error);
      }
    }
  }
  return delivered;
}

/** Runs the dispatcher every `intervalMs` until stopped. */
export function startEventDispatcher(db: Kysely<DB>, intervalMs = 1000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? 0 : dispatchEvents(db))).catch((e) => console.error('[events]', e));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
