/** The statements a bulk upsert ends in, each for the whole batch: customers, identities, consent events, notes. */
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { recordTimelineEvents, type TimelineEventInput } from '../timeline/timeline.service.ts';
import { addressOf, type applyInput, type BulkCustomerInput } from './customers.bulk-values.ts';
import { buildSearchText } from './customers.normalise.ts';
import type { ConsentChannel, CustomerRow } from './customers.tables.ts';

export type ConsentChange = { customerId: string; channel: ConsentChannel; granted: boolean; at: Date | undefined };

export async function insertCustomers(
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

export async function updateCustomers(
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
export async function appendConsents(trx: Trx, ctx: Ctx, changes: ConsentChange[], source: string) {
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
export async function storedNotes(trx: Trx, ctx: Ctx, customerIds: string[], bodies: string[]): Promise<Set<string>> {
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
export async function appendNotes(trx: Trx, ctx: Ctx, notes: { customerId: string; body: string }[]) {
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
