import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { readInWorkspace } from './tenancy.ts';

let t: TestApp;
let a: TestWorkspace;
let b: TestWorkspace;

beforeAll(async () => {
  t = await getTestApp();
  a = await createTestWorkspace(t, 'א');
  b = await createTestWorkspace(t, 'ב');
  await a.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'של א' } });
  await b.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'של ב' } });
});

describe('readInWorkspace', () => {
  it('sees only its own workspace even when the query forgets to filter', async () => {
    const rows = await readInWorkspace(
      t.database.db,
      a.workspaceId,
      t.database.db.selectFrom('customers').select(['workspace_id', 'first_name']),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.workspace_id))).toEqual(new Set([a.workspaceId]));
  });

  it('takes UUID and integer parameters, and anything else through a normal transaction', async () => {
    const db = t.database.db;
    const byUuid = await readInWorkspace(
      db,
      a.workspaceId,
      db.selectFrom('customers').select('first_name').where('workspace_id', '=', a.workspaceId).limit(5),
    );
    expect(byUuid.map((r) => r.first_name)).toContain('של א');
    const tricky = "x'; select 1; --";
    const byText = await readInWorkspace(
      db,
      a.workspaceId,
      db.selectFrom('customers').select('id').where('first_name', '=', tricky),
    );
    expect(byText).toEqual([]);
    const otherWorkspace = await readInWorkspace(
      db,
      a.workspaceId,
      db.selectFrom('customers').select('id').where('workspace_id', '=', b.workspaceId),
    );
    expect(otherWorkspace).toEqual([]);
  });

  it('leaves the connection as it found it', async () => {
    await readInWorkspace(t.database.db, a.workspaceId, t.database.db.selectFrom('customers').select('id').limit(1));
    const all = await t.database.db.selectFrom('customers').select('workspace_id').distinct().execute();
    expect(all.map((r) => r.workspace_id)).toEqual(expect.arrayContaining([a.workspaceId, b.workspaceId]));
  });
});
