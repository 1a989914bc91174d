import { type Selectable, type SqlBool, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { installedSegmentFields } from '../../platform/registry.ts';
import { operatorsOf, type SegmentEb } from '../../platform/segment-fields.ts';
import type { CustomerHooks } from '../customers/customers.service.ts';
import { segmentAudience } from '../customers/customers.service.ts';
import { checkRules, compileRules, type SegmentRules } from './segments.rules.ts';
import type { CreateSegmentBody, UpdateSegmentBody } from './segments.schemas.ts';
import type { SegmentTable } from './segments.tables.ts';

// What other modules may use of segments (campaigns: a segment's members): this file is its one door.

/** Customers a preview shows, newest first. */
const PREVIEW = 20;

/**
 * The checked rules as a condition on `c`, or a 400 naming every rule that is
 * wrong (`rules.rules.1.value`). `now` is when "in the last N days" counts from.
 */
async function conditionOf(trx: Trx, ctx: Ctx, rules: SegmentRules, now: Date) {
  const { rules: checked, errors } = await checkRules(trx, ctx, rules);
  if (errors.length) throw new AppError('VALIDATION', { fields: errors.slice(0, 50) });
  const env = { workspaceId: ctx.workspaceId, now };
  return (eb: SegmentEb) => compileRules(eb, checked, env);
}

function summaries(trx: Trx, ctx: Ctx) {
  return segmentAudience(trx, ctx).select([
    'c.id',
    'c.first_name',
    'c.last_name',
    'c.email',
    'c.phone',
    'c.lifecycle_stage',
    'c.created_at',
  ]);
}

type SummaryRow = {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  lifecycle_stage: string;
};
const summaryOf = (r: SummaryRow) => ({
  id: r.id,
  firstName: r.first_name,
  lastName: r.last_name,
  email: r.email,
  phone: r.phone,
  lifecycleStage: r.lifecycle_stage,
});

/** What the rule builder may offer, in the modules' order, with each enum's values (the workspace's tiers and branches too). */
export async function segmentFields(trx: Trx, ctx: Ctx) {
  requirePermission(ctx, 'segments.read');
  const items = [];
  for (const [key, spec] of installedSegmentFields()) {
    const options = spec.loadOptions ? await spec.loadOptions(trx, ctx) : (spec.options ?? null);
    items.push({
      key,
      module: spec.module,
      type: spec.type,
      label: { he: spec.label.he, en: spec.label.en },
      operators: [...operatorsOf(spec)],
      period: spec.period ?? false,
      options: options ? options.map((o) => ({ value: o.value, he: o.he, en: o.en })) : null,
    });
  }
  return { items };
}

/**
 * A segment's query reads many rows once (the period's orders, every
 * customer): memory enough to hash them rather than sort, for this transaction only.
 */
async function roomToHash(trx: Trx) {
  await sql`set local work_mem = '64MB'`.execute(trx);
}

/**
 * How many customers the rules match now, and the newest of them: the rule
 * builder's live count. One query: the count is over every match, before
 * the limit.
 */
export async function previewSegment(trx: Trx, ctx: Ctx, rules: SegmentRules, now: Date) {
  requirePermission(ctx, 'segments.read');
  const where = await conditionOf(trx, ctx, rules, now);
  await roomToHash(trx);
  const newest = await summaries(trx, ctx)
    .where(where)
    .select(sql<string>`count(*) over ()`.as('total'))
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(PREVIEW)
    .execute();
  return { count: Number(newest[0]?.total ?? 0), customers: newest.map(summaryOf) };
}

type SegmentRow = Selectable<SegmentTable>;
const segmentReplyOf = (r: SegmentRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  rules: r.rules,
  schedule: r.schedule,
  customerCount: r.customer_count,
  refreshedAt: r.refreshed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

async function segmentRow(trx: Trx, ctx: Ctx, id: string, lock = false): Promise<SegmentRow> {
  const row = await trx
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new AppError('SEGMENT.NOT_FOUND');
  return row;
}

const nameTaken = () => new AppError('SEGMENT.NAME_TAKEN', { fields: [{ field: 'name', message: 'value.taken' }] });

async function refuseTakenName(trx: Trx, ctx: Ctx, name: string, except?: string) {
  const other = await trx
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where(sql<SqlBool>`lower(name) = lower(${name})`)
    .$if(except !== undefined, (q) => q.where('id', '<>', except!))
    .executeTakeFirst();
  if (other) throw nameTaken();
}

/**
 * Works the segment's members out again from its rules: who matches now is in
 * (since when unchanged for those already in), who no longer does is out, in
 * the segment's row lock, so two refreshes take turns. Returns the segment.
 */
async function refreshLocked(trx: Trx, ctx: Ctx, row: SegmentRow, now: Date) {
  const where = await conditionOf(trx, ctx, row.rules, now);
  await roomToHash(trx);
  const matching = segmentAudience(trx, ctx).where(where);
  await trx
    .deleteFrom('segment_members')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('segment_id', '=', row.id)
    .where('customer_id', 'not in', matching.select('c.id'))
    .execute();
  await trx
    .insertInto('segment_members')
    .columns(['workspace_id', 'segment_id', 'customer_id', 'added_at'])
    .expression(
      matching.select([
        sql<string>`${ctx.workspaceId}::uuid`.as('workspace_id'),
        sql<string>`${row.id}::uuid`.as('segment_id'),
        'c.id',
        sql<Date>`${now}::timestamptz`.as('added_at'),
      ]),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  return trx
    .updateTable('segments')
    .set((eb) => ({
      customer_count: eb
        .selectFrom('segment_members as m')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('m.workspace_id', '=', ctx.workspaceId)
        .where('m.segment_id', '=', row.id),
      refreshed_at: now,
    }))
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createSegment(trx: Trx, ctx: Ctx, body: CreateSegmentBody, now: Date) {
  requirePermission(ctx, 'segments.manage');
  // The rules are checked before anything is written (a 400 names each wrong rule).
  await conditionOf(trx, ctx, body.rules, now);
  await refuseTakenName(trx, ctx, body.name);
  const created = await trx
    .insertInto('segments')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      description: body.description ?? null,
      rules: JSON.stringify(body.rules),
      schedule: body.schedule,
      created_by: ctx.actor.type === 'user' ? ctx.actor.id : null,
      created_at: now,
      updated_at: now,
    })
    // Two creates of one name at once: the unique index decides, the second hears the name is taken.
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!created) throw nameTaken();
  const segment = await refreshLocked(trx, ctx, created, now);
  await recordAudit(trx, ctx, {
    action: 'segment.created',
    entityType: 'segment',
    entityId: segment.id,
    after: { name: segment.name, rules: body.rules, schedule: segment.schedule },
  });
  return segmentReplyOf(segment);
}

export async function listSegments(trx: Trx, ctx: Ctx) {
  requirePermission(ctx, 'segments.read');
  const rows = await trx
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('name')
    .execute();
  return { items: rows.map(segmentReplyOf), nextCursor: null };
}

export async function getSegment(trx: Trx, ctx: Ctx, id: string) {
  requirePermission(ctx, 'segments.read');
  return segmentReplyOf(await segmentRow(trx, ctx, id));
}

/** Changes a segment's name, description, rules or schedule; new rules refresh its members at once. */
export async function updateSegment(trx: Trx, ctx: Ctx, id: string, body: UpdateSegmentBody, now: Date) {
  requirePermission(ctx, 'segments.manage');
  const before = await segmentRow(trx, ctx, id, true);
  if (body.rules) await conditionOf(trx, ctx, body.rules, now);
  if (body.name !== undefined) await refuseTakenName(trx, ctx, body.name, id);
  const changed = await trx
    .updateTable('segments')
    .set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.rules ? { rules: JSON.stringify(body.rules) } : {}),
      ...(body.schedule ? { schedule: body.schedule } : {}),
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const segment = body.rules ? await refreshLocked(trx, ctx, changed, now) : changed;
  await recordAudit(trx, ctx, {
    action: 'segment.changed',
    entityType: 'segment',
    entityId: id,
    before: { name: before.name, rules: before.rules, schedule: before.schedule },
    after: { name: segment.name, rules: segment.rules, schedule: segment.schedule },
  });
  return segmentReplyOf(segment);
}

