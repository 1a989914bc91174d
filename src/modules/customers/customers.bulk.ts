import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { can } from '../../platform/permissions.ts';
import { lookupKeys, push } from './customers.bulk-lookup.ts';
import { applyInput, type BulkCustomerInput, isChanged, sameList } from './customers.bulk-values.ts';
import {
  appendConsents,
  appendNotes,
  type ConsentChange,
  insertCustomers,
  storedNotes,
  updateCustomers,
} from './customers.bulk-writes.ts';
import { identityKeys, lockIdentities } from './customers.repository.ts';
import type { ConsentChannel, CustomerRow } from './customers.tables.ts';

export type { BulkCustomerInput } from './customers.bulk-values.ts';

/**
 * Set-based writes for imports and the demo: thousands of customers in a
 * handful of statements, with the same records, identities, consent history
 * and timeline that createCustomer / changeConsent write one at a time.
 */

/** A change the acting role may not make: the same permission the single-record route asks for. */
export type BulkPermissionReason =
  | 'permission.create'
  | 'permission.profile'
  | 'permission.tags'
  | 'permission.consents';

export type BulkCustomerOutcome =
  | { status: 'inserted' | 'updated' | 'unchanged'; id: string }
  | { status: 'error'; reason: 'customer.ambiguous' | 'row.conflict' | 'customer.unknown_id' | BulkPermissionReason };

type Match = { row: CustomerRow };

/**
 * Creates or updates customers in a few statements. Each input is matched to
 * an active customer by external id, then email, then phone (records and
 * identities; a customer with another external id never matches by contact).
 * A match whose given fields already hold is `unchanged`; two inputs that
 * reach the same customer, or a contact shared by several, are errors.
 */
export async function upsertCustomersBulk(
  trx: Trx,
  ctx: Ctx,
  inputs: BulkCustomerInput[],
  options: { source: string },
): Promise<BulkCustomerOutcome[]> {
  // Every person the batch names, before it looks them up: a create of one of them (POST /customers)
  // that is under way finishes first and is found here; one that starts later waits for this batch.
  await lockIdentities(trx, ctx, [...new Set(inputs.flatMap(identityKeys))], 'shared');
  // Batches of two imports hold those locks side by side; when both create one external id, the
  // unique index makes the later wait for the first, and the later is written again, finding it.
  for (let attempt = 1; ; attempt++) {
    await sql`savepoint customers_bulk`.execute(trx);
    try {
      const outcomes = await writeCustomers(trx, ctx, inputs, options);
      await sql`release savepoint customers_bulk`.execute(trx);
      return outcomes;
    } catch (error) {
      if (attempt === 3 || !isExternalIdTaken(error)) throw error;
      await sql`rollback to savepoint customers_bulk`.execute(trx);
    }
  }
}

function isExternalIdTaken(error: unknown): boolean {
  const fault = error as { code?: unknown; constraint?: unknown } | null;
  return fault?.code === '23505' && fault.constraint === 'customers_external_id_key';
}

