import { sql } from 'kysely';
import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';

/**
 * Stored replies of retried creates hold copies of what was created. When a
 * record is erased, its replies keep only the id: a retry still creates
 * nothing twice, and brings no personal data back.
 */
export async function redactIdempotentReplies(trx: Trx, ctx: Ctx, entityId: string): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ response: JSON.stringify({ id: entityId, redacted: 'erased' }) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where(sql<string>`response ->> 'id'`, '=', entityId)
    .execute();
}

/** Erasure of part of a record: the stored replies of creates that made these ids drop these top-level fields. */
export async function dropIdempotentReplyFields(
  trx: Trx,
  ctx: Ctx,
  entityIds: string[],
  fields: string[],
): Promise<void> {
  if (entityIds.length === 0 || fields.length === 0) return;
  await sql`
    update idempotency_keys set response = response - ${fields}::text[]
    where workspace_id = ${ctx.workspaceId} and response ->> 'id' = any(${entityIds}::text[])`.execute(trx);
}
