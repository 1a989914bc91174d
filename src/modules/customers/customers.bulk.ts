import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { can } from '../../platform/permissions.ts';
import { recordTimelineEvents, type TimelineEventInput } from '../timeline/timeline.service.ts';
import { buildSearchText } from './customers.normalise.ts';
import { identityKeys, lockIdentities } from './customers.repository.ts';
import type { ConductFlag, ConsentChannel, CustomerRow, LifecycleStage } from './customers.tables.ts';

/**
 * Set-based writes for imports and the demo: thousands of customers in a
 * handful of statements, with the same records, identities, consent history
 * and timeline that createCustomer / changeConsent write one at a time.
 */

/**
 * One customer to create or update. Values must already be normalised
 * (normaliseEmail, normalisePhone, trimmed text); an absent field leaves the
 * stored value as it is.
 */
export type BulkCustomerInput = {
  externalId?: string;
  firstName?: string;
  lastName?: string;
  firstNameLatin?: string;
  lastNameLatin?: string;
  email?: string;
  phone?: string;
  /** YYYY-MM-DD */
  birthday?: string;
  street?: string;
  city?: string;
  zip?: string;
  /** Added as a note on the customer unless the customer already has a note with this text. */
  note?: string;
  /** Only update: a row that names no match is an error (`customer.unknown_id`), never an empty new customer. */
  mustExist?: boolean;
  /** Added to the customer's tags; tags are never removed by an import. */
  tags?: string[];
  lifecycleStage?: LifecycleStage;
  /** Each given channel appends a consent event when it differs from the current consent. */
  consents?: Partial<Record<ConsentChannel, boolean>>;
  homeBranchId?: string;
  preferredChannel?: ConsentChannel;
  conductFlag?: ConductFlag;
  conductNote?: string;
  attributes?: Record<string, string | number | boolean | null>;
  /** Only for new customers (the demo's history); defaults to now. */
  createdAt?: Date;
  /** When the consents were given; defaults to now. */
  consentAt?: Date;
};

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

/** Active customers behind a set of external ids, emails and phones, through their records and identities. */
export type CustomerKeyIndex = {
  byExternalId: Map<string, string[]>;
  byEmail: Map<string, string[]>;
  byPhone: Map<string, string[]>;
};

const push = (map: Map<string, string[]>, key: string, id: string) => {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
};

const keyColumns = ['id', 'external_id', 'email', 'phone'] as const;

async function lookupKeys(
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
    // the last writer left them: two customer batches may run at once (imports.pipeline.ts).
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

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The stored values after applying the input's given fields. */
function applyInput(row: CustomerRow, input: BulkCustomerInput) {
  const address = (row.address ?? null) as Record<string, unknown> | null;
  const tags = input.tags ? [...new Set([...row.tags, ...input.tags])] : row.tags;
  const consents = { ...row.consents, ...(input.consents ?? {}) };
  return {
    external_id: input.externalId ?? row.external_id,
    first_name: input.firstName ?? row.first_name,
    last_name: input.lastName ?? row.last_name,
    first_name_latin: input.firstNameLatin ?? row.first_name_latin,
    last_name_latin: input.lastNameLatin ?? row.last_name_latin,
    email: input.email ?? row.email,
    phone: input.phone ?? row.phone,
    birthday: input.birthday ?? dateOnly(row.birthday),
    address: nextAddress(address, input),
    tags,
    lifecycle_stage: input.lifecycleStage ?? row.lifecycle_stage,
    consents,
    home_branch_id: input.homeBranchId ?? row.home_branch_id,
    preferred_channel: input.preferredChannel ?? row.preferred_channel,
    conduct_flag: input.conductFlag ?? row.conduct_flag,
    conduct_note: input.conductNote ?? row.conduct_note,
    attributes: input.attributes ? { ...row.attributes, ...input.attributes } : row.attributes,
  };
}

/** The stored address with the input's street, city and zip; the same object when none of them changes. */
function nextAddress(address: Record<string, unknown> | null, input: BulkCustomerInput) {
  const given = { street: input.street, city: input.city, zip: input.zip };
  const changes = Object.entries(given).filter(([key, value]) => value !== undefined && address?.[key] !== value);
  return changes.length ? { ...(address ?? {}), ...Object.fromEntries(changes) } : address;
}

function addressOf(input: BulkCustomerInput) {
  const address = { street: input.street, city: input.city, zip: input.zip };
  const given = Object.entries(address).filter(([, value]) => value !== undefined);
  return given.length ? Object.fromEntries(given) : null;
}

function dateOnly(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    const m = String(value.getMonth() + 1).padStart(2, '0');
    const d = String(value.getDate()).padStart(2, '0');
    return `${value.getFullYear()}-${m}-${d}`;
  }
  return String(value).slice(0, 10);
}

