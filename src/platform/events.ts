import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import { newId } from './crypto.ts';

/**
 * Domain events: a module announces what happened (order.placed,
 * customer.merged, consent.changed ...) in the same transaction as the change.
 * Later modules (loyalty, campaigns, surveys) react to them from background jobs.
 */
export type DomainEvent = { type: string; payload: Record<string, unknown> };

export async function publishEvent(trx: Trx, ctx: Ctx, event: DomainEvent): Promise<string> {
  const id = newId();
  await trx
    .insertInto('domain_events')
    .values({ workspace_id: ctx.workspaceId, id, type: event.type, payload: JSON.stringify(event.payload) })
    .execute();
  return id;
}

export async function listEventsSince(trx: Trx, ctx: Ctx, afterId: string | null, limit = 500) {
  let query = trx.selectFrom('domain_events').selectAll().where('workspace_id', '=', ctx.workspaceId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}
