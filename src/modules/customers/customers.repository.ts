import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { buildSearchText } from './customers.normalise.ts';
import type { ConsentChannel, CustomerRow } from './customers.tables.ts';

export type Customer = {
  id: string;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  firstNameLatin: string | null;
  lastNameLatin: string | null;
  email: string | null;
  phone: string | null;
  birthday: string | null;
  address: unknown;
  attributes: Record<string, unknown>;
  tags: string[];
  lifecycleStage: CustomerRow['lifecycle_stage'];
  preferredChannel: ConsentChannel | null;
  consents: Partial<Record<ConsentChannel, boolean>>;
  conductFlag: CustomerRow['conduct_flag'];
  conductNote: string | null;
  homeBranchId: string | null;
  source: string | null;
  status: CustomerRow['status'];
  mergedInto: string | null;
  createdAt: Date;
  updatedAt: Date;
  totals: { ordersCount: number; totalSpent: string; firstOrderAt: Date | null; lastOrderAt: Date | null };
};

/** A stored date (a Date from the driver, or text) as YYYY-MM-DD. */
export function dateOnly(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    const y = value.getFullYear();
    const m = String(value.getMonth() + 1).padStart(2, '0');
    const d = String(value.getDate()).padStart(2, '0');
    return `${y}-${m}-${d}`;
  }
  return String(value).slice(0, 10);
}

export function rowToCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    firstNameLatin: row.first_name_latin,
    lastNameLatin: row.last_name_latin,
    email: row.email,
    phone: row.phone,
    birthday: dateOnly(row.birthday),
    address: row.address,
    attributes: row.attributes,
    tags: row.tags,
    lifecycleStage: row.lifecycle_stage,
    preferredChannel: row.preferred_channel,
    consents: row.consents,
    conductFlag: row.conduct_flag,
    conductNote: row.conduct_note,
    homeBranchId: row.home_branch_id,
    source: row.source,
    status: row.status,
    mergedInto: row.merged_into,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    totals: {
      ordersCount: row.orders_count,
      totalSpent: Number(row.total_spent).toFixed(2),
      firstOrderAt: row.first_order_at,
      lastOrderAt: row.last_order_at,
    },
  };
}

const customerRowById = (trx: Trx, ctx: Ctx, id: string) =>
  trx.selectFrom('customers').selectAll().where('workspace_id', '=', ctx.workspaceId).where('id', '=', id);

export async function findCustomerRow(trx: Trx, ctx: Ctx, id: string): Promise<CustomerRow> {
  return customerRowById(trx, ctx, id).executeTakeFirstOrThrow(() => new AppError('CUSTOMER.NOT_FOUND'));
}

export async function lockCustomerRow(trx: Trx, ctx: Ctx, id: string): Promise<CustomerRow> {
  return customerRowById(trx, ctx, id)
    .forUpdate()
    .executeTakeFirstOrThrow(() => new AppError('CUSTOMER.NOT_FOUND'));
}

/** The keys a write may claim for a person: `x:` external id, `e:` email, `p:` phone (normalised). */
export function identityKeys(identity: {
  externalId?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
}): string[] {
  return [
    identity.externalId ? `x:${identity.externalId}` : null,
    identity.email ? `e:${identity.email}` : null,
    identity.phone ? `p:${identity.phone}` : null,
  ].filter((k): k is string => k !== null);
}

/**
 * Identity locks are taken on one of this many slots per workspace, chosen by
 * the key's hash: an import batch of 2,000 new people names 6,000 keys, and
 * PostgreSQL's lock table (about 12,000 locks by default, for the whole server)
 * cannot hold a lock per key for two such batches at once.
 */
const IDENTITY_LOCK_SLOTS = 1024;

/**
 * Holds the external ids, emails and phones a write is about to claim until
 * its transaction ends, so that writers of one person take turns: the later
 * one then finds the customer the first stored. Email and phone are not
 * unique (a create may knowingly add a duplicate), so a unique index cannot do
 * this. A single-record write takes its slots `exclusive`; an import batch
 * takes its slots `shared`, as the batches of one import run side by side
 * (they share no key, imports.pipeline-customers.ts) while every create of one of their
 * people waits for them. Slots are taken in one statement, in order, before
 * any customer row is locked, so no two writers wait on each other in a circle.
 */
export async function lockIdentities(trx: Trx, ctx: Ctx, keys: string[], mode: 'exclusive' | 'shared') {
  if (keys.length === 0) return;
  const lock = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
  await sql`
    select ${lock}(k) from (
      select distinct hashtextextended(
        ${`${ctx.workspaceId} customer identity `} || (hashtextextended(v, 0) & ${IDENTITY_LOCK_SLOTS - 1})::text, 0
      ) as k
      from unnest(${keys}::text[]) as v order by k
    ) as ordered`.execute(trx);
}

/** Active customers that share an email or phone (primary or a known identity) with the given ones. */
export async function findByContact(
  trx: Trx,
  ctx: Ctx,
  contact: { emails: string[]; phones: string[] },
  excludeId?: string,
): Promise<CustomerRow[]> {
  if (contact.emails.length === 0 && contact.phones.length === 0) return [];
  const values = [...contact.emails, ...contact.phones];
  let query = trx
    .selectFrom('customers as c')
    .selectAll('c')
    .where('c.workspace_id', '=', ctx.workspaceId)
    .where('c.status', '=', 'active')
    .where((eb) => {
      const ors = [];
      if (contact.emails.length) ors.push(eb('c.email', 'in', contact.emails));
      if (contact.phones.length) ors.push(eb('c.phone', 'in', contact.phones));
      ors.push(
        eb.exists(
          eb
            .selectFrom('customer_identities as i')
            .select('i.id')
            .whereRef('i.workspace_id', '=', 'c.workspace_id')
            .whereRef('i.customer_id', '=', 'c.id')
            .where('i.kind', 'in', ['email', 'phone'])
            .where('i.value', 'in', values),
        ),
      );
      return eb.or(ors);
    });
  if (excludeId) query = query.where('c.id', '!=', excludeId);
  return query.orderBy('c.created_at').limit(20).execute();
}

export async function identityValues(trx: Trx, ctx: Ctx, customerId: string) {
  return trx
    .selectFrom('customer_identities')
    .select(['id', 'kind', 'value', 'source', 'created_at'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .execute();
}

/** Recomputes the search text from the profile and every identity, after any change of either. */
export async function refreshSearchText(trx: Trx, ctx: Ctx, customerId: string): Promise<void> {
  const row = await findCustomerRow(trx, ctx, customerId);
  const identities = await identityValues(trx, ctx, customerId);
  const text = buildSearchText({
    names: [row.first_name, row.last_name, row.first_name_latin, row.last_name_latin],
    emails: [row.email, ...identities.filter((i) => i.kind === 'email').map((i) => i.value)],
    phones: [row.phone, ...identities.filter((i) => i.kind === 'phone').map((i) => i.value)],
    externalIds: [row.external_id],
  });
  await trx
    .updateTable('customers')
    .set({ search_text: text })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', customerId)
    .execute();
}
