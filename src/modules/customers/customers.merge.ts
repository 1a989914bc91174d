import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { publishEvent } from '../../platform/events.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { moveTimeline, recordTimelineEvent } from '../timeline/timeline.service.ts';
import { refreshConsents } from './customers.consents.ts';
import { customerMerged } from './customers.events.ts';
import { customerHooks } from './customers.hooks.ts';
import { addIdentities, requireActive } from './customers.records.ts';
import {
  type Customer,
  findByContact,
  findCustomerRow,
  identityValues,
  refreshSearchText,
  rowToCustomer,
} from './customers.repository.ts';
import type { CustomerRow } from './customers.tables.ts';

/** Candidates to merge with: same email or phone (primary or identity), or the same full name. */
export async function findDuplicates(trx: Trx, ctx: Ctx, customerId: string): Promise<Customer[]> {
  const row = await findCustomerRow(trx, ctx, customerId);
  const identities = await identityValues(trx, ctx, customerId);
  const emails = [row.email, ...identities.filter((i) => i.kind === 'email').map((i) => i.value)].filter(
    (v): v is string => !!v,
  );
  const phones = [row.phone, ...identities.filter((i) => i.kind === 'phone').map((i) => i.value)].filter(
    (v): v is string => !!v,
  );
  const byContact = await findByContact(trx, ctx, { emails, phones }, customerId);
  const byName =
    row.first_name && row.last_name
      ? await trx
          .selectFrom('customers')
          .selectAll()
          .where('workspace_id', '=', ctx.workspaceId)
          .where('status', '=', 'active')
          .where('id', '!=', customerId)
          .where('first_name', '=', row.first_name)
          .where('last_name', '=', row.last_name)
          .limit(10)
          .execute()
      : [];
  const unique = new Map([...byContact, ...byName].map((r) => [r.id, r]));
  return [...unique.values()].map(rowToCustomer);
}

/**
 * Merges `mergedId` into `survivorId`: orders, notes, identities, consent
 * history and timeline move to the survivor; the survivor's fields win and
 * its blanks are filled from the other; the merged record stays, marked as
 * merged, with a snapshot in customer_merges and the audit log. Nothing is lost.
 */
export async function mergeCustomers(trx: Trx, ctx: Ctx, survivorId: string, mergedId: string): Promise<Customer> {
  requirePermission(ctx, 'customers.merge');
  if (survivorId === mergedId) throw new AppError('CUSTOMER.MERGE_SELF');
  // Lock both rows in id order, so two opposite merges cannot deadlock.
  const [firstId, secondId] = [survivorId, mergedId].sort() as [string, string];
  const first = await requireActive(trx, ctx, firstId, true);
  const second = await requireActive(trx, ctx, secondId, true);
  const survivor = first.id === survivorId ? first : second;
  const merged = first.id === survivorId ? second : first;

  const fill = <K extends keyof CustomerRow>(key: K) => survivor[key] ?? merged[key];
  const where = { workspace: ctx.workspaceId };
  for (const table of ['notes', 'consent_events', 'customer_identities'] as const) {
    await trx
      .updateTable(table)
      .set({ customer_id: survivorId })
      .where('workspace_id', '=', where.workspace)
      .where('customer_id', '=', mergedId)
      .execute();
  }
  await moveTimeline(trx, ctx, mergedId, survivorId);
  for (const moduleHooks of customerHooks().map(([, h]) => h))
    await moduleHooks.merge?.(trx, ctx, { survivorId, mergedId });

  await trx
    .updateTable('customers')
    .set({
      first_name: fill('first_name'),
      last_name: fill('last_name'),
      first_name_latin: fill('first_name_latin'),
      last_name_latin: fill('last_name_latin'),
      email: fill('email'),
      phone: fill('phone'),
      birthday: fill('birthday'),
      address: survivor.address === null && merged.address !== null ? JSON.stringify(merged.address) : undefined,
      external_id: survivor.external_id ?? null,
      attributes: JSON.stringify({ ...merged.attributes, ...survivor.attributes }),
      tags: [...new Set([...survivor.tags, ...merged.tags])],
      preferred_channel: fill('preferred_channel'),
      conduct_flag: fill('conduct_flag'),
      conduct_note: fill('conduct_note'),
      home_branch_id: fill('home_branch_id'),
      created_at: undefined,
      updated_at: new Date(),
    } as never)
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', survivorId)
    .execute();
  // The merged record keeps its external id as an identity of the survivor, then frees the unique key.
  await trx
    .updateTable('customers')
    .set({ status: 'merged', merged_into: survivorId, external_id: null, updated_at: new Date() })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', mergedId)
    .execute();
  if (merged.external_id) {
    await trx
      .insertInto('customer_identities')
      .values({
        workspace_id: ctx.workspaceId,
        id: newId(),
        customer_id: survivorId,
        kind: 'external_id',
        value: merged.external_id,
        source: 'merge',
      })
      .execute();
  }
  await addIdentities(trx, ctx, survivorId, merged.email, merged.phone, 'merge');
  // Both records may have known the same email or phone: keep the earliest identity of each.
  await sql`
    delete from customer_identities i using customer_identities keep
    where i.workspace_id = ${ctx.workspaceId} and i.customer_id = ${survivorId}
      and keep.workspace_id = i.workspace_id and keep.customer_id = i.customer_id
      and keep.kind = i.kind and keep.value = i.value
      and (keep.created_at, keep.id) < (i.created_at, i.id)`.execute(trx);
  await refreshConsents(trx, ctx, survivorId);
  await refreshSearchText(trx, ctx, survivorId);

  const snapshot = rowToCustomer(merged);
  await trx
    .insertInto('customer_merges')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      survivor_id: survivorId,
      merged_id: mergedId,
      snapshot: JSON.stringify(snapshot),
      merged_by: ctx.actor.name,
    })
    .execute();
  const after = rowToCustomer(await findCustomerRow(trx, ctx, survivorId));
  await recordAudit(trx, ctx, {
    action: 'customer.merged',
    entityType: 'customer',
    entityId: survivorId,
    before: { survivor: rowToCustomer(survivor), merged: snapshot },
    after,
  });
  await recordTimelineEvent(trx, ctx, {
    customerId: survivorId,
    type: 'customer.merged',
    occurredAt: new Date(),
    refId: mergedId,
    data: { mergedName: [merged.first_name, merged.last_name].filter(Boolean).join(' '), by: ctx.actor.name },
  });
  await publishEvent(trx, ctx, customerMerged, { survivorId, mergedId });
  return after;
}
