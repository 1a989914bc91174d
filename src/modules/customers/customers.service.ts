import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError, type FieldError } from '../../platform/errors.ts';
import { publishEvent } from '../../platform/events.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { branchExists } from '../locations/locations.service.ts';
import { recordTimelineEvent, type TimelineJsonRow, timelinePageFromJson } from '../timeline/timeline.service.ts';
import { appendConsent } from './customers.consents.ts';
import { customerCreated, customerUpdated } from './customers.events.ts';
import { listCustomers } from './customers.list.ts';
import { normaliseEmail, normalisePhone } from './customers.normalise.ts';
import { addIdentities, requireActive } from './customers.records.ts';
import {
  type Customer,
  findByContact,
  findCustomerRow,
  identityKeys,
  lockIdentities,
  refreshSearchText,
  rowToCustomer,
} from './customers.repository.ts';
import type { CreateCustomerBody, ListCustomersQuery, UpdateCustomerBody } from './customers.schemas.ts';
import type { ConsentChannel, CustomerRow, CustomerTable } from './customers.tables.ts';

// What other modules may use of customers: this file is its one door (biome.json, docs/decisions.md).
export { type BulkCustomerInput, type BulkCustomerOutcome, upsertCustomersBulk } from './customers.bulk.ts';
export { type CustomerKeyIndex, findCustomersByKeys } from './customers.bulk-lookup.ts';
export { changeConsent } from './customers.consents.ts';
export type { CustomerHooks, ErasedPerson } from './customers.hooks.ts';
export { findDuplicates, mergeCustomers } from './customers.merge.ts';
export { normaliseEmail, normalisePhone } from './customers.normalise.ts';
export { eraseCustomer, exportCustomer } from './customers.privacy.ts';
export type { Customer } from './customers.repository.ts';
export { lifecycleStages } from './customers.schemas.ts';
export type { ConsentChannel, LifecycleStage } from './customers.tables.ts';

type ProfileInput = UpdateCustomerBody;

/** Validates and normalises the contact fields; collects every bad field, not just the first. */
function normaliseProfile(input: ProfileInput): {
  values: Partial<Record<keyof CustomerTable, unknown>>;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const values: Partial<Record<keyof CustomerTable, unknown>> = {};
  if (input.email !== undefined) {
    if (input.email === null || input.email === '') values.email = null;
    else {
      const email = normaliseEmail(input.email);
      if (!email) errors.push({ field: 'email', message: 'email.invalid' });
      values.email = email;
    }
  }
  if (input.phone !== undefined) {
    if (input.phone === null || input.phone === '') values.phone = null;
    else {
      const phone = normalisePhone(input.phone);
      if (!phone) errors.push({ field: 'phone', message: 'phone.invalid' });
      values.phone = phone;
    }
  }
  const blankToNull = (v: string | null | undefined) =>
    v === undefined ? undefined : v === null || v === '' ? null : v;
  const map: [keyof ProfileInput, keyof CustomerTable][] = [
    ['externalId', 'external_id'],
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['firstNameLatin', 'first_name_latin'],
    ['lastNameLatin', 'last_name_latin'],
    ['birthday', 'birthday'],
    ['conductNote', 'conduct_note'],
    ['source', 'source'],
  ];
  for (const [from, to] of map) {
    const v = blankToNull(input[from] as string | null | undefined);
    if (v !== undefined) values[to] = v;
  }
  if (input.address !== undefined) values.address = input.address === null ? null : JSON.stringify(input.address);
  if (input.attributes !== undefined) values.attributes = JSON.stringify(input.attributes);
  if (input.tags !== undefined) values.tags = [...new Set(input.tags)];
  if (input.lifecycleStage !== undefined) values.lifecycle_stage = input.lifecycleStage;
  if (input.preferredChannel !== undefined) values.preferred_channel = input.preferredChannel;
  if (input.conductFlag !== undefined) values.conduct_flag = input.conductFlag;
  if (input.homeBranchId !== undefined) values.home_branch_id = input.homeBranchId;
  return { values, errors };
}

async function assertBranch(trx: Trx, ctx: Ctx, branchId: unknown) {
  if (typeof branchId !== 'string') return;
  if (!(await branchExists(trx, ctx, branchId)))
    throw new AppError('VALIDATION', { fields: [{ field: 'homeBranchId', message: 'branch.not_found' }] });
}

