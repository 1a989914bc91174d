import { type Kysely, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';

let t: TestApp;
let a: TestWorkspace;
let b: TestWorkspace;
let customerOfA: string;
let customerOfB: string;

beforeAll(async () => {
  t = await getTestApp();
  a = await createTestWorkspace(t, 'א');
  b = await createTestWorkspace(t, 'ב');
  customerOfA = (await a.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'של א' } })).json()
    .id;
  customerOfB = (await b.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'של ב' } })).json()
    .id;
});

type Page = { customer: { first_name: string; workspace_id: string } } | null;

async function page(workspaceId: string, customerId: string, executor: Kysely<DB> = t.database.db): Promise<Page> {
  const { rows } = await sql<{
    page: Page;
  }>`select klient_customer_page(${workspaceId}::uuid, ${customerId}::uuid) as page`.execute(executor);
  return rows[0]?.page ?? null;
}

describe('klient_customer_page (the customer page in one statement)', () => {
  it("reads a customer of its own workspace and never another's", async () => {
    expect((await page(a.workspaceId, customerOfA))?.customer.first_name).toBe('של א');
    expect(await page(a.workspaceId, customerOfB)).toBeNull();
    expect(await page(b.workspaceId, customerOfA)).toBeNull();
  });

  it('puts the role and workspace back as it found them', async () => {
    await t.database.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      expect((await page(a.workspaceId, customerOfA, conn))?.customer.first_name).toBe('של א');
      const { rows } = await sql<{ role: string; ws: string | null }>`
        select current_user as role, nullif(current_setting('klient.workspace_id', true), '') as ws`.execute(conn);
      await sql`rollback`.execute(conn);
      expect(rows[0]?.role).not.toBe('klient_app');
      expect(rows[0]?.ws).toBeNull();
    });
    // Called inside a workspace transaction, it leaves that transaction bound as it was.
    const inside = await inWorkspace(t.database.db, b.workspaceId, async (trx) => {
      await sql`select klient_customer_page(${a.workspaceId}::uuid, ${customerOfA}::uuid)`.execute(trx);
      const { rows } = await sql<{ role: string; ws: string }>`
        select current_user as role, current_setting('klient.workspace_id') as ws`.execute(trx);
      return rows[0];
    });
    expect(inside).toEqual({ role: 'klient_app', ws: b.workspaceId });
  });
});
