import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { readInWorkspace, type Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError, type FieldError } from '../../platform/errors.ts';
import { publishEvent } from '../../platform/events.ts';
import { redactIdempotentReplies } from '../../platform/idempotency.ts';
import {
  exportTimeline,
  latestTimelineJson,
  moveTimeline,
  recordTimelineEvent,
  scrubTimeline,
  timelinePageFromJson,
} from '../timeline/timeline.service.ts';
import { normaliseEmail, normalisePhone } from './customers.normalise.ts';
import {
  type Customer,
  findByContact,
  findCustomerRow,
  identityValues,
  listCustomers,
  lockCustomerRow,
  refreshSearchText,
  rowToCustomer,
} from './customers.repository.ts';
import type { ConsentBody, CreateCustomerBody, ListCustomersQuery, UpdateCustomerBody } from './customers.schemas.ts';
import type { ConsentChannel, CustomerRow, CustomerTable } from './customers.tables.ts';

export { normaliseEmail, normalisePhone } from './customers.normalise.ts';
export type { Customer } from './customers.repository.ts';

/**
 * What other modules plug into a customer's life: a merge moves their rows
 * to the survivor, an export adds their part, an erasure scrubs it.
 * Commerce registers its orders here; loyalty, tickets and surveys will too.
 */
export type CustomerHooks = {
  merge?: (trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) => Promise<void>;
  export?: (trx: Trx, ctx: Ctx, customerId: string) => Promise<Record<string, unknown>>;
  erase?: (trx: Trx, ctx: Ctx, customerId: string) => Promise<void>;
};
const hooks = new Map<string, CustomerHooks>();

export function registerCustomerHooks(module: string, moduleHooks: CustomerHooks): void {
  hooks.set(module, moduleHooks);
}

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
  const found = await trx
    .selectFrom('branches')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', branchId)
    .executeTakeFirst();
  if (!found) throw new AppError('VALIDATION', { fields: [{ field: 'homeBranchId', message: 'branch.not_found' }] });
}

export async function createCustomer(
  trx: Trx,
  ctx: Ctx,
  input: CreateCustomerBody,
  options: { allowDuplicate?: boolean } = {},
): Promise<Customer> {
  const { consents, ...profile } = input;
  const { values, errors } = normaliseProfile(profile);
  if (!values.first_name && !values.last_name && !values.email && !values.phone) {
    errors.push({ field: 'firstName', message: 'name.required' });
  }
  if (errors.length) throw new AppError('VALIDATION', { fields: errors });
  await assertBranch(trx, ctx, values.home_branch_id);
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
  await trx
    .insertInto('customers')
    .values({ ...(values as object), workspace_id: ctx.workspaceId, id } as never)
    .execute();
  await addIdentities(trx, ctx, id, values.email as string | null, values.phone as string | null, ctx.actor.type);
  for (const consent of consents ?? []) await appendConsent(trx, ctx, id, consent);
  await refreshSearchText(trx, ctx, id);
  const created = rowToCustomer(await findCustomerRow(trx, ctx, id));
  await recordAudit(trx, ctx, { action: 'customer.created', entityType: 'customer', entityId: id, after: created });
  await recordTimelineEvent(trx, ctx, {
    customerId: id,
    type: 'customer.created',
    occurredAt: created.createdAt,
    data: { source: created.source, by: ctx.actor.name },
  });
  await publishEvent(trx, ctx, { type: 'customer.created', payload: { customerId: id } });
  return created;
}

