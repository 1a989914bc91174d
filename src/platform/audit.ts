import { sql } from 'kysely';
import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { newId } from './crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from './cursor.ts';

export type AuditEntry = {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
};

/** Writes who changed what, when, with the before and after, in the same transaction as the change. */
export async function recordAudit(trx: Trx, ctx: Ctx, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      actor_type: ctx.actor.type,
      actor_id: ctx.actor.id,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      ip: ctx.ip ?? null,
    })
    .execute();
}

/** The workspace's audit log, newest first, a page at a time (`nextCursor` continues it). */
export async function listAudit(
  trx: Trx,
  ctx: Ctx,
  filter: {
    entityType?: string | undefined;
    entityId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  let query = trx
    .selectFrom('audit_log as a')
    .leftJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 'a.workspace_id').onRef('u.id', '=', 'a.actor_id'),
    )
    .leftJoin('api_keys as k', (join) =>
      join.onRef('k.workspace_id', '=', 'a.workspace_id').onRef('k.id', '=', 'a.actor_id'),
    )
    .select([
      'a.id',
      'a.actor_type',
      'a.actor_id',
      'u.name as user_name',
      'k.name as key_name',
      'a.action',
      'a.entity_type',
      'a.entity_id',
      'a.before',
      'a.after',
      'a.at',
    ])
    .where('a.workspace_id', '=', ctx.workspaceId);
  if (filter.entityType) query = query.where('a.entity_type', '=', filter.entityType);
  if (filter.entityId) query = query.where('a.entity_id', '=', filter.entityId);
  const after = decodeTimeCursor(filter.cursor);
  if (after) query = query.where(sql<boolean>`(a.at, a.id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
  const rows = await query
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, filter.limit, (last) =>
    encodeTimeCursor({ at: last.at.toISOString(), id: last.id }),
  );
  return {
    items: page.map((r) => ({
      id: r.id,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.user_name ?? r.key_name ?? (r.actor_type === 'system' ? 'system' : null),
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      before: r.before,
      after: r.after,
      at: r.at,
    })),
    nextCursor,
  };
}

/**
 * Erasure: the entries about one record keep who did what and when, but their
 * copies of its data go (`before` emptied, `after` marked as erased).
 */
export async function redactAuditEntries(trx: Trx, ctx: Ctx, entityType: string, entityId: string): Promise<void> {
  await trx
    .updateTable('audit_log')
    .set({ before: null, after: JSON.stringify({ redacted: 'erased' }) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .execute();
}

/** Erasure of part of a record: its audit entries drop these top-level fields from `before` and `after`. */
export async function dropAuditFields(
  trx: Trx,
  ctx: Ctx,
  entityType: string,
  entityIds: string[],
  fields: string[],
): Promise<void> {
  if (entityIds.length === 0 || fields.length === 0) return;
  await trx
    .updateTable('audit_log')
    .set({
      before: sql`before - ${fields}::text[]`,
      after: sql`after - ${fields}::text[]`,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', sql<string>`any(${entityIds}::uuid[])`)
    .execute();
}
