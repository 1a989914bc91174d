import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { inSystem, inWorkspace } from './tenancy.ts';

/**
 * The Citus-ready and row-level-security rules of ARCHITECTURE.md, checked on
 * the live catalog so that a new table that forgets them fails here.
 */

let t: TestApp;
let a: TestWorkspace;
let b: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  a = await createTestWorkspace(t, 'חנות א');
  b = await createTestWorkspace(t, 'חנות ב');
});

type TableRow = { table_name: string; rls: boolean; policies: number };
type KeyRow = { table_name: string; constraint_name: string; kind: string; columns: string[]; target: string | null };

const ignored = (table: string) => table.startsWith('kysely_migration');

type Executor = Parameters<ReturnType<typeof sql>['execute']>[0];

async function tables(db: Executor = t.database.db): Promise<TableRow[]> {
  const { rows } = await sql<TableRow>`
    select c.relname as table_name, c.relrowsecurity as rls,
      (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
    order by c.relname`.execute(db);
  return rows.filter((r) => !ignored(r.table_name));
}

async function keys(db: Executor = t.database.db): Promise<KeyRow[]> {
  // Columns in key order (conkey is ordered as the constraint declares them).
  const { rows } = await sql<KeyRow>`
    select c.relname as table_name, k.conname as constraint_name, k.contype::text as kind,
      array(select a.attname::text from unnest(k.conkey) with ordinality u(attnum, ord)
            join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.ord) as columns,
      f.relname as target
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_class f on f.oid = k.confrelid
    where n.nspname = 'public' and k.contype in ('p', 'f')`.execute(db);
  return rows.filter((r) => !ignored(r.table_name));
}

async function primaryKeyOffenders(db: Executor = t.database.db): Promise<string[]> {
  const primaryKeys = (await keys(db)).filter((k) => k.kind === 'p');
  const offenders: string[] = [];
  for (const { table_name } of await tables(db)) {
    if (table_name === 'workspaces') continue;
    const pk = primaryKeys.find((k) => k.table_name === table_name);
    if (!pk) offenders.push(`${table_name}: no primary key`);
    else if (pk.columns[0] !== 'workspace_id') offenders.push(`${table_name}: (${pk.columns.join(', ')})`);
  }
  return offenders;
}

async function foreignKeyOffenders(db: Executor = t.database.db): Promise<string[]> {
  return (await keys(db))
    .filter((k) => k.kind === 'f')
    .filter((k) => !(k.target === 'workspaces' && k.columns.length === 1 && k.columns[0] === 'workspace_id'))
    .filter((k) => k.columns[0] !== 'workspace_id')
    .map((k) => `${k.table_name}.${k.constraint_name}: (${k.columns.join(', ')}) -> ${k.target}`);
}

async function securityOffenders(db: Executor = t.database.db): Promise<string[]> {
  return (await tables(db))
    .filter((r) => !r.rls || r.policies === 0)
    .map((r) => `${r.table_name}: rls=${r.rls} policies=${r.policies}`);
}

