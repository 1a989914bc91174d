import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { inWorkspace } from '../src/db/tenancy.ts';
import { createApiKey, createWorkspace } from '../src/platform/auth.service.ts';

const firstNames = [
  'נועה',
  'דנה',
  'יוסי',
  'אבי',
  'מיכל',
  'רונית',
  'איתי',
  'שירה',
  'עומר',
  'תמר',
  'אורי',
  'יעל',
  'משה',
  'רחל',
  'דוד',
  'שרה',
];
const lastNames = [
  'כהן',
  'לוי',
  'מזרחי',
  'פרץ',
  'ביטון',
  'דהן',
  'אברהם',
  'פרידמן',
  'אזולאי',
  'מלכה',
  'חדד',
  'גבאי',
  'שפירא',
  'קליין',
];

/** A new owner API key for the bench workspace (a kept database gets a new one each run). */
export async function benchApiKey(db: Database['db'], workspaceId: string, ownerId?: string): Promise<string> {
  const owner =
    ownerId ??
    (await db.selectFrom('users').select('id').where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow()).id;
  const { key } = await inWorkspace(db, workspaceId, (trx) =>
    createApiKey(
      trx,
      { workspaceId, actor: { type: 'user', id: owner, role: 'owner', name: 'bench' } },
      { name: 'bench', role: 'owner' },
    ),
  );
  return key;
}

/**
 * A workspace with `customers` customers and `orders` orders (a line each,
 * totals computed; the timeline shows orders from the orders table), written set-based in SQL:
 * fixtures for the speed benchmarks, not a path the product uses.
 */
export async function seedBenchWorkspace(
  database: Database,
  size: { customers: number; orders: number },
  log: (line: string) => void,
): Promise<{ workspaceId: string; apiKey: string }> {
  const db = database.db;
  const { workspaceId, ownerId } = await createWorkspace(db, {
    name: 'בנצ׳מרק',
    ownerName: 'bench',
    ownerEmail: `bench-${Date.now()}@example.com`,
    ownerPassword: 'bench-password-1',
  });
  const key = await benchApiKey(db, workspaceId, ownerId);
  const t0 = Date.now();
  await sql`
    insert into branches (workspace_id, id, code, name, city)
    select ${workspaceId}::uuid, gen_random_uuid(), b, b, b from unnest(array['תל אביב','חיפה','באר שבע']) as b`.execute(
    db,
  );
  await sql`
    insert into customers (workspace_id, id, external_id, first_name, last_name, email, phone, tags, lifecycle_stage,
      consents, home_branch_id, search_text, created_at, updated_at)
    select ${workspaceId}::uuid, gen_random_uuid(), 'C' || i,
      (${firstNames}::text[])[1 + i % ${firstNames.length}],
      (${lastNames}::text[])[1 + (i / 7) % ${lastNames.length}],
      'customer' || i || '@example.co.il',
      '+97250' || lpad(i::text, 7, '0'),
      case when i % 10 = 0 then array['vip'] else array[]::text[] end,
      'lead',
      case when i % 3 = 0 then '{"email": true, "sms": true}'::jsonb else '{}'::jsonb end,
      (select id from branches where workspace_id = ${workspaceId}::uuid order by code offset (i % 3) limit 1),
      (${firstNames}::text[])[1 + i % ${firstNames.length}] || ' ' || (${lastNames}::text[])[1 + (i / 7) % ${lastNames.length}]
        || ' customer' || i || '@example.co.il 97250' || lpad(i::text, 7, '0') || ' 050' || lpad(i::text, 7, '0') || ' c' || i,
      now() - (i || ' minutes')::interval, now()
    from generate_series(1, ${size.customers}) as i`.execute(db);
  log(`  customers: ${size.customers} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = Date.now();
  await sql`create temp table bench_ids as
    select row_number() over (order by id) as n, id from customers where workspace_id = ${workspaceId}::uuid`.execute(
    db,
  );
  await sql`
    insert into orders (workspace_id, id, external_id, customer_id, placed_at, channel, branch_id, total, items_count,
      created_at)
    select ${workspaceId}::uuid, gen_random_uuid(), 'O' || i, c.id,
      now() - ((i % 1095) || ' days')::interval - ((i % 86400) || ' seconds')::interval,
      (array['store','web','app','phone','whatsapp'])[1 + i % 5],
      null, (10 + (i % 400))::numeric(14,2), 1, now()
    from generate_series(1, ${size.orders}) as i
    join bench_ids c on c.n = 1 + (i % ${size.customers})`.execute(db);
  await sql`
    insert into order_items (workspace_id, order_id, line_no, sku, name, quantity, unit_price, total)
    select workspace_id, id, 1, 'SKU-' || (abs(hashtext(id::text)) % 200), 'קפה הפוך', 1, total, total
    from orders where workspace_id = ${workspaceId}::uuid`.execute(db);
  await sql`
    update customers c set orders_count = t.n, total_spent = t.s, first_order_at = t.f, last_order_at = t.l,
      lifecycle_stage = case when t.n >= 2 then 'repeat' else 'customer' end
    from (select customer_id, count(*)::int n, sum(total) s, min(placed_at) f, max(placed_at) l
          from orders where workspace_id = ${workspaceId}::uuid group by customer_id) t
    where c.workspace_id = ${workspaceId}::uuid and c.id = t.customer_id`.execute(db);
  await sql`drop table bench_ids`.execute(db);
  await sql`analyze`.execute(db);
  log(`  orders: ${size.orders} with lines and totals in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  return { workspaceId, apiKey: key };
}
