import { sql } from 'kysely';
import { expect } from 'vitest';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId, randomToken } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { createTestWorkspace, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { lotsOf } from './loyalty.ledger.ts';
import { clawBackForRefund } from './loyalty.service.ts';

// What the loyalty API tests share: a workspace with its club, a caller that checks the status, a member with
// opening points, and the member's balance as stored. For the property tests: the ledger's rules, checked after
// every step, and the steps both of them take (a refund in part, a step that may lack the points).

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

/** A basket as the till sends it: its total in shekels (a decimal string) and its items. */
export const basket = (total: string, items: object[] = []) => ({ total, items });

/**
 * The till's calls as the owner (or `w`) makes them: validating a code against a basket (expecting 200), and
 * redeeming one (expecting `status`).
 */
export function couponTill(call: Call, workspace: () => TestWorkspace) {
  return {
    validate: (body: object, w = workspace(), headers: Record<string, string> = {}) =>
      call('POST', '/api/v1/coupons/validate', body, 200, w, headers),
    redeem: (body: object, status: number, w = workspace(), headers: Record<string, string> = {}) =>
      call('POST', '/api/v1/coupons/redeem', body, status, w, headers),
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

/**
 * The ledger's rules for one member, checked with `expect`: every booking sums to zero (all the workspace's, or
 * with `bookings: 'member'` the member's own), each cached balance is the sum of its entries, only a debt is
 * below zero, and a member with a debt has no points. Its balance, its available and pending lots, and its debt.
 */
export async function expectLedgerRules(trx: Trx, ctx: Ctx, customerId: string, bookings: 'workspace' | 'member') {
  const unbalanced =
    bookings === 'workspace'
      ? await sql<{ id: string }>`
    select transaction_id as id from loyalty_entries where workspace_id = ${ctx.workspaceId}
    group by transaction_id having sum(amount) <> 0`.execute(trx)
      : await sql<{ id: string }>`
    select e.transaction_id as id from loyalty_entries e
    join loyalty_transactions t on t.workspace_id = e.workspace_id and t.id = e.transaction_id
    where e.workspace_id = ${ctx.workspaceId} and t.customer_id = ${customerId}
    group by e.transaction_id having sum(e.amount) <> 0`.execute(trx);
  expect(unbalanced.rows, 'every booking sums to zero').toEqual([]);
  const member = await trx
    .selectFrom('loyalty_members')
    .select(['available', 'pending'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  const lots = await lotsOf(trx, ctx, customerId, 'member.available');
  const pending = await lotsOf(trx, ctx, customerId, 'member.pending');
  const sum = (ls: { remaining: number }[]) => ls.reduce((s, l) => s + l.remaining, 0);
  expect(Number(member.available), 'the available balance is the sum of its entries').toBe(sum(lots));
  expect(Number(member.pending), 'the pending balance is the sum of its entries').toBe(sum(pending));
  expect(
    lots.every((l) => l.lotId === null || l.remaining > 0),
    'only a debt is below zero',
  ).toBe(true);
  const debt = -(lots.find((l) => l.lotId === null)?.remaining ?? 0);
  if (debt > 0) {
    expect(
      lots.filter((l) => l.lotId !== null),
      'a member with a debt has no points',
    ).toEqual([]);
  }
  return { available: Number(member.available), lots, pending, debt };
}

/** An order as the property tests keep it: its total and how much of it is refunded so far, in agorot. */
export type RefundableOrder = { id: string; agorot: number; refunded: number };

/**
 * Refunds `percent` of one of `orders` (the `which`th, counting round), rounded up to the agora and never more
 * than is left of it; false, and nothing booked, when there is no order or nothing left to refund.
 */
export async function refundPart(
  trx: Trx,
  ctx: Ctx,
  orders: RefundableOrder[],
  step: { which: number; percent: number },
  now: Date,
): Promise<boolean> {
  const order = orders[step.which % Math.max(orders.length, 1)];
  if (!order) return false;
  const amount = Math.min(order.agorot - order.refunded, Math.ceil((order.agorot * step.percent) / 100));
  if (amount <= 0) return false;
  order.refunded += amount;
  const text = `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}`;
  await clawBackForRefund(trx, ctx, {
    eventId: newId(),
    orderId: order.id,
    amount: text,
    occurredAt: now,
  });
  return true;
}

/**
 * Runs `step` in a savepoint named `savepoint`. Refused for want of points (`LOYALTY.INSUFFICIENT_POINTS`), it
 * must be that the member had fewer than `needed` (`available`), and the step is rolled back; any other error is
 * thrown.
 */
export async function stepThatMayLackPoints(
  trx: Trx,
  savepoint: 'spend' | 'adjust',
  points: { available: number; needed: number },
  step: () => Promise<void>,
): Promise<void> {
  await sql`savepoint ${sql.raw(savepoint)}`.execute(trx);
  try {
    await step();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'LOYALTY.INSUFFICIENT_POINTS') throw error;
    expect(points.available).toBeLessThan(points.needed);
    await sql`rollback to savepoint ${sql.raw(savepoint)}`.execute(trx);
  }
}