function isChanged(row: CustomerRow, next: ReturnType<typeof applyInput>): boolean {
  return (
    next.external_id !== row.external_id ||
    next.first_name !== row.first_name ||
    next.last_name !== row.last_name ||
    next.first_name_latin !== row.first_name_latin ||
    next.last_name_latin !== row.last_name_latin ||
    next.email !== row.email ||
    next.phone !== row.phone ||
    next.birthday !== dateOnly(row.birthday) ||
    next.address !== row.address ||
    !sameList(next.tags, row.tags) ||
    next.lifecycle_stage !== row.lifecycle_stage ||
    next.home_branch_id !== row.home_branch_id ||
    next.preferred_channel !== row.preferred_channel ||
    next.conduct_flag !== row.conduct_flag ||
    next.conduct_note !== row.conduct_note ||
    JSON.stringify(next.attributes) !== JSON.stringify(row.attributes)
  );
}

type ConsentChange = { customerId: string; channel: ConsentChannel; granted: boolean; at: Date | undefined };

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

async function insertCustomers(
  trx: Trx,
  ctx: Ctx,
  inserts: { id: string; input: BulkCustomerInput }[],
  source: string,
) {
  if (inserts.length === 0) return;
  const records = inserts.map(({ id, input: i }) => ({
    id,
    external_id: i.externalId ?? null,
    first_name: i.firstName ?? null,
    last_name: i.lastName ?? null,
    first_name_latin: i.firstNameLatin ?? null,
    last_name_latin: i.lastNameLatin ?? null,
    email: i.email ?? null,
    phone: i.phone ?? null,
    birthday: i.birthday ?? null,
    address: addressOf(i),
    attributes: i.attributes ?? {},
    tags: i.tags ? [...new Set(i.tags)] : [],
    lifecycle_stage: i.lifecycleStage ?? 'lead',
    consents: i.consents ?? {},
    home_branch_id: i.homeBranchId ?? null,
    preferred_channel: i.preferredChannel ?? null,
    conduct_flag: i.conductFlag ?? null,
    conduct_note: i.conductNote ?? null,
    search_text: buildSearchText({
      names: [i.firstName, i.lastName, i.firstNameLatin, i.lastNameLatin],
      emails: [i.email],
      phones: [i.phone],
      externalIds: [i.externalId],
    }),
    created_at: i.createdAt?.toISOString() ?? null,
  }));
  await sql`
    insert into customers (
      workspace_id, id, external_id, first_name, last_name, first_name_latin, last_name_latin, email, phone,
      birthday, address, attributes, tags, lifecycle_stage, consents, home_branch_id, preferred_channel,
      conduct_flag, conduct_note, source, created_by, search_text, created_at, updated_at)
    select ${ctx.workspaceId}::uuid, x.id, x.external_id, x.first_name, x.last_name, x.first_name_latin,
      x.last_name_latin, x.email, x.phone, x.birthday, x.address, x.attributes, x.tags, x.lifecycle_stage,
      x.consents, x.home_branch_id, x.preferred_channel, x.conduct_flag, x.conduct_note, ${source},
      ${ctx.actor.name}, x.search_text, coalesce(x.created_at, now()), coalesce(x.created_at, now())
    from json_to_recordset(${JSON.stringify(records)}::json) as x(
      id uuid, external_id text, first_name text, last_name text, first_name_latin text, last_name_latin text,
      email text, phone text, birthday date, address jsonb, attributes jsonb, tags text[], lifecycle_stage text,
      consents jsonb, home_branch_id uuid, preferred_channel text, conduct_flag text, conduct_note text,
      search_text text, created_at timestamptz)`.execute(trx);
  await insertIdentities(
    trx,
    ctx,
    inserts.flatMap(({ id, input }) => [
      ...(input.email ? [{ customerId: id, kind: 'email' as const, value: input.email }] : []),
      ...(input.phone ? [{ customerId: id, kind: 'phone' as const, value: input.phone }] : []),
    ]),
    source,
    inserts[0]?.input.createdAt ? new Map(inserts.map(({ id, input }) => [id, input.createdAt])) : undefined,
  );
}

