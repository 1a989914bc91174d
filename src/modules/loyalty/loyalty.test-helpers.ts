import { expect } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, type TestApp, type TestWorkspace } from '../../test/harness.ts';

// What the loyalty API tests share: a workspace with its club, a caller that checks the status, a member with
// opening points, and the member's balance as stored.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
export type Json = Record<string, any>;

export type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: object,
  status?: number,
  w?: TestWorkspace,
  headers?: Record<string, string>,
) => Promise<Json>;

/** Calls the API as the workspace's owner (or `w`'s), expecting `status` when given; the JSON reply. */
export function apiCaller(workspace: () => TestWorkspace): Call {
  return async (method, url, payload, status, w = workspace(), headers = {}) => {
    const res = await w.request({ method, url, headers, ...(payload ? { payload } : {}) });
    if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json() as Json;
  };
}

/** A new customer enrolled in the club, given `points` to start with; its id. */
export async function enrolledMember(call: Call, w: TestWorkspace, points = 0): Promise<string> {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `חברה-${randomToken(3)}` },
    201,
    w,
  );
  await call('POST', '/api/v1/loyalty/members', { customerId: customer.id }, 201, w);
  if (points > 0) {
    await call('POST', `/api/v1/loyalty/members/${customer.id}/adjustments`, { points, note: 'פתיחה' }, 201, w);
  }
  return customer.id as string;
}

/** A club of two tiers, silver from the start and gold from 1,000 shekels, with points available at once. */
export const silverAndGoldClub = (name: string) => ({
  name,
  pendingDays: 0,
  tiers: [
    { name: 'כסף', threshold: 0 },
    { name: 'זהב', threshold: 100_000 },
  ],
});

/** A club with one tier, for the tests of parallel requests. */
export const oneTierClub = { name: 'מועדון', tiers: [{ name: 'חברים', threshold: 0 }] };

/** A new workspace named `name` whose club is set up with `program` (the settings as the API takes them). */
export async function workspaceWithClub(t: TestApp, name: string, program: object): Promise<TestWorkspace> {
  const w = await createTestWorkspace(t, name);
  const res = await w.request({ method: 'PUT', url: '/api/v1/loyalty/program', payload: program });
  expect(res.statusCode, `PUT /api/v1/loyalty/program: ${res.body}`).toBe(200);
  return w;
}

/** The member's cached balance, and the sum of its ledger entries on its available account. */
export async function storedBalance(t: TestApp, w: TestWorkspace, customerId: string) {
  return inWorkspace(t.database.db, w.workspaceId, async (trx) => {
    const row = await trx
      .selectFrom('loyalty_members')
      .select('available')
      .where('workspace_id', '=', w.workspaceId)
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow();
    const sum = await trx
      .selectFrom('loyalty_entries')
      .select((eb) => eb.fn.sum<string>('amount').as('n'))
      .where('workspace_id', '=', w.workspaceId)
      .where('customer_id', '=', customerId)
      .where('account', '=', 'member.available')
      .executeTakeFirstOrThrow();
    return { available: Number(row.available), ledger: Number(sum.n) };
  });
}