export async function deleteSegment(trx: Trx, ctx: Ctx, id: string) {
  requirePermission(ctx, 'segments.manage');
  const before = await segmentRow(trx, ctx, id, true);
  await trx.deleteFrom('segments').where('workspace_id', '=', ctx.workspaceId).where('id', '=', id).execute();
  await recordAudit(trx, ctx, {
    action: 'segment.deleted',
    entityType: 'segment',
    entityId: id,
    before: { name: before.name, rules: before.rules },
  });
}

/** Works a saved segment's members out again now (the screen's "refresh", or the clock). */
export async function refreshSegment(trx: Trx, ctx: Ctx, id: string, now: Date) {
  requirePermission(ctx, 'segments.manage');
  return segmentReplyOf(await refreshLocked(trx, ctx, await segmentRow(trx, ctx, id, true), now));
}

/** The segment's members as of its last refresh (those still active customers), newest customer first. */
export async function segmentMembers(
  trx: Trx,
  ctx: Ctx,
  id: string,
  query: { limit: number; cursor?: string | undefined },
) {
  requirePermission(ctx, 'segments.read');
  await segmentRow(trx, ctx, id);
  const after = decodeTimeCursor(query.cursor, 'segment-members');
  const rows = await summaries(trx, ctx)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('segment_members as m')
          .select('m.customer_id')
          .where('m.workspace_id', '=', ctx.workspaceId)
          .where('m.segment_id', '=', id)
          .whereRef('m.customer_id', '=', 'c.id'),
      ),
    )
    .$if(after !== null, (q) =>
      q.where((eb) =>
        eb.or([
          eb('c.created_at', '<', new Date(after!.at)),
          eb.and([eb('c.created_at', '=', new Date(after!.at)), eb('c.id', '<', after!.id)]),
        ]),
      ),
    )
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, 'segment-members'),
  );
  return { items: page.map(summaryOf), nextCursor };
}

