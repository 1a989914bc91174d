import { addDays } from 'date-fns';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import { type Ctx, systemCtx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp } from '../../test/harness.ts';
import { createCustomer } from '../customers/customers.service.ts';
import { adjustPoints, spendPoints } from './loyalty.points.ts';
import { findProgram, saveProgram } from './loyalty.program.ts';
import { programBody } from './loyalty.schemas.ts';
import { earnForOrder, earnForOrders, enroll, maintainMember } from './loyalty.service.ts';
import { expectLedgerRules, refundPart, stepThatMayLackPoints } from './loyalty.test-helpers.ts';

/*
 * Random lives of one member — orders, refunds in parts, spending, staff
 * corrections, time passing (release, expiry, tier reviews) and the same
 * order delivered twice — with the ledger's rules checked after every step.
 */

let t: TestApp;
let ctx: Ctx;

beforeAll(async () => {
  t = await getTestApp();
  const ws = await createTestWorkspace(t, 'מועדון אקראי');
  ctx = systemCtx(ws.workspaceId);
  await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
    saveProgram(
      trx,
      ctx,
      programBody.parse({
        name: 'מועדון',
        pendingDays: 14,
        expiryMode: 'batch',
        expiryMonths: 6,
        tiers: [
          { name: 'כסף', threshold: 0 },
          { name: 'זהב', threshold: 50_000, earnMultiplierPct: 150 },
        ],
      }),
    ),
  );
});

type Step =
  | { op: 'order'; shekels: number; bulk: boolean }
  | { op: 'redeliver'; bulk: boolean }
  | { op: 'refund'; which: number; percent: number }
  | { op: 'spend'; points: number }
  | { op: 'adjust'; points: number }
  | { op: 'wait'; days: number };

// Weighted toward earning, time and spending, so that most lives hold several lots to spend from.
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('order' as const),
      shekels: fc.integer({ min: 1, max: 900 }),
      bulk: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('redeliver' as const), bulk: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      which: fc.nat({ max: 9 }),
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 600 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      points: fc.integer({ min: -300, max: 300 }).filter((p) => p !== 0),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 120 }) }) },
);

type Order = { id: string; agorot: number; refunded: number; placedAt: Date };

/** The ledger's rules over the whole workspace's bookings; besides, no pending lot below zero, and a debt is below zero. */
async function checkInvariants(trx: Trx, customerId: string) {
  const { available, lots, pending } = await expectLedgerRules(trx, ctx, customerId, 'workspace');
  expect(
    pending.every((l) => l.remaining > 0),
    'no pending lot below zero',
  ).toBe(true);
  const debt = lots.find((l) => l.lotId === null);
  if (debt) expect(debt.remaining).toBeLessThan(0);
  return { available, lots };
}

describe('the points ledger', () => {
  it('keeps its rules through any sequence of orders, refunds, spending, corrections and time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (steps) => {
        const db = t.database.db;
        let now = new Date('2026-01-01T10:00:00Z');
        const orders: Order[] = [];
        const customerId = await inWorkspace(db, ctx.workspaceId, async (trx) => {
          const customer = await createCustomer(trx, ctx, { firstName: 'חבר' }, { allowDuplicate: true });
          await enroll(trx, ctx, { customerId: customer.id, messagesConsent: false, source: 'staff' }, now);
          return customer.id;
        });
        for (const s of steps) {
          await inWorkspace(db, ctx.workspaceId, async (trx) => {
            const before = await checkInvariants(trx, customerId);
            switch (s.op) {
              case 'order': {
                const order = { id: newId(), agorot: s.shekels * 100, refunded: 0, placedAt: now };
                orders.push(order);
                await earnForOrder(
                  trx,
                  ctx,
                  { orderId: order.id, customerId, total: `${s.shekels}.00`, placedAt: now },
                  now,
                );
                break;
              }
              case 'redeliver': {
                const last = orders.at(-1);
                if (!last) return;
                const total = `${last.agorot / 100}.00`;
                const again = { orderId: last.id, customerId, total, placedAt: last.placedAt };
                if (s.bulk) await earnForOrders(trx, ctx, [again], now);
                else await earnForOrder(trx, ctx, again, now);
                const after = await checkInvariants(trx, customerId);
                expect(after.available, 'an order earns once').toBe(before.available);
                break;
              }
              case 'refund': {
                if (!(await refundPart(trx, ctx, orders, s, now))) return;
                break;
              }
              case 'spend': {
                await stepThatMayLackPoints(
                  trx,
                  'spend',
                  { available: before.available, needed: s.points },
                  async () => {
                    await spendPoints(trx, ctx, {
                      customerId,
                      points: s.points,
                      sourceKey: `spend:${newId()}`,
                      occurredAt: now,
                    });
                    expect(
                      before.available,
                      'a spend goes through only when the points are there',
                    ).toBeGreaterThanOrEqual(s.points);
                    const after = await checkInvariants(trx, customerId);
                    // Oldest first: a lot the spend left untouched is never older than one it took from.
                    const touched = before.lots.filter((l) => {
                      const now = after.lots.find((a) => a.lotId === l.lotId);
                      return (now?.remaining ?? 0) < l.remaining;
                    });
                    const newestTouched = Math.max(...touched.map((l) => l.earnedAt?.getTime() ?? 0));
                    const untouchedOlder = after.lots.filter(
                      (l) =>
                        l.lotId !== null &&
                        (l.earnedAt?.getTime() ?? 0) < newestTouched &&
                        !touched.some((x) => x.lotId === l.lotId),
                    );
                    expect(untouchedOlder, 'spending takes the oldest points first').toEqual([]);
                  },
                );
                break;
              }
              case 'adjust': {
                await stepThatMayLackPoints(
                  trx,
                  'adjust',
                  { available: before.available, needed: -s.points },
                  async () => {
                    const program = (await findProgram(trx, ctx))!;
                    await adjustPoints(
                      trx,
                      ctx,
                      program,
                      { customerId, points: s.points, note: 'תיקון', sourceKey: `adjust:${newId()}`, occurredAt: now },
                      now,
                    );
                    if (s.points < 0) expect(before.available).toBeGreaterThanOrEqual(-s.points);
                  },
                );
                break;
              }
              case 'wait': {
                now = addDays(now, s.days);
                await maintainMember(trx, ctx, customerId, now);
                // Running it again at the same time books nothing more.
                const once = await checkInvariants(trx, customerId);
                await maintainMember(trx, ctx, customerId, now);
                expect((await checkInvariants(trx, customerId)).available).toBe(once.available);
                break;
              }
            }
            await checkInvariants(trx, customerId);
          });
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
