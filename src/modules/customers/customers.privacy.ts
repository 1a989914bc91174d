import type { Trx } from '../../db/tenancy.ts';
import { recordAudit, redactAuditEntries } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { publishEvent } from '../../platform/events.ts';
import { redactIdempotentReplies } from '../../platform/idempotency.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { exportTimeline, scrubTimeline } from '../timeline/timeline.service.ts';
import { consentHistoryOf } from './customers.consents.ts';
import { customerErased } from './customers.events.ts';
import { customerHooks, type ErasedPerson } from './customers.hooks.ts';
import { findCustomerRow, identityValues, lockCustomerRow, rowToCustomer } from './customers.repository.ts';

/** Everything Klient holds about one person, for a privacy request. */
export async function exportCustomer(trx: Trx, ctx: Ctx, customerId: string) {
  requirePermission(ctx, 'customers.export');
  const row = await findCustomerRow(trx, ctx, customerId);
  const [identities, consentHistory, notes, timeline, merges] = await Promise.all([
    identityValues(trx, ctx, customerId),
    consentHistoryOf(trx, ctx, customerId),
    trx
      .selectFrom('notes')
      .select(['id', 'body', 'author_id', 'created_at'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .orderBy('created_at')
      .execute(),
    exportTimeline(trx, ctx, customerId),
    trx
      .selectFrom('customer_merges')
      .select(['merged_id', 'snapshot', 'at'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('survivor_id', '=', customerId)
      .execute(),
  ]);
  const parts: Record<string, unknown> = {};
  for (const [module, moduleHooks] of customerHooks()) {
    if (moduleHooks.export) parts[module] = await moduleHooks.export(trx, ctx, customerId);
  }
  await recordAudit(trx, ctx, { action: 'customer.exported', entityType: 'customer', entityId: customerId });
  return {
    exportedAt: new Date(),
    customer: rowToCustomer(row),
    identities: identities.map((i) => ({ kind: i.kind, value: i.value, source: i.source, createdAt: i.created_at })),
    consentHistory,
    notes: notes.map((n) => ({ id: n.id, body: n.body, authorId: n.author_id, createdAt: n.created_at })),
    timeline,
    mergedRecords: merges.map((m) => ({ mergedId: m.merged_id, snapshot: m.snapshot, at: m.at })),
    ...parts,
  };
}

/**
 * Erasure (right to be forgotten): personal data is removed, aggregates stay
 * (orders and totals, anonymous), the consent history stays as evidence
 * without personal text, and one audit record says who erased whom and when.
 */
export async function eraseCustomer(trx: Trx, ctx: Ctx, customerId: string): Promise<{ erasedAt: Date }> {
  requirePermission(ctx, 'customers.erase');
  const row = await lockCustomerRow(trx, ctx, customerId);
  if (row.status === 'erased') return { erasedAt: row.erased_at ?? new Date() };
  const erasedAt = new Date();
  const identities = await identityValues(trx, ctx, customerId);
  const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))];
  const person: ErasedPerson = {
    emails: distinct([row.email, ...identities.filter((i) => i.kind === 'email').map((i) => i.value)]),
    phones: distinct([row.phone, ...identities.filter((i) => i.kind === 'phone').map((i) => i.value)]),
    externalIds: distinct([row.external_id, ...identities.filter((i) => i.kind === 'external_id').map((i) => i.value)]),
  };
  await trx
    .deleteFrom('customer_identities')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  await trx
    .deleteFrom('notes')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  // The consent history stays as evidence (channel, status, when, who recorded it), without the
  // text around it: a source or the words shown may quote her name or number.
  await trx
    .updateTable('consent_events')
    .set({ source: 'erased', text_shown: null })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
  await scrubTimeline(trx, ctx, customerId);
  for (const moduleHooks of customerHooks().map(([, h]) => h)) await moduleHooks.erase?.(trx, ctx, customerId, person);
  // Earlier audit entries and merge snapshots hold copies of the personal data: keep the entries, drop the copies.
  await redactAuditEntries(trx, ctx, 'customer', customerId);
  await trx
    .updateTable('customer_merges')
    .set({ snapshot: JSON.stringify({ redacted: 'erased' }) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('survivor_id', '=', customerId), eb('merged_id', '=', customerId)]))
    .execute();
  await trx
    .updateTable('customers')
    .set({
      external_id: null,
      first_name: null,
      last_name: null,
      first_name_latin: null,
      last_name_latin: null,
      email: null,
      phone: null,
      birthday: null,
      address: null,
      attributes: '{}',
      tags: [],
      conduct_flag: null,
      conduct_note: null,
      search_text: '',
      status: 'erased',
      erased_at: erasedAt,
      updated_at: erasedAt,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', customerId)
    .execute();
  await recordAudit(trx, ctx, {
    action: 'customer.erased',
    entityType: 'customer',
    entityId: customerId,
    after: { erasedAt, ordersKept: row.orders_count },
  });
  await redactIdempotentReplies(trx, ctx, customerId);
  await publishEvent(trx, ctx, customerErased, { customerId });
  // Records merged into this one are the same person: they go too.
  const mergedIn = await trx
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('merged_into', '=', customerId)
    .where('status', '=', 'merged')
    .execute();
  for (const merged of mergedIn) await eraseCustomer(trx, ctx, merged.id);
  return { erasedAt };
}
