import { addDays } from 'date-fns';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import { type Ctx, systemCtx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp } from '../../test/harness.ts';
import { createCustomer } from '../customers/customers.service.ts';
import { spendPoints } from './loyalty.points.ts';
import { findProgram, saveProgram } from './loyalty.program.ts';
import { voidSpend } from './loyalty.rewards.points.ts';
import { programBody } from './loyalty.schemas.ts';
import { earnForOrder, enroll, maintainMember } from './loyalty.service.ts';
import { expectLedgerRules, refundPart, stepThatMayLackPoints } from './loyalty.test-helpers.ts';

/*
 * Random lives of one member with rewards bought and given back: orders,
 * refunds that leave debts, spending, voids of earlier spends (some twice),
 * and time (release, expiry). After every step the ledger's rules hold, and a
 * void puts back exactly what its spend took from each lot.
 */

let t: TestApp;
let ctx: Ctx;

beforeAll(async () => {
  t = await getTestApp();
  const ws = await createTestWorkspace(t, 'מועדון החזרות');
  ctx = systemCtx(ws.workspaceId);
  await inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
    saveProgram(
      trx,
      ctx,
      programBody.parse({ name: 'מועדון', pendingDays: 0, expiryMode: 'batch', expiryMonths: 3, tiers: [] }),
    ),
  );
});

type Step =
  | { op: 'order'; shekels: number }
  | { op: 'refund'; which: number; percent: number }
  | { op: 'spend'; points: number }
  | { op: 'void'; which: number }
  | { op: 'wait'; days: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('order' as const), shekels: fc.integer({ min: 1, max: 500 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      which: fc.nat({ max: 9 }),
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('void' as const), which: fc.nat({ max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 60 }) }) },
);

/** The ledger's rules over the member's own bookings; besides, no points past their date at `now`. */
async function standing(trx: Trx, customerId: string, now: Date) {
  const { available, debt, lots } = await expectLedgerRules(trx, ctx, customerId, 'member');
  const overdue = lots.filter((l) => l.lotId && l.expiresAt && l.expiresAt <= now);
  expect(overdue, 'no points outlive their date, those a void gave back included').toEqual([]);
  return { available, debt, lots };
}

type Spend = { id: string; taken: Map<string, number>; voided: boolean };

describe('voiding a spend', () => {
  it('puts back exactly the lots it took, once, whatever happened in between', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 20, size: 'max' }), async (steps) => {
        const db = t.database.db;
        let now = new Date('2026-01-01T10:00:00Z');
        const orders: { id: string; agorot: number; refunded: number }[] = [];
        const spends: Spend[] = [];
        const customerId = await inWorkspace(db, ctx.workspaceId, async (trx) => {
          const customer = await createCustomer(trx, ctx, { firstName: 'חבר' }, { allowDuplicate: true });
          await enroll(trx, ctx, { customerId: customer.id, messagesConsent: false, source: 'staff' }, now);
          return customer.id;
        });
        for (const s of steps) {
          await inWorkspace(db, ctx.workspaceId, async (trx) => {
            const before = await standing(trx, customerId, now);
            switch (s.op) {
              case 'order': {
                const order = { id: newId(), agorot: s.shekels * 100, refunded: 0 };
                orders.push(order);
                await earnForOrder(
                  trx,
                  ctx,
                  { orderId: order.id, customerId, total: `${s.shekels}.00`, placedAt: now },
                  now,
                );
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
                    const id = await spendPoints(trx, ctx, {
                      customerId,
                      points: s.points,
                      sourceKey: `reward:${newId()}`,
                      occurredAt: now,
                    });
                    const after = await standing(trx, customerId, now);
                    const taken = new Map<string, number>();
                    for (const lot of before.lots) {
                      const left = after.lots.find((l) => l.lotId === lot.lotId)?.remaining ?? 0;
                      if (lot.lotId && left < lot.remaining) taken.set(lot.lotId, lot.remaining - left);
                    }
                    spends.push({ id: id!, taken, voided: false });
                  },
                );
                break;
              }
              case 'void': {
                const spend = spends[s.which % Math.max(spends.length, 1)];
                if (!spend) return;
                const input = { spendId: spend.id, customerId, sourceKey: `void:${spend.id}`, occurredAt: now };
                const program = (await findProgram(trx, ctx))!;
                const { id, points, expired } = await voidSpend(trx, ctx, program, input);
                const after = await standing(trx, customerId, now);
                const total = [...spend.taken.values()].reduce((a, b) => a + b, 0);
                if (spend.voided) {
                  expect([id, points, expired], 'a spend is voided once').toEqual([null, 0, 0]);
                  expect(after.available).toBe(before.available);
                  return;
                }
                spend.voided = true;
                expect(points).toBe(total);
                expect(after.available, 'the balance gets back what the spend took, less what is past its date').toBe(
                  before.available + total - expired,
                );
                if (before.debt === 0 && expired === 0) {
                  for (const [lotId, amount] of spend.taken) {
                    const was = before.lots.find((l) => l.lotId === lotId)?.remaining ?? 0;
                    const is = after.lots.find((l) => l.lotId === lotId)?.remaining ?? 0;
                    expect(is - was, `lot ${lotId} gets back what was taken from it`).toBe(amount);
                  }
                }
                break;
              }
              case 'wait': {
                now = addDays(now, s.days);
                await maintainMember(trx, ctx, customerId, now);
                break;
              }
            }
            await standing(trx, customerId, now);
          });
        }
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});