export async function createCustomer(
  trx: Trx,
  ctx: Ctx,
  input: CreateCustomerBody,
  options: { allowDuplicate?: boolean } = {},
): Promise<Customer> {
  requirePermission(ctx, 'customers.write');
  const { consents, ...profile } = input;
  const { values, errors } = normaliseProfile(profile);
  if (!values.first_name && !values.last_name && !values.email && !values.phone) {
    errors.push({ field: 'firstName', message: 'name.required' });
  }
  if (errors.length) throw new AppError('VALIDATION', { fields: errors });
  await assertBranch(trx, ctx, values.home_branch_id);
  await lockIdentities(
    trx,
    ctx,
    identityKeys({
      externalId: values.external_id as string | null | undefined,
      email: values.email as string | null | undefined,
      phone: values.phone as string | null | undefined,
    }),
    'exclusive',
  );
  if (typeof values.external_id === 'string') {
    const sameExternal = await trx
      .selectFrom('customers')
      .selectAll()
      .where('workspace_id', '=', ctx.workspaceId)
      .where('external_id', '=', values.external_id)
      .executeTakeFirst();
    if (sameExternal) {
      throw new AppError('CUSTOMER.DUPLICATE', {
        fields: [{ field: 'externalId', message: 'invalid' }],
        extra: { duplicates: [rowToCustomer(sameExternal)] },
      });
    }
  }
  if (!options.allowDuplicate) {
    const duplicates = await findByContact(trx, ctx, {
      emails: values.email ? [values.email as string] : [],
      phones: values.phone ? [values.phone as string] : [],
    });
    if (duplicates.length) {
      throw new AppError('CUSTOMER.DUPLICATE', { extra: { duplicates: duplicates.map(rowToCustomer) } });
    }
  }
  const id = newId();
  const inserted = await trx
    .insertInto('customers')
    .values({ ...(values as object), workspace_id: ctx.workspaceId, id, created_by: ctx.actor.name } as never)
    // The unique index has the last word should any writer store an external id without its identity lock.
    .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('external_id', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted)
    throw new AppError('CUSTOMER.DUPLICATE', { fields: [{ field: 'externalId', message: 'value.taken' }] });
  await addIdentities(trx, ctx, id, values.email as string | null, values.phone as string | null, ctx.actor.type);
  for (const consent of consents ?? []) await appendConsent(trx, ctx, id, consent);
  await refreshSearchText(trx, ctx, id);
  const created = rowToCustomer(await findCustomerRow(trx, ctx, id));
  await recordAudit(trx, ctx, { action: 'customer.created', entityType: 'customer', entityId: id, after: created });
  await publishEvent(trx, ctx, customerCreated, { customerId: id });
  return created;
}

export async function updateCustomer(trx: Trx, ctx: Ctx, id: string, input: UpdateCustomerBody): Promise<Customer> {
  requirePermission(ctx, 'customers.write');
  const { values, errors } = normaliseProfile(input);
  // The identity lock before the customer's row lock, in the order an import batch takes them.
  if (typeof values.external_id === 'string') {
    await lockIdentities(trx, ctx, identityKeys({ externalId: values.external_id }), 'exclusive');
  }
  const beforeRow = await requireActive(trx, ctx, id, true);
  if (errors.length) throw new AppError('VALIDATION', { fields: errors });
  await assertBranch(trx, ctx, values.home_branch_id);
  if (typeof values.external_id === 'string' && values.external_id !== beforeRow.external_id) {
    const taken = await trx
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('external_id', '=', values.external_id)
      .executeTakeFirst();
    if (taken) throw new AppError('CUSTOMER.DUPLICATE', { fields: [{ field: 'externalId', message: 'invalid' }] });
  }
  if (Object.keys(values).length === 0) return rowToCustomer(beforeRow);
  await trx
    .updateTable('customers')
    .set({ ...(values as object), updated_at: new Date() } as never)
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  await addIdentities(trx, ctx, id, values.email as string | null, values.phone as string | null, ctx.actor.type);
  await refreshSearchText(trx, ctx, id);
  const after = rowToCustomer(await findCustomerRow(trx, ctx, id));
  const before = rowToCustomer(beforeRow);
  await recordAudit(trx, ctx, { action: 'customer.updated', entityType: 'customer', entityId: id, before, after });
  if (before.conductFlag !== after.conductFlag) {
    await recordTimelineEvent(trx, ctx, {
      customerId: id,
      type: 'conduct.flagged',
      occurredAt: new Date(),
      data: { from: before.conductFlag, to: after.conductFlag, note: after.conductNote, by: ctx.actor.name },
    });
  }
  await publishEvent(trx, ctx, customerUpdated, { customerId: id });
  return after;
}

export async function archiveCustomer(trx: Trx, ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx, 'customers.write');
  const before = await requireActive(trx, ctx, id, true);
  await trx
    .updateTable('customers')
    .set({ status: 'archived', updated_at: new Date() })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  await recordAudit(trx, ctx, {
    action: 'customer.archived',
    entityType: 'customer',
    entityId: id,
    before: rowToCustomer(before),
  });
}