/** Saved segments whose schedule says they are due (an hour or a day since their last refresh). */
export async function segmentsDue(trx: Trx, ctx: Ctx, now: Date): Promise<string[]> {
  const hourAgo = new Date(now.getTime() - 55 * 60_000);
  const dayAgo = new Date(now.getTime() - (24 * 60 - 5) * 60_000);
  const rows = await trx
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('schedule', '=', 'hourly'),
          eb.or([eb('refreshed_at', 'is', null), eb('refreshed_at', '<', hourAgo)]),
        ]),
        eb.and([
          eb('schedule', '=', 'daily'),
          eb.or([eb('refreshed_at', 'is', null), eb('refreshed_at', '<', dayAgo)]),
        ]),
      ]),
    )
    .execute();
  return rows.map((r) => r.id);
}

/** A merged customer's place in segments goes to the survivor (once); an erased one's is removed; an export lists them. */
export const segmentsCustomerHooks: CustomerHooks = {
  async merge(trx, ctx, { survivorId, mergedId }) {
    await trx
      .updateTable('segment_members as m')
      .set({ customer_id: survivorId })
      .where('m.workspace_id', '=', ctx.workspaceId)
      .where('m.customer_id', '=', mergedId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('segment_members as s')
              .select('s.customer_id')
              .whereRef('s.workspace_id', '=', 'm.workspace_id')
              .whereRef('s.segment_id', '=', 'm.segment_id')
              .where('s.customer_id', '=', survivorId),
          ),
        ),
      )
      .execute();
    await trx
      .deleteFrom('segment_members')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', mergedId)
      .execute();
  },
  async export(trx, ctx, customerId) {
    const rows = await trx
      .selectFrom('segment_members as m')
      .innerJoin('segments as s', (j) =>
        j.onRef('s.workspace_id', '=', 'm.workspace_id').onRef('s.id', '=', 'm.segment_id'),
      )
      .select(['s.id', 's.name', 'm.added_at'])
      .where('m.workspace_id', '=', ctx.workspaceId)
      .where('m.customer_id', '=', customerId)
      .orderBy('m.added_at')
      .execute();
    return { segments: rows.map((r) => ({ segmentId: r.id, name: r.name, since: r.added_at })) };
  },
  async erase(trx, ctx, customerId) {
    await trx
      .deleteFrom('segment_members')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .execute();
  },
};

/**
 * The ids of a saved segment's members as of its last refresh, as a query to
 * build on (a campaign copies them into its recipients in one statement).
 */
export async function segmentMemberIdsQuery(trx: Trx, ctx: Ctx, id: string) {
  await segmentRow(trx, ctx, id);
  return trx
    .selectFrom('segment_members as sm')
    .where('sm.workspace_id', '=', ctx.workspaceId)
    .where('sm.segment_id', '=', id);
}