async function insertIdentities(
  trx: Trx,
  ctx: Ctx,
  identities: { customerId: string; kind: 'email' | 'phone'; value: string }[],
  source: string,
  createdAt?: Map<string, Date | undefined>,
) {
  if (identities.length === 0) return;
  const records = identities.map((i) => ({
    id: newId(),
    customer_id: i.customerId,
    kind: i.kind,
    value: i.value,
    created_at: createdAt?.get(i.customerId)?.toISOString() ?? null,
  }));
  await sql`
    insert into customer_identities (workspace_id, id, customer_id, kind, value, source, created_at)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, x.kind, x.value, ${source}, coalesce(x.created_at, now())
    from json_to_recordset(${JSON.stringify(records)}::json)
      as x(id uuid, customer_id uuid, kind text, value text, created_at timestamptz)`.execute(trx);
}

async function updateCustomers(
  trx: Trx,
  ctx: Ctx,
  updates: { row: CustomerRow; next: ReturnType<typeof applyInput> }[],
  source: string,
) {
  if (updates.length === 0) return;
  const ids = updates.map((u) => u.row.id);
  const identities = await trx
    .selectFrom('customer_identities')
    .select(['customer_id', 'kind', 'value'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', sql<string>`any(${ids}::uuid[])`)
    .execute();
  const known = new Set(identities.map((i) => `${i.customer_id}|${i.kind}|${i.value}`));
  const freshIdentities: { customerId: string; kind: 'email' | 'phone'; value: string }[] = [];
  const records = updates.map(({ row, next }) => {
    for (const [kind, value] of [
      ['email', next.email],
      ['phone', next.phone],
    ] as const) {
      if (value && !known.has(`${row.id}|${kind}|${value}`)) {
        known.add(`${row.id}|${kind}|${value}`);
        freshIdentities.push({ customerId: row.id, kind, value });
        identities.push({ customer_id: row.id, kind, value });
      }
    }
    const mine = identities.filter((i) => i.customer_id === row.id);
    return {
      id: row.id,
      ...next,
      search_text: buildSearchText({
        names: [next.first_name, next.last_name, next.first_name_latin, next.last_name_latin],
        emails: [next.email, ...mine.filter((i) => i.kind === 'email').map((i) => i.value)],
        phones: [next.phone, ...mine.filter((i) => i.kind === 'phone').map((i) => i.value)],
        externalIds: [next.external_id],
      }),
    };
  });
  await sql`
    update customers c set
      external_id = x.external_id, first_name = x.first_name, last_name = x.last_name,
      first_name_latin = x.first_name_latin, last_name_latin = x.last_name_latin, email = x.email, phone = x.phone,
      birthday = x.birthday, address = x.address, attributes = x.attributes, tags = x.tags,
      lifecycle_stage = x.lifecycle_stage, consents = x.consents, home_branch_id = x.home_branch_id,
      preferred_channel = x.preferred_channel, conduct_flag = x.conduct_flag, conduct_note = x.conduct_note,
      search_text = x.search_text, updated_at = now()
    from json_to_recordset(${JSON.stringify(records)}::json) as x(
      id uuid, external_id text, first_name text, last_name text, first_name_latin text, last_name_latin text,
      email text, phone text, birthday date, address jsonb, attributes jsonb, tags text[], lifecycle_stage text,
      consents jsonb, home_branch_id uuid, preferred_channel text, conduct_flag text, conduct_note text,
      search_text text)
    where c.workspace_id = ${ctx.workspaceId} and c.id = x.id`.execute(trx);
  await insertIdentities(trx, ctx, freshIdentities, source);
  const flagged: TimelineEventInput[] = updates
    .filter(({ row, next }) => row.conduct_flag !== next.conduct_flag)
    .map(({ row, next }) => ({
      customerId: row.id,
      type: 'conduct.flagged',
      occurredAt: new Date(),
      data: { from: row.conduct_flag, to: next.conduct_flag, note: next.conduct_note, by: ctx.actor.name },
    }));
  await recordTimelineEvents(trx, ctx, flagged);
}

/** Appends consent events (the history is append-only; the timeline reads them, klient_customer_events). */
async function appendConsents(trx: Trx, ctx: Ctx, changes: ConsentChange[], source: string) {
  if (changes.length === 0) return;
  const records = changes.map((c) => ({
    id: newId(),
    customer_id: c.customerId,
    channel: c.channel,
    status: c.granted ? 'granted' : 'revoked',
    occurred_at: (c.at ?? new Date()).toISOString(),
  }));
  await sql`
    insert into consent_events (workspace_id, id, customer_id, channel, status, source, recorded_by, occurred_at)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, x.channel, x.status, ${source}, ${ctx.actor.name}, x.occurred_at
    from json_to_recordset(${JSON.stringify(records)}::json)
      as x(id uuid, customer_id uuid, channel text, status text, occurred_at timestamptz)`.execute(trx);
}

/** Which of these customers already have a note with one of these texts: `${customerId}|${body}`. */
async function storedNotes(trx: Trx, ctx: Ctx, customerIds: string[], bodies: string[]): Promise<Set<string>> {
  if (customerIds.length === 0 || bodies.length === 0) return new Set();
  const rows = await trx
    .selectFrom('notes')
    .select(['customer_id', 'body'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', sql<string>`any(${customerIds}::uuid[])`)
    .where('body', '=', sql<string>`any(${bodies}::text[])`)
    .execute();
  return new Set(rows.map((r) => `${r.customer_id}|${r.body}`));
}

/** Notes from the file (Shopify's "Note", a spreadsheet's הערות), each on the customer's timeline as POST /notes makes it. */
async function appendNotes(trx: Trx, ctx: Ctx, notes: { customerId: string; body: string }[]) {
  if (notes.length === 0) return;
  const records = notes.map((n) => ({ id: newId(), customer_id: n.customerId, body: n.body }));
  const authorId = ctx.actor.type === 'user' ? ctx.actor.id : null;
  const written = await sql<{ id: string; customer_id: string; body: string; created_at: Date }>`
    insert into notes (workspace_id, id, customer_id, body, author_id)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, x.body, ${authorId}::uuid
    from json_to_recordset(${JSON.stringify(records)}::json) as x(id uuid, customer_id uuid, body text)
    returning id, customer_id, body, created_at`.execute(trx);
  await recordTimelineEvents(
    trx,
    ctx,
    written.rows.map((n) => ({
      customerId: n.customer_id,
      type: 'note.added',
      occurredAt: new Date(n.created_at),
      refId: n.id,
      data: { body: n.body, authorName: ctx.actor.name },
    })),
  );
}