export async function getCustomer(trx: Trx, ctx: Ctx, id: string): Promise<Customer> {
  return rowToCustomer(await findCustomerRow(trx, ctx, id));
}

type CustomerPageJson = {
  customer: Omit<CustomerRow, 'created_at' | 'updated_at' | 'first_order_at' | 'last_order_at' | 'erased_at'> & {
    created_at: string;
    updated_at: string;
    first_order_at: string | null;
    last_order_at: string | null;
    erased_at: string | null;
  };
  identities: { id: string; kind: string; value: string; source: string | null; createdAt: string }[];
  consents: (Record<string, unknown> & { occurredAt: string })[];
  timeline: TimelineJsonRow[];
};

const orNull = (value: string | null) => (value === null ? null : new Date(value));

/**
 * The customer page: profile, totals, identities, consent history and the
 * latest 20 timeline events, in one call of the klient_customer_page function
 * (migration 0005): one statement, one round trip, a plan PostgreSQL keeps
 * (the page is opened often). The function binds the workspace and row
 * security itself. Takes the database, not a transaction.
 */
export async function getCustomer360(db: Kysely<DB>, ctx: Ctx, id: string) {
  const { rows } = await sql<{ page: CustomerPageJson | null }>`
    select klient_customer_page(${ctx.workspaceId}::uuid, ${id}::uuid) as page`.execute(db);
  const page = rows[0]?.page;
  if (!page) throw new AppError('CUSTOMER.NOT_FOUND');
  const { customer } = page;
  return {
    ...rowToCustomer({
      ...customer,
      search_text: '',
      created_at: new Date(customer.created_at),
      updated_at: new Date(customer.updated_at),
      first_order_at: orNull(customer.first_order_at),
      last_order_at: orNull(customer.last_order_at),
      erased_at: orNull(customer.erased_at),
    }),
    // json_agg spells times its own way; answer with the ISO form every other route uses.
    identities: page.identities.map((i) => ({ ...i, createdAt: new Date(i.createdAt) })),
    consentHistory: page.consents.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
    timeline: timelinePageFromJson(page.timeline, 20),
  };
}

export { listTimeline } from '../timeline/timeline.service.ts';

export async function searchCustomers(trx: Trx, ctx: Ctx, query: ListCustomersQuery) {
  return listCustomers(trx, ctx, query);
}

/** Replaces a customer's tags (the segments marketers build); agents and marketers may, not only editors. */
export async function setCustomerTags(trx: Trx, ctx: Ctx, id: string, tags: string[]): Promise<Customer> {
  requirePermission(ctx, 'customers.tag');
  const beforeRow = await requireActive(trx, ctx, id, true);
  const next = [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))];
  if (JSON.stringify(next) === JSON.stringify(beforeRow.tags)) return rowToCustomer(beforeRow);
  await trx
    .updateTable('customers')
    .set({ tags: next, updated_at: new Date() })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  await recordAudit(trx, ctx, {
    action: 'customer.tags_changed',
    entityType: 'customer',
    entityId: id,
    before: { tags: beforeRow.tags },
    after: { tags: next },
  });
  await publishEvent(trx, ctx, customerUpdated, { customerId: id });
  return rowToCustomer(await findCustomerRow(trx, ctx, id));
}

export async function addNote(trx: Trx, ctx: Ctx, customerId: string, body: string) {
  requirePermission(ctx, 'customers.write');
  await requireActive(trx, ctx, customerId);
  const id = newId();
  const note = await trx
    .insertInto('notes')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      customer_id: customerId,
      body,
      author_id: ctx.actor.type === 'user' ? ctx.actor.id : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordTimelineEvent(trx, ctx, {
    customerId,
    type: 'note.added',
    occurredAt: note.created_at,
    refId: id,
    data: { body, authorName: ctx.actor.name },
  });
  await recordAudit(trx, ctx, {
    action: 'customer.note_added',
    entityType: 'customer',
    entityId: customerId,
    after: { noteId: id, body },
  });
  return { id, body: note.body, authorId: note.author_id, authorName: ctx.actor.name, createdAt: note.created_at };
}

