import { type Kysely, sql } from 'kysely';
import type { z } from 'zod';
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
 *
 * Each event is defined once, by the module that publishes it, with the zod
 * schema of its payload (`customers.events.ts`, `commerce.events.ts` ...): a
 * publisher cannot send, and a subscriber does not receive, a payload of
 * another shape.
 */
export type EventDefinition<T extends string = string, P extends z.ZodType = z.ZodType> = {
  readonly type: T;
  readonly payload: P;
};

export function defineEvent<const T extends string, P extends z.ZodType>(type: T, payload: P): EventDefinition<T, P> {
  return { type, payload };
}

/** An event as a subscriber receives it: its definition's type and payload, with its id and time. */
export type DeliveredEvent<D extends EventDefinition> =
  D extends EventDefinition<infer T, infer P> ? { id: string; type: T; payload: z.infer<P>; occurredAt: Date } : never;

export type Subscriber<D extends EventDefinition = EventDefinition> = {
  name: string;
  events: readonly D[];
  handle(trx: Trx, ctx: Ctx, event: DeliveredEvent<D>): Promise<void>;
  /**
   * Many events of one workspace at once, in one transaction, oldest first
   * (an import publishes thousands): the same as `handle` on each, done in
   * fewer statements. Should it throw, the dispatcher hands the events to
   * `handle` one by one, so that one bad event holds up only itself.
   */
  handleBatch?(trx: Trx, ctx: Ctx, events: DeliveredEvent<D>[]): Promise<void>;
};

type AnySubscriber = {
  name: string;
  events: readonly EventDefinition[];
  handle(trx: Trx, ctx: Ctx, event: DeliveredEvent<EventDefinition>): Promise<void>;
  handleBatch?(trx: Trx, ctx: Ctx, events: DeliveredEvent<EventDefinition>[]): Promise<void>;
};

/**
 * A module's subscriber, typed by the events it takes (its handler reads each
 * payload as its definition says); the module object's list holds any kind.
 */
export function defineSubscriber<D extends EventDefinition>(subscriber: Subscriber<D>): Subscriber<EventDefinition> {
  return subscriber as unknown as Subscriber<EventDefinition>;
}

const subscribers = new Map<string, AnySubscriber>();

export function subscribe<D extends EventDefinition>(subscriber: Subscriber<D>): () => void {
  subscribers.set(subscriber.name, subscriber as unknown as AnySubscriber);
  return () => subscribers.delete(subscriber.name);
}

/** Records the event in the caller's transaction; a payload that does not fit its definition is a bug and throws. */
export async function publishEvent<D extends EventDefinition>(
  trx: Trx,
  ctx: Ctx,
  definition: D,
  payload: z.input<D['payload']>,
): Promise<string> {
  const checked = definition.payload.parse(payload);
  const id = newId();
  await trx
    .insertInto('domain_events')
    .values({ workspace_id: ctx.workspaceId, id, type: definition.type, payload: JSON.stringify(checked) })
    .execute();
  return id;
}

/** Records many events of one definition in the caller's transaction, in one statement (a bulk import's orders). */
export async function publishEvents<D extends EventDefinition>(
  trx: Trx,
  ctx: Ctx,
  definition: D,
  payloads: z.input<D['payload']>[],
): Promise<void> {
  if (payloads.length === 0) return;
  const rows = payloads.map((payload) => ({
    id: newId(),
    payload: JSON.stringify(definition.payload.parse(payload)),
  }));
  await sql`
    insert into domain_events (workspace_id, id, type, payload)
    select ${ctx.workspaceId}::uuid, x.id, ${definition.type}, x.payload::jsonb
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(id uuid, payload text)`.execute(trx);
}

/**
 * Delivers undelivered events to every subscriber, oldest first, one
 * transaction per event and subscriber: a handler that throws is retried on
 * the next round and blocks nothing else. Returns how many were delivered.
 * `workspaceId` keeps it to one workspace's events (a test's own, where many
 * test files share one database).
 */
export async function dispatchEvents(
  db: Kysely<DB>,
  options: { batch?: number; workspaceId?: string } = {},
): Promise<number> {
  if (subscribers.size === 0) return 0;
  const batch = options.batch ?? 200;
  let delivered = 0;
  for (const subscriber of subscribers.values()) {
    const definitions = new Map(subscriber.events.map((d) => [d.type, d]));
    const pending = await inSystem(db, (trx) =>
      trx
        .selectFrom('domain_events as e')
        .select(['e.workspace_id', 'e.id', 'e.type', 'e.payload', 'e.occurred_at'])
        .where('e.type', 'in', [...definitions.keys()])
        .$if(options.workspaceId !== undefined, (q) => q.where('e.workspace_id', '=', options.workspaceId!))
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
    const read = (row: (typeof pending)[number]) => ({
      id: row.id,
      type: row.type,
      payload: definitions.get(row.type)?.payload.parse(row.payload),
      occurredAt: row.occurred_at,
    });
    // A subscriber that takes batches gets each workspace's run of events at once; what fails goes one by one.
    const single: typeof pending = [];
    if (subscriber.handleBatch) {
      for (const run of runsByWorkspace(pending)) {
        const workspaceId = run[0]!.workspace_id;
        try {
          delivered += await inWorkspace(db, workspaceId, async (trx) => {
            const claimed = await trx
              .insertInto('event_deliveries')
              .values(run.map((r) => ({ workspace_id: workspaceId, event_id: r.id, subscriber: subscriber.name })))
              .onConflict((oc) => oc.doNothing())
              .returning('event_id')
              .execute();
            const mine = new Set(claimed.map((c) => c.event_id));
            const events = run.filter((r) => mine.has(r.id)).map(read);
            if (events.length > 0) await subscriber.handleBatch!(trx, systemCtx(workspaceId), events as never);
            return events.length;
          });
        } catch (error) {
          console.error(
            `[events] ${subscriber.name} failed on a batch of ${run.length}; delivering one by one:`,
            error,
          );
          single.push(...run);
        }
      }
    } else {
      single.push(...pending);
    }
    for (const row of single) {
      const ctx = systemCtx(row.workspace_id);
      try {
        // Read through the definition, as it was published: a stored payload of another shape is a bug, logged below.
        const payload = definitions.get(row.type)?.payload.parse(row.payload);
        const event = { id: row.id, type: row.type, payload, occurredAt: row.occurred_at };
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

/** Events in runs of one workspace each, in their order. */
function runsByWorkspace<R extends { workspace_id: string }>(rows: readonly R[]): R[][] {
  const runs: R[][] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last && last[0]!.workspace_id === row.workspace_id) last.push(row);
    else runs.push([row]);
  }
  return runs;
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
