import { type ExpressionBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Trx, withoutRowSecurity } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { type CursorPart, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { buildSearchText, searchTerms } from './customers.normalise.ts';
import type { CustomerSort, ListCustomersQuery } from './customers.schemas.ts';
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

function dateOnly(value: unknown): string | null {
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

export async function findCustomerRow(trx: Trx, ctx: Ctx, id: string): Promise<CustomerRow> {
  return trx
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('CUSTOMER.NOT_FOUND'));
}

export async function lockCustomerRow(trx: Trx, ctx: Ctx, id: string): Promise<CustomerRow> {
  return trx
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
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
 * (they share no key, imports.pipeline.ts) while every create of one of their
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

type SortSpec = { column: 'created_at' | 'sort_name' | 'total_spent' | 'last_order_at'; dir: 'asc' | 'desc' };

const sorts: Record<CustomerSort, SortSpec> = {
  '-createdAt': { column: 'created_at', dir: 'desc' },
  createdAt: { column: 'created_at', dir: 'asc' },
  name: { column: 'sort_name', dir: 'asc' },
  '-name': { column: 'sort_name', dir: 'desc' },
  '-totalSpent': { column: 'total_spent', dir: 'desc' },
  totalSpent: { column: 'total_spent', dir: 'asc' },
  '-lastOrderAt': { column: 'last_order_at', dir: 'desc' },
  lastOrderAt: { column: 'last_order_at', dir: 'asc' },
};

function sortExpression(column: SortSpec['column']) {
  switch (column) {
    case 'created_at':
      return sql`c.created_at`;
    case 'sort_name':
      return sql`coalesce(c.last_name, c.last_name_latin, '') || ' ' || coalesce(c.first_name, c.first_name_latin, '')`;
    case 'total_spent':
      return sql`c.total_spent`;
    case 'last_order_at':
      return sql`coalesce(c.last_order_at, '1900-01-01T00:00:00Z'::timestamptz)`;
  }
}

/**
 * A search counts its matches up to this many ("more than 1,000" tells a
 * person as much as an exact figure). Up to it, the page is sorted from the
 * list of matching ids; above it, the search pages through the sort order.
 */
const SEARCH_COUNT_CAP = 1000;
/**
 * A word of one or two letters has no trigrams: every count is a scan. Such a
 * search is someone still typing, and "more than 100" is all it needs to say.
 */
const SHORT_SEARCH_COUNT_CAP = 100;

/**
 * The sort value the next cursor carries. Times go as text with microseconds:
 * a JavaScript Date keeps milliseconds only, and a truncated value would
 * repeat or skip rows at the page boundary.
 */
function sortValue(column: SortSpec['column'], expr: ReturnType<typeof sortExpression>) {
  return column === 'created_at' || column === 'last_order_at'
    ? sql<string>`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql<string | number>`${expr}`;
}

/** What a list cursor holds for each sort column: its value's type, then the id. */
const cursorParts = {
  created_at: ['timestamp', 'uuid'],
  last_order_at: ['timestamp', 'uuid'],
  total_spent: ['numeric', 'uuid'],
  sort_name: ['text', 'uuid'],
} as const satisfies Record<SortSpec['column'], readonly CursorPart[]>;

function decodeListCursor(raw: string | undefined, column: SortSpec['column']) {
  const values = decodeCursor(raw, `customers.${column}`, cursorParts[column]);
  return values ? { v: values[0], id: values[1] } : null;
}

/** What klient_digit_parts stores: runs of 5 to 16 digits; shorter fragments are matched as text. */
const DIGIT_PART = /^[0-9]{5,16}$/;

function filters(ctx: Ctx, query: ListCustomersQuery) {
  return (eb: ExpressionBuilder<DB & { c: DB['customers'] }, 'c'>) => {
    const conditions = [eb('c.workspace_id', '=', ctx.workspaceId), eb('c.status', '=', 'active')];
    for (const term of searchTerms(query.q ?? '')) {
      if (DIGIT_PART.test(term)) {
        // Digits (a phone, a member number): one exact lookup in the customers_digit_parts index (migration 0006).
        conditions.push(eb(sql`klient_digit_parts(c.search_text)`, '@>', sql`array[${term}]::text[]`));
        continue;
      }
      const escaped = term.replace(/[\\%_]/g, (m) => `\\${m}`);
      conditions.push(eb('c.search_text', 'like', `%${escaped}%`));
    }
    if (query.tag) conditions.push(eb(sql`c.tags`, '@>', sql`array[${query.tag}]::text[]`));
    if (query.stage) conditions.push(eb('c.lifecycle_stage', '=', query.stage));
    if (query.consent) conditions.push(eb(sql`c.consents ->> ${query.consent}`, '=', 'true'));
    if (query.branch) conditions.push(eb('c.home_branch_id', '=', query.branch));
    return eb.and(conditions);
  };
}

/**
 * One page of the customer list. A search runs with row security off: under a
 * policy PostgreSQL neither searches the trigram index with LIKE nor uses the
 * column statistics it needs to plan well (LIKE is not leakproof), which made a
 * search of 100,000 customers take half a second. Every query here filters by
 * workspace itself, and the rows found are read back under row security, so the
 * second wall still stands between a search and another workspace's customers.
 */
export async function listCustomers(trx: Trx, ctx: Ctx, query: ListCustomersQuery) {
  const { page, total } = query.q
    ? await withoutRowSecurity(trx, (owner) => findPage(owner, ctx, query))
    : await findPage(trx, ctx, query);
  let visiblePage = page;
  if (query.q && page.length > 0) {
    const ids = page.map((r) => r.id);
    const visible = await trx
      .selectFrom('customers')
      .select('id')
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .execute();
    const allowed = new Set(visible.map((r) => r.id));
    visiblePage = page.filter((r) => allowed.has(r.id));
  }
  const items = visiblePage.slice(0, query.limit);
  const last = items.at(-1);
  const rawValue = last?.sort_value as unknown;
  const lastValue = rawValue instanceof Date ? rawValue.toISOString() : (rawValue as string | number | undefined);
  return {
    items: items.map((row) => rowToCustomer(row)),
    nextCursor:
      visiblePage.length > query.limit && last && lastValue !== undefined
        ? encodeCursor(`customers.${sorts[query.sort].column}`, [lastValue, last.id])
        : null,
    total: total.n,
    totalExact: total.exact,
  };
}

async function findPage(trx: Trx, ctx: Ctx, query: ListCustomersQuery) {
  const spec = sorts[query.sort];
  const expr = sortExpression(spec.column);
  const cursor = decodeListCursor(query.cursor, spec.column);
  const direction = spec.dir === 'desc' ? sql`desc` : sql`asc`;
  const op = spec.dir === 'desc' ? sql`<` : sql`>`;
  const afterCursor = cursor
    ? sql<boolean>`(${expr}, c.id) ${op} (${
        spec.column === 'created_at' || spec.column === 'last_order_at'
          ? sql`${cursor.v}::timestamptz`
          : sql`${cursor.v}`
      }, ${cursor.id}::uuid)`
    : sql<boolean>`true`;
  const terms = searchTerms(query.q ?? '');
  const cap = terms.some((term) => term.length < 3) ? SHORT_SEARCH_COUNT_CAP : SEARCH_COUNT_CAP;
  const matches = () =>
    trx
      .selectFrom('customers as c')
      .select('c.id')
      .where(filters(ctx, query))
      .limit(cap + 1);
  /** The number of matches, counted up to the cap + 1. */
  const countMatches = async () =>
    (await trx.selectFrom(matches().as('m')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

  // A search whose words all have trigrams goes through the indexes first:
  // for a specific name, phone or email the matches are few, and one
  // statement finds them, counts them and sorts the page from them alone
  // (always one row at least: the count, with no customer when none is on the page).
  let moreThanCap = false;
  if (terms.length > 0 && terms.every((term) => term.length >= 3)) {
    const rows = await trx
      .with('m', () => matches())
      .with('n', (db) => db.selectFrom('m').select(sql<number>`count(*)::int`.as('n')))
      .selectFrom('n')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('customers as c')
            .selectAll('c')
            .select(sortValue(spec.column, expr).as('sort_value'))
            .where('c.workspace_id', '=', ctx.workspaceId)
            .where('c.id', 'in', (sub) => sub.selectFrom('m').select('m.id'))
            .where(sql<boolean>`n.n <= ${cap}`)
            .where(afterCursor)
            .orderBy(sql`${expr} ${direction}`)
            .orderBy(sql`c.id ${direction}`)
            .limit(query.limit + 1)
            .as('p'),
        (join) => join.onTrue(),
      )
      .selectAll('p')
      .select('n.n as match_count')
      .execute();
    const n = rows[0]?.match_count ?? 0;
    if (n <= cap) {
      const page = rows.filter((r) => r.id !== null) as (CustomerRow & { sort_value: string | number })[];
      return { page, total: { n, exact: true } };
    }
    moreThanCap = true;
  }

  // A broad search (thousands of matches, or a word too short for trigrams)
  // and the plain list page through the sort order, where matches are dense
  // enough to fill a page quickly.
  const page = await trx
    .selectFrom('customers as c')
    .selectAll('c')
    .select(sortValue(spec.column, expr).as('sort_value'))
    .where(filters(ctx, query))
    .where(afterCursor)
    .orderBy(sql`${expr} ${direction}`)
    .orderBy(sql`c.id ${direction}`)
    .limit(query.limit + 1)
    .execute();
  let total: { n: number; exact: boolean };
  if (moreThanCap) total = { n: cap, exact: false };
  else if (query.q) {
    const n = await countMatches();
    total = { n: Math.min(n, cap), exact: n <= cap };
  } else {
    const all = await trx
      .selectFrom('customers as c')
      .select(sql<number>`count(*)::int`.as('n'))
      .where(filters(ctx, query))
      .executeTakeFirstOrThrow();
    total = { n: all.n, exact: true };
  }
  return { page, total };
}