/** Written by commerce after any order change; totals are always derived from the orders themselves. */
export async function applyCustomerTotals(
  trx: Trx,
  ctx: Ctx,
  totals: {
    customerId: string;
    ordersCount: number;
    totalSpent: string;
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
  }[],
): Promise<void> {
  if (totals.length === 0) return;
  // One statement for any number of customers: imports refresh thousands at once.
  await sql`
    update customers c set
      orders_count = t.orders_count,
      total_spent = t.total_spent,
      first_order_at = t.first_order_at,
      last_order_at = t.last_order_at,
      lifecycle_stage = case when c.lifecycle_stage in ('lead', 'customer', 'repeat') then
        (case when t.orders_count >= 2 then 'repeat' when t.orders_count = 1 then 'customer' else c.lifecycle_stage end)
        else c.lifecycle_stage end
    from (
      select * from unnest(
        ${totals.map((t) => t.customerId)}::uuid[],
        ${totals.map((t) => t.ordersCount)}::int[],
        ${totals.map((t) => t.totalSpent)}::numeric[],
        ${totals.map((t) => t.firstOrderAt?.toISOString() ?? null)}::timestamptz[],
        ${totals.map((t) => t.lastOrderAt?.toISOString() ?? null)}::timestamptz[]
      ) as x(id, orders_count, total_spent, first_order_at, last_order_at)
    ) t
    where c.workspace_id = ${ctx.workspaceId} and c.id = t.id`.execute(trx);
}

/** For commerce and imports: the active customer behind an id, or the one it was merged into. */
export async function resolveActiveCustomerId(trx: Trx, ctx: Ctx, id: string): Promise<string | null> {
  let current: string | null = id;
  for (let hop = 0; current && hop < 5; hop++) {
    const row: { status: string; merged_into: string | null } | undefined = await trx
      .selectFrom('customers')
      .select(['status', 'merged_into'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', current)
      .executeTakeFirst();
    if (!row) return null;
    if (row.status === 'active') return current;
    if (row.status !== 'merged') return null;
    current = row.merged_into;
  }
  return null;
}

export async function listTags(trx: Trx, ctx: Ctx) {
  return trx
    .selectFrom(
      sql<{
        tag: string;
      }>`(select unnest(tags) as tag from customers where workspace_id = ${ctx.workspaceId} and status = 'active')`.as(
        't',
      ),
    )
    .select(['t.tag', sql<number>`count(*)::int`.as('count')])
    .groupBy('t.tag')
    .orderBy('count', 'desc')
    .limit(200)
    .execute();
}

/** The names other modules show beside their own records (members, tickets), by customer id; null for no name. */
export async function customerNames(trx: Trx, ctx: Ctx, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('customers')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, [r.first_name, r.last_name].filter(Boolean).join(' ') || null]));
}

/** Of the given ids, those of this workspace's active customers (not merged, archived or erased). */
export async function activeCustomerIds(trx: Trx, ctx: Ctx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', 'in', [...new Set(ids)])
    .where('status', '=', 'active')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * The birthdays ('YYYY-MM-DD') of the given ids' active customers of this workspace, in one query; a customer
 * with no birthday, or not active, is not in the answer (the loyalty club's birthday job reads them page by page).
 */
export async function customerBirthdays(trx: Trx, ctx: Ctx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('customers')
    .select(['id', sql<string>`birthday::text`.as('birthday')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', sql<string>`any(${[...new Set(ids)]}::uuid[])`)
    .where('status', '=', 'active')
    .where('birthday', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r.birthday]));
}

/**
 * The customers a segment may take in, as `c`, for its rules' condition
 * (src/platform/segment-fields.ts): this workspace's records that are in use,
 * not merged into another, archived or erased.
 */
export function segmentAudience(trx: Trx, ctx: Ctx) {
  return trx
    .selectFrom('customers as c')
    .where('c.workspace_id', '=', ctx.workspaceId)
    .where('c.status', '=', 'active');
}

/** How a campaign may reach a customer, read at the moment of sending. */
export type CustomerContact = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  preferredChannel: ConsentChannel | null;
  consents: Partial<Record<ConsentChannel, boolean>>;
  conductFlag: string | null;
};

/**
 * The active customers among `ids` with their addresses and current consent,
 * held (for share) until the caller's transaction ends: a consent change
 * (an unsubscribe) waits for a send that read the old one, and one that
 * commits first is what the send reads.
 */
export async function contactsForSending(
  trx: Trx,
  ctx: Ctx,
  ids: readonly string[],
): Promise<Map<string, CustomerContact>> {
  if (ids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('customers')
    .select(['id', 'first_name', 'last_name', 'email', 'phone', 'preferred_channel', 'consents', 'conduct_flag'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', sql<string>`any(${[...new Set(ids)]}::uuid[])`)
    .where('status', '=', 'active')
    .orderBy('id')
    .forShare()
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        firstName: r.first_name,
        lastName: r.last_name,
        email: r.email,
        phone: r.phone,
        preferredChannel: r.preferred_channel,
        consents: r.consents,
        conductFlag: r.conduct_flag,
      },
    ]),
  );
}