describe('tenancy rules in the catalog', () => {
  it('sees the tables it is meant to check', async () => {
    const names = (await tables()).map((r) => r.table_name);
    for (const expected of ['workspaces', 'users', 'customers', 'orders', 'consent_events', 'audit_log']) {
      expect(names).toContain(expected);
    }
  });

  it('every tenant table has workspace_id first in its primary key', async () => {
    expect(await primaryKeyOffenders()).toEqual([]);
  });

  it('every foreign key starts with workspace_id, except the one to workspaces(id)', async () => {
    expect(await foreignKeyOffenders()).toEqual([]);
  });

  it('every table, workspaces included, has row-level security enabled with a policy', async () => {
    expect(await securityOffenders()).toEqual([]);
  });

  it('the checks catch a table that breaks the rules', async () => {
    const rollback = new Error('rollback');
    const found = { pk: [] as string[], fk: [] as string[], rls: [] as string[] };
    await expect(
      inSystem(t.database.db, async (trx) => {
        await sql`create table zz_bad_parent (id uuid primary key, workspace_id uuid not null)`.execute(trx);
        await sql`create table zz_bad_child (id uuid primary key, workspace_id uuid not null,
          parent_id uuid references zz_bad_parent(id))`.execute(trx);
        found.pk = await primaryKeyOffenders(trx);
        found.fk = await foreignKeyOffenders(trx);
        found.rls = await securityOffenders(trx);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(found.pk).toEqual(['zz_bad_child: (id)', 'zz_bad_parent: (id)']);
    expect(found.fk).toEqual([expect.stringMatching(/^zz_bad_child\..*\(parent_id\) -> zz_bad_parent$/)]);
    expect(found.rls).toEqual(['zz_bad_child: rls=false policies=0', 'zz_bad_parent: rls=false policies=0']);
  });

  it("the tables of no workspace (schema klient_system) are out of the app role's reach", async () => {
    const { rows } = await sql<{ table_name: string; reachable: boolean }>`
      select c.relname as table_name,
        has_schema_privilege('klient_app', 'klient_system', 'usage')
          or has_table_privilege('klient_app', c.oid, 'select, insert, update, delete') as reachable
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'klient_system' and c.relkind in ('r', 'p')
      order by 1`.execute(t.database.db);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['login_throttles', 'timeline_sources']));
    expect(rows.filter((r) => r.reachable)).toEqual([]);
  });

  it('the role that requests run as cannot bypass row-level security', async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
      select rolsuper, rolbypassrls from pg_roles where rolname = 'klient_app'`.execute(t.database.db);
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
  });
});

describe('row-level security as the second wall', () => {
  beforeAll(async () => {
    for (const [ws, name] of [
      [a, 'אלון'],
      [b, 'בתיה'],
    ] as const) {
      const res = await ws.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: name } });
      expect(res.statusCode).toBe(201);
    }
  });

  it('a query without any where clause sees only the workspace of the transaction', async () => {
    const rows = await inWorkspace(t.database.db, a.workspaceId, async (trx) => {
      const { rows } = await sql<{ workspace_id: string }>`select * from customers`.execute(trx);
      return rows;
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.workspace_id))).toEqual(new Set([a.workspaceId]));

    const everyone = await inSystem(t.database.db, async (trx) => {
      const { rows } = await sql<{ workspace_id: string }>`select workspace_id from customers`.execute(trx);
      return new Set(rows.map((r) => r.workspace_id));
    });
    expect(everyone.has(b.workspaceId)).toBe(true);
  });

  it('other tables are walled too: users, api keys and workspaces', async () => {
    const seen = await inWorkspace(t.database.db, a.workspaceId, async (trx) => ({
      users: (await sql<{ workspace_id: string }>`select workspace_id from users`.execute(trx)).rows,
      keys: (await sql<{ workspace_id: string }>`select workspace_id from api_keys`.execute(trx)).rows,
      workspaces: (await sql<{ id: string }>`select id from workspaces`.execute(trx)).rows,
    }));
    expect(seen.users.every((r) => r.workspace_id === a.workspaceId)).toBe(true);
    expect(seen.keys.every((r) => r.workspace_id === a.workspaceId)).toBe(true);
    expect(seen.workspaces).toEqual([{ id: a.workspaceId }]);
  });

  it("an insert carrying another workspace's id is refused", async () => {
    await expect(
      inWorkspace(t.database.db, a.workspaceId, (trx) =>
        sql`insert into customers (workspace_id, id, first_name) values (${b.workspaceId}, ${newId()}, 'פולש')`.execute(
          trx,
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("an update or delete cannot reach another workspace's rows", async () => {
    const touched = await inWorkspace(t.database.db, a.workspaceId, async (trx) => {
      const updated = await sql`update customers set first_name = 'נפרץ' where workspace_id = ${b.workspaceId}`.execute(
        trx,
      );
      const deleted = await sql`delete from notes where workspace_id = ${b.workspaceId}`.execute(trx);
      return Number(updated.numAffectedRows ?? 0n) + Number(deleted.numAffectedRows ?? 0n);
    });
    expect(touched).toBe(0);
    const names = await inWorkspace(t.database.db, b.workspaceId, async (trx) => {
      const { rows } = await sql<{ first_name: string }>`select first_name from customers`.execute(trx);
      return rows.map((r) => r.first_name);
    });
    expect(names).not.toContain('נפרץ');
  });

  it('a transaction as the app role with no workspace set sees nothing', async () => {
    const count = await inSystem(t.database.db, async (trx) => {
      await sql`select set_config('role', 'klient_app', true)`.execute(trx);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from customers`.execute(trx);
      return rows[0]?.n;
    });
    expect(count).toBe(0);
  });
});
