/** Finds a batch's people by external id, email and phone, through their records and identities. */
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { CustomerRow } from './customers.tables.ts';

/** Active customers behind a set of external ids, emails and phones, through their records and identities. */
export type CustomerKeyIndex = {
  byExternalId: Map<string, string[]>;
  byEmail: Map<string, string[]>;
  byPhone: Map<string, string[]>;
};

export const push = (map: Map<string, string[]>, key: string, id: string) => {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
};

const keyColumns = ['id', 'external_id', 'email', 'phone'] as const;

export async function lookupKeys(
  trx: Trx,
  ctx: Ctx,
  keys: { externalIds: string[]; emails: string[]; phones: string[] },
  keysOnly = false,
): Promise<{ index: CustomerKeyIndex; rows: Map<string, CustomerRow> }> {
  const index: CustomerKeyIndex = { byExternalId: new Map(), byEmail: new Map(), byPhone: new Map() };
  const rows = new Map<string, CustomerRow>();
  const { externalIds, emails, phones } = keys;
  if (externalIds.length + emails.length + phones.length === 0) return { index, rows };
  const direct = (await trx
    .selectFrom('customers')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .where((eb) =>
      eb.or([
        ...(externalIds.length ? [eb('external_id', '=', sql<string>`any(${externalIds}::text[])`)] : []),
        ...(emails.length ? [eb('email', '=', sql<string>`any(${emails}::text[])`)] : []),
        ...(phones.length ? [eb('phone', '=', sql<string>`any(${phones}::text[])`)] : []),
      ]),
    )
    .select(keysOnly ? keyColumns : ['id'])
    .execute()) as CustomerRow[];
  if (keysOnly) for (const row of direct) rows.set(row.id, row);
  // An external id held by a customer is that customer's (they are unique, and a direct match wins); an
  // order import, which names customers by external id, then has nothing to look up among identities.
  // Emails and phones always are: another customer may hold one as an earlier contact (ambiguous).
  const held = new Set(keysOnly ? direct.map((r) => r.external_id) : []);
  const identityKeys = (
    [
      ['external_id', externalIds.filter((id) => !held.has(id))],
      ['email', emails],
      ['phone', phones],
    ] as const
  ).filter(([, values]) => values.length > 0);
  const identities = identityKeys.length
    ? await trx
        .selectFrom('customer_identities')
        .select(['customer_id', 'kind', 'value'])
        .where('workspace_id', '=', ctx.workspaceId)
        .where((eb) =>
          eb.or(
            identityKeys.map(([kind, values]) =>
              eb.and([eb('kind', '=', kind), eb('value', '=', sql<string>`any(${values}::text[])`)]),
            ),
          ),
        )
        .execute()
    : [];
  const missing = [...new Set([...direct.map((r) => r.id), ...identities.map((i) => i.customer_id)])].filter(
    (id) => !rows.has(id),
  );
  if (missing.length) {
    const moreQuery = trx
      .selectFrom('customers')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('status', '=', 'active')
      .where('id', '=', sql<string>`any(${missing}::uuid[])`);
    // Order imports only need the keys. Customer imports compare whole records and write them back, so
    // they lock the rows (in id order: two writers never wait on each other in a circle) and read them as
    // the last writer left them: two customer batches may run at once (imports.pipeline-customers.ts).
    const more = (
      keysOnly
        ? await moreQuery.select(keyColumns).execute()
        : await moreQuery.selectAll().orderBy('id').forUpdate().execute()
    ) as CustomerRow[];
    for (const row of more) rows.set(row.id, row);
  }
  for (const row of rows.values()) {
    if (row.external_id) push(index.byExternalId, row.external_id, row.id);
    if (row.email) push(index.byEmail, row.email, row.id);
    if (row.phone) push(index.byPhone, row.phone, row.id);
  }
  for (const i of identities) {
    if (!rows.has(i.customer_id)) continue;
    if (i.kind === 'external_id') push(index.byExternalId, i.value, i.customer_id);
    if (i.kind === 'email') push(index.byEmail, i.value, i.customer_id);
    if (i.kind === 'phone') push(index.byPhone, i.value, i.customer_id);
  }
  return { index, rows };
}

/** For order imports: which active customers carry these external ids, emails and phones. */
export async function findCustomersByKeys(
  trx: Trx,
  ctx: Ctx,
  keys: { externalIds: string[]; emails: string[]; phones: string[] },
): Promise<CustomerKeyIndex> {
  return (await lookupKeys(trx, ctx, keys, true)).index;
}