async function addIdentities(
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

async function requireActive(trx: Trx, ctx: Ctx, id: string, lock = false): Promise<CustomerRow> {
  const row = lock ? await lockCustomerRow(trx, ctx, id) : await findCustomerRow(trx, ctx, id);
  if (row.status !== 'active') throw new AppError('CUSTOMER.NOT_ACTIVE', { extra: { mergedInto: row.merged_into } });
  return row;
}

export async function updateCustomer(trx: Trx, ctx: Ctx, id: string, input: UpdateCustomerBody): Promise<Customer> {
  const beforeRow = await requireActive(trx, ctx, id, true);
  const { values, errors } = normaliseProfile(input);
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
  await publishEvent(trx, ctx, { type: 'customer.updated', payload: { customerId: id } });
  return after;
}

export async function archiveCustomer(trx: Trx, ctx: Ctx, id: string): Promise<void> {
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

/**
 * The customer page: profile, totals, identities, consent history and the
 * latest 20 timeline events, read in one query and, on a server, one round
 * trip (the page is opened often). Takes the database, not a transaction.
 */
export async function getCustomer360(db: Kysely<DB>, ctx: Ctx, id: string) {
  const query = db
    .selectFrom('customers as c')
    .selectAll('c')
    .select([
      sql<{ id: string; kind: string; value: string; source: string | null; createdAt: string }[]>`(
        select coalesce(json_agg(json_build_object('id', i.id, 'kind', i.kind, 'value', i.value, 'source', i.source,
          'createdAt', i.created_at) order by i.created_at), '[]'::json)
        from customer_identities i where i.workspace_id = c.workspace_id and i.customer_id = c.id)`.as(
        'identities_json',
      ),
      sql<Record<string, unknown>[]>`(
        select coalesce(json_agg(json_build_object('id', e.id, 'channel', e.channel, 'status', e.status, 'source', e.source,
          'textShown', e.text_shown, 'recordedBy', e.recorded_by, 'occurredAt', e.occurred_at)
          order by e.occurred_at desc, e.id desc), '[]'::json)
        from consent_events e where e.workspace_id = c.workspace_id and e.customer_id = c.id)`.as('consents_json'),
      latestTimelineJson(ctx, 'c.id', 20).as('timeline_json'),
    ])
    .where('c.workspace_id', '=', ctx.workspaceId)
    .where('c.id', '=', id);
  const [row] = await readInWorkspace(db, ctx.workspaceId, query);
  if (!row) throw new AppError('CUSTOMER.NOT_FOUND');
  const { identities_json, consents_json, timeline_json, ...customer } = row;
  return {
    ...rowToCustomer(customer),
    // json_agg spells times its own way; answer with the ISO form every other route uses.
    identities: identities_json.map((i) => ({ ...i, createdAt: new Date(i.createdAt) })),
    consentHistory: consents_json.map((e) => ({ ...e, occurredAt: new Date(String(e.occurredAt)) })),
    timeline: timelinePageFromJson(timeline_json, 20),
  };
}

export { listTimeline } from '../timeline/timeline.service.ts';

export async function searchCustomers(trx: Trx, ctx: Ctx, query: ListCustomersQuery) {
  return listCustomers(trx, ctx, query);
}

async function consentHistoryOf(trx: Trx, ctx: Ctx, customerId: string) {
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

async function appendConsent(trx: Trx, ctx: Ctx, customerId: string, consent: ConsentBody) {
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
  await recordTimelineEvent(trx, ctx, {
    customerId,
    type: 'consent.changed',
    occurredAt: new Date(),
    refId: id,
    data: { channel: consent.channel, status: consent.status, source: consent.source },
  });
  await publishEvent(trx, ctx, {
    type: 'consent.changed',
    payload: { customerId, channel: consent.channel, status: consent.status },
  });
  return id;
}

/** The current consent per channel is the latest event of that channel; history is never rewritten. */
async function refreshConsents(trx: Trx, ctx: Ctx, customerId: string) {
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

export async function addNote(trx: Trx, ctx: Ctx, customerId: string, body: string) {
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
  for (const moduleHooks of hooks.values()) await moduleHooks.merge?.(trx, ctx, { survivorId, mergedId });

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
  await publishEvent(trx, ctx, { type: 'customer.merged', payload: { survivorId, mergedId } });
  return after;
}

/** Everything Klient holds about one person, for a privacy request. */
export async function exportCustomer(trx: Trx, ctx: Ctx, customerId: string) {
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
  for (const [module, moduleHooks] of hooks) {
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
  const row = await lockCustomerRow(trx, ctx, customerId);
  if (row.status === 'erased') return { erasedAt: row.erased_at ?? new Date() };
  const erasedAt = new Date();
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
  await scrubTimeline(trx, ctx, customerId);
  for (const moduleHooks of hooks.values()) await moduleHooks.erase?.(trx, ctx, customerId);
  // Earlier audit entries and merge snapshots hold copies of the personal data: keep the entries, drop the copies.
  await trx
    .updateTable('audit_log')
    .set({ before: null, after: JSON.stringify({ redacted: 'erased' }) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('entity_type', '=', 'customer')
    .where('entity_id', '=', customerId)
    .execute();
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
  await publishEvent(trx, ctx, { type: 'customer.erased', payload: { customerId } });
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

export async function listBranches(trx: Trx, ctx: Ctx) {
  const rows = await trx
    .selectFrom('branches')
    .select(['id', 'code', 'name', 'city'])
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('name')
    .execute();
  return rows;
}

export async function findOrCreateBranch(trx: Trx, ctx: Ctx, nameOrCode: string): Promise<string> {
  const value = nameOrCode.trim();
  const found = await trx
    .selectFrom('branches')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('code', '=', value), eb('name', '=', value)]))
    .executeTakeFirst();
  if (found) return found.id;
  const id = newId();
  await trx.insertInto('branches').values({ workspace_id: ctx.workspaceId, id, code: value, name: value }).execute();
  return id;
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