async function writeCustomers(
  trx: Trx,
  ctx: Ctx,
  inputs: BulkCustomerInput[],
  options: { source: string },
): Promise<BulkCustomerOutcome[]> {
  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
  const { index, rows } = await lookupKeys(trx, ctx, {
    externalIds: distinct(inputs.map((i) => i.externalId)),
    emails: distinct(inputs.map((i) => i.email)),
    phones: distinct(inputs.map((i) => i.phone)),
  });

  const role = ctx.actor.role;
  const outcomes: BulkCustomerOutcome[] = [];
  const claimed = new Set<string>();
  const inserts: { id: string; input: BulkCustomerInput }[] = [];
  const updates: { row: CustomerRow; next: ReturnType<typeof applyInput> }[] = [];
  const consentChanges: ConsentChange[] = [];
  const notes: { customerId: string; body: string }[] = [];
  const noted = await storedNotes(trx, ctx, [...rows.keys()], distinct(inputs.map((i) => i.note)));

  for (const input of inputs) {
    let match: Match | 'ambiguous' | null = null;
    const pick = (ids: string[] | undefined) => {
      const usable = (ids ?? [])
        .map((id) => rows.get(id)!)
        .filter((r) => !input.externalId || !r.external_id || r.external_id === input.externalId);
      if (usable.length > 1) return 'ambiguous' as const;
      return usable[0] ? { row: usable[0] } : null;
    };
    if (input.externalId) {
      const ids = index.byExternalId.get(input.externalId);
      if (ids?.[0]) match = { row: rows.get(ids[0])! };
    }
    if (!match && input.email) match = pick(index.byEmail.get(input.email));
    if (!match && input.phone) match = pick(index.byPhone.get(input.phone));
    if (match === 'ambiguous') {
      outcomes.push({ status: 'error', reason: 'customer.ambiguous' });
      continue;
    }
    if (match) {
      if (claimed.has(match.row.id)) {
        outcomes.push({ status: 'error', reason: 'row.conflict' });
        continue;
      }
      claimed.add(match.row.id);
      const next = applyInput(match.row, input);
      const consents: ConsentChange[] = [];
      for (const [channel, granted] of Object.entries(input.consents ?? {}) as [ConsentChannel, boolean][]) {
        if (match.row.consents[channel] !== granted) {
          consents.push({ customerId: match.row.id, channel, granted, at: input.consentAt });
        }
      }
      const tagsChanged = !sameList(next.tags, match.row.tags);
      const noteAdded = input.note !== undefined && !noted.has(`${match.row.id}|${input.note}`);
      const profileChanged = noteAdded || isChanged(match.row, { ...next, tags: match.row.tags });
      // Each kind of change asks for the permission its own route asks for (a marketer tags, but edits no profile).
      const denied: BulkPermissionReason | null =
        profileChanged && !can(role, 'customers.write')
          ? 'permission.profile'
          : tagsChanged && !can(role, 'customers.tag')
            ? 'permission.tags'
            : consents.length > 0 && !can(role, 'customers.consent')
              ? 'permission.consents'
              : null;
      if (denied) {
        outcomes.push({ status: 'error', reason: denied });
        continue;
      }
      consentChanges.push(...consents);
      const changed = consents.length > 0 || profileChanged || tagsChanged;
      if (changed) updates.push({ row: match.row, next });
      if (noteAdded) notes.push({ customerId: match.row.id, body: input.note! });
      outcomes.push({ status: changed ? 'updated' : 'unchanged', id: match.row.id });
      continue;
    }
    if (input.mustExist) {
      outcomes.push({ status: 'error', reason: 'customer.unknown_id' });
      continue;
    }
    if (!can(role, 'customers.write')) {
      outcomes.push({ status: 'error', reason: 'permission.create' });
      continue;
    }
    const id = newId();
    inserts.push({ id, input });
    // Later inputs of this call find the new customer by its keys, as they would in a later call.
    const fresh = { id, external_id: input.externalId ?? null, consents: {} } as CustomerRow;
    rows.set(id, fresh);
    if (input.externalId) push(index.byExternalId, input.externalId, id);
    if (input.email) push(index.byEmail, input.email, id);
    if (input.phone) push(index.byPhone, input.phone, id);
    claimed.add(id);
    for (const [channel, granted] of Object.entries(input.consents ?? {}) as [ConsentChannel, boolean][]) {
      consentChanges.push({ customerId: id, channel, granted, at: input.consentAt });
    }
    if (input.note) notes.push({ customerId: id, body: input.note });
    outcomes.push({ status: 'inserted', id });
  }

  await insertCustomers(trx, ctx, inserts, options.source);
  await updateCustomers(trx, ctx, updates, options.source);
  await appendConsents(trx, ctx, consentChanges, options.source);
  await appendNotes(trx, ctx, notes);
  return outcomes;
}
