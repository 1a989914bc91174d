/** The customer list: filters, search, sort orders and cursor pages. */
import { type ExpressionBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Trx, withoutRowSecurity } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { type CursorPart, decodeCursor, encodeCursor } from '../../platform/cursor.ts';
import { searchTerms } from './customers.normalise.ts';
import { rowToCustomer } from './customers.repository.ts';
import type { CustomerSort, ListCustomersQuery } from './customers.schemas.ts';
import type { CustomerRow } from './customers.tables.ts';

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
