import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { findCustomerRow, identityValues, lockCustomerRow } from './customers.repository.ts';
import type { CustomerRow } from './customers.tables.ts';

export async function addIdentities(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  email: string | null | undefined,
  phone: string | null | undefined,
  source: string,
) {
  const existing = await identityValues(trx, ctx, customerId);
  const wanted: { kind: 'email' | 'phone'; value: string }[] = [];
  if (email) wanted.push({ kind: 'email', value: email });
  if (phone) wanted.push({ kind: 'phone', value: phone });
  const fresh = wanted.filter((w) => !existing.some((e) => e.kind === w.kind && e.value === w.value));
  if (!fresh.length) return;
  await trx
    .insertInto('customer_identities')
    .values(fresh.map((w) => ({ workspace_id: ctx.workspaceId, id: newId(), customer_id: customerId, ...w, source })))
    .execute();
}

export async function requireActive(trx: Trx, ctx: Ctx, id: string, lock = false): Promise<CustomerRow> {
  const row = lock ? await lockCustomerRow(trx, ctx, id) : await findCustomerRow(trx, ctx, id);
  if (row.status !== 'active') throw new AppError('CUSTOMER.NOT_ACTIVE', { extra: { mergedInto: row.merged_into } });
  return row;
}
