import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { publishEvent } from '../../platform/events.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { consentChanged } from './customers.events.ts';
import { requireActive } from './customers.records.ts';
import { findCustomerRow } from './customers.repository.ts';
import type { ConsentBody } from './customers.schemas.ts';
import type { ConsentChannel } from './customers.tables.ts';

export async function consentHistoryOf(trx: Trx, ctx: Ctx, customerId: string) {
  const rows = await trx
    .selectFrom('consent_events')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    status: r.status,
    source: r.source,
    textShown: r.text_shown,
    recordedBy: r.recorded_by,
    occurredAt: r.occurred_at,
  }));
}

export async function appendConsent(trx: Trx, ctx: Ctx, customerId: string, consent: ConsentBody) {
  const id = newId();
  await trx
    .insertInto('consent_events')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      customer_id: customerId,
      channel: consent.channel,
      status: consent.status,
      source: consent.source,
      text_shown: consent.textShown ?? null,
      recorded_by: ctx.actor.name,
    })
    .execute();
  await refreshConsents(trx, ctx, customerId);
  await publishEvent(trx, ctx, consentChanged, { customerId, channel: consent.channel, status: consent.status });
  return id;
}

/** The current consent per channel is the latest event of that channel; history is never rewritten. */
export async function refreshConsents(trx: Trx, ctx: Ctx, customerId: string) {
  const latest = await trx
    .selectFrom('consent_events')
    .distinctOn('channel')
    .select(['channel', 'status'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('channel')
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const consents: Partial<Record<ConsentChannel, boolean>> = {};
  for (const row of latest) consents[row.channel] = row.status === 'granted';
  await trx
    .updateTable('customers')
    .set({ consents: JSON.stringify(consents) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', customerId)
    .execute();
}

export async function changeConsent(trx: Trx, ctx: Ctx, customerId: string, consent: ConsentBody) {
  requirePermission(ctx, 'customers.consent');
  const before = await requireActive(trx, ctx, customerId, true);
  const id = await appendConsent(trx, ctx, customerId, consent);
  const after = await findCustomerRow(trx, ctx, customerId);
  await recordAudit(trx, ctx, {
    action: 'customer.consent_changed',
    entityType: 'customer',
    entityId: customerId,
    before: { consents: before.consents },
    after: { consents: after.consents, channel: consent.channel, status: consent.status, source: consent.source },
  });
  return { id, consents: after.consents };
}
