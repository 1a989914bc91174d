import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows, type TimeCursor } from '../../platform/cursor.ts';
import { timelineTypesWithoutPersonalData } from '../../platform/registry.ts';

/**
 * The customer timeline. A module shows what happened to a customer in one of
 * two ways: it records an event here (note.added, order.refunded, later
 * ticket.opened, survey.answered, points.earned ...), or, when its own table
 * already holds one row per happening, its migration registers an events
 * function over that table as a timeline source (commerce's orders are
 * order.placed; src/platform/timeline-sources.ts), so the history is not stored twice.
 */
export type TimelineEventInput = {
  customerId: string;
  type: string;
  occurredAt: Date;
  refId?: string | null;
  data?: Record<string, unknown>;
};

export type TimelineEvent = {
  id: string;
  type: string;
  occurredAt: Date;
  refId: string | null;
  data: Record<string, unknown>;
};

/**
 * Writes any number of events as one parameter: a JSON array unpacked by
 * json_to_recordset. A multi-row VALUES list needs 7 parameters an event and
 * breaks past 65,535 (PGlite: 32,767) of them; this takes imports' thousands
 * at once, in half the time.
 */
export async function recordTimelineEvents(trx: Trx, ctx: Ctx, events: TimelineEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(
    events.map((e) => ({
      id: newId(),
      customer_id: e.customerId,
      occurred_at: e.occurredAt.toISOString(),
      type: e.type,
      ref_id: e.refId ?? null,
      data: e.data ?? {},
    })),
  );
  await sql`
    insert into timeline_events (workspace_id, id, customer_id, occurred_at, type, ref_id, data)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, x.occurred_at, x.type, x.ref_id, coalesce(x.data, '{}'::jsonb)
    from json_to_recordset(${rows}::json)
      as x(id uuid, customer_id uuid, occurred_at timestamptz, type text, ref_id uuid, data jsonb)`.execute(trx);
}

export async function recordTimelineEvent(trx: Trx, ctx: Ctx, event: TimelineEventInput): Promise<void> {
  await recordTimelineEvents(trx, ctx, [event]);
}

type TimelineRow = {
  id: string;
  type: string;
  occurred_at: Date;
  ref_id: string | null;
  data: Record<string, unknown>;
};

/**
 * The recorded events and every source's rows, newest first, after the
 * cursor: `klient_timeline_rows`, generated from the catalogue of timeline
 * sources (`klient_system.timeline_sources`; a module's migration adds its events function
 * with `registerTimelineSource`, src/platform/timeline-sources.ts), as the customer page
 * function is. Export reads every row, oldest first.
 */
function timelineRows(
  ctx: Ctx,
  customerId: string,
  options: { after: TimeCursor | null; limit?: number; oldestFirst?: boolean },
) {
  const rows = sql`klient_timeline_rows(${ctx.workspaceId}::uuid, ${customerId}::uuid,
    ${options.after?.at ?? null}::timestamptz, ${options.after?.id ?? null}::uuid, ${options.limit ?? null}::int)`;
  const direction = options.oldestFirst ? sql`asc` : sql`desc`;
  return sql<TimelineRow>`select id, type, occurred_at, ref_id, data from ${rows}
    order by occurred_at ${direction}, id ${direction}`;
}

/** Newest first, keyset-paginated. */
export async function listTimeline(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: TimelineEvent[]; nextCursor: string | null }> {
  const cursor = decodeTimeCursor(options.cursor);
  const { rows } = await timelineRows(ctx, customerId, { after: cursor, limit: options.limit + 1 }).execute(trx);
  const { page, nextCursor } = pageOfRows(rows.map(toEvent), options.limit, cursorOf);
  return { items: page, nextCursor };
}

/** An event as a reader of the timeline gets it. */
function toEvent(r: TimelineRow): TimelineEvent {
  return { id: r.id, type: r.type, occurredAt: r.occurred_at, refId: r.ref_id, data: r.data };
}

/** The cursor of the page that follows this event. */
const cursorOf = (last: TimelineEvent) => encodeTimeCursor({ at: last.occurredAt.toISOString(), id: last.id });

export async function moveTimeline(trx: Trx, ctx: Ctx, fromCustomerId: string, toCustomerId: string): Promise<void> {
  await trx
    .updateTable('timeline_events')
    .set({ customer_id: toCustomerId })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', fromCustomerId)
    .execute();
}

/** Erasure: events stay (the history of the business), their free text does not. */
export async function scrubTimeline(trx: Trx, ctx: Ctx, customerId: string): Promise<void> {
  await trx
    .updateTable('timeline_events')
    .set({ data: JSON.stringify({ erased: true }) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    // Types declared without personal text keep their data; any other type, declared or not, is private.
    .$if(timelineTypesWithoutPersonalData().length > 0, (q) =>
      q.where('type', 'not in', timelineTypesWithoutPersonalData()),
    )
    .execute();
}

export async function exportTimeline(trx: Trx, ctx: Ctx, customerId: string): Promise<TimelineEvent[]> {
  const { rows } = await timelineRows(ctx, customerId, { after: null, oldestFirst: true }).execute(trx);
  return rows.map(toEvent);
}

export type TimelineJsonRow = {
  id: string;
  type: string;
  occurred_at: string;
  ref_id: string | null;
  data: Record<string, unknown>;
};

export function timelinePageFromJson(
  rows: TimelineJsonRow[],
  limit: number,
): { items: TimelineEvent[]; nextCursor: string | null } {
  const events = rows.map((r) => toEvent({ ...r, occurred_at: new Date(r.occurred_at) }));
  const { page, nextCursor } = pageOfRows(events, limit, cursorOf);
  return { items: page, nextCursor };
}
