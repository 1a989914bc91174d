import { addDays, addMonths } from 'date-fns';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { book, type Entry, lockMember, lotsOf, settleDebt, takeAvailable } from './loyalty.ledger.ts';
import type { Program } from './loyalty.program.ts';

/*
 * What happens to points: earned (pending for the return window, then
 * available), spent, clawed back on a refund, expired, adjusted by staff. Each
 * is one booking (loyalty.ledger.ts) for a member whose row is locked first,
 * so two changes to one member take turns. Every function takes the time it
 * acts at (`now`): the jobs and the tests drive the clock.
 */

/** Points for an amount in agorot at the program's rate and a tier's multiplier (percent), rounded down. */
export function pointsFor(program: Program, agorot: number, multiplierPct: number): number {
  if (agorot <= 0) return 0;
  const points =
    (BigInt(agorot) * BigInt(program.earnPoints) * BigInt(multiplierPct)) / (BigInt(program.earnPerAgorot) * 100n);
  return Number(points);
}

type Earning = {
  customerId: string;
  kind: 'earn' | 'bonus' | 'adjust';
  sourceKey: string;
  points: number;
  occurredAt: Date;
  /** Spend that counts toward a tier. */
  spendAgorot?: number;
  orderId?: string | null;
  note?: string;
  /** Points of a purchase wait out the return window; a bonus is available at once. */
  pending: boolean;
};

/** Books an earning: pending until the return window ends, or available at once (paying any debt first). */
export async function earnPoints(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  earning: Earning,
  now: Date,
): Promise<string | null> {
  await lockMember(trx, ctx, earning.customerId);
  const lotId = newId();
  const releaseAt = earning.pending ? addDays(earning.occurredAt, program.pendingDays) : earning.occurredAt;
  const expiresAt = program.expiryMode === 'batch' ? addMonths(earning.occurredAt, program.expiryMonths) : null;
  const { customerId, points } = earning;
  const entries: Entry[] = [{ account: 'club.issued', amount: -points }];
  if (releaseAt > now) {
    entries.push({ account: 'member.pending', customerId, lotId, amount: points });
  } else {
    entries.push({ account: 'member.available', customerId, lotId, amount: points });
    entries.push(...settleDebt(customerId, await lotsOf(trx, ctx, customerId, 'member.available'), lotId, points));
  }
  return book(trx, ctx, {
    id: lotId,
    customerId,
    kind: earning.kind,
    sourceKey: earning.sourceKey,
    occurredAt: earning.occurredAt,
    entries,
    spendAgorot: earning.spendAgorot ?? 0,
    releaseAt,
    expiresAt,
    orderId: earning.orderId ?? null,
    note: earning.note ?? '',
  });
}

/** Makes a member's pending points whose return window has ended available. Returns the points released. */
export async function releaseDue(trx: Trx, ctx: Ctx, customerId: string, now: Date): Promise<number> {
  await lockMember(trx, ctx, customerId);
  let released = 0;
  for (const lot of await lotsOf(trx, ctx, customerId, 'member.pending')) {
    if (!lot.lotId || lot.remaining <= 0 || (lot.releaseAt && lot.releaseAt > now)) continue;
    const available = await lotsOf(trx, ctx, customerId, 'member.available');
    const id = await book(trx, ctx, {
      customerId,
      kind: 'release',
      sourceKey: `release:${lot.lotId}:${customerId}`,
      occurredAt: lot.releaseAt ?? now,
      entries: [
        { account: 'member.pending', customerId, lotId: lot.lotId, amount: -lot.remaining },
        { account: 'member.available', customerId, lotId: lot.lotId, amount: lot.remaining },
        ...settleDebt(customerId, available, lot.lotId, lot.remaining),
      ],
    });
    if (id) released += lot.remaining;
  }
  return released;
}

/** The earning an order made, if it made one. */
async function earningOfOrder(trx: Trx, ctx: Ctx, orderId: string) {
  return trx
    .selectFrom('loyalty_transactions')
    .select(['id', 'customer_id', 'points', 'spend_agorot'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('source_key', '=', `order:${orderId}`)
    .executeTakeFirst();
}

/**
 * Takes back the points of a refunded amount, in proportion to the order's
 * total and counting earlier refunds of it, so that a full refund in parts
 * takes back exactly what the order earned. The points come from the order's
 * own lot while pending or available, then from the oldest others; what is
 * left becomes a debt. An order that earned nothing takes nothing back.
 */
export async function clawBackRefund(
  trx: Trx,
  ctx: Ctx,
  refund: { sourceKey: string; orderId: string; amountAgorot: number; occurredAt: Date },
): Promise<number> {
  const earning = await earningOfOrder(trx, ctx, refund.orderId);
  if (!earning) return 0;
  const customerId = await holderOf(trx, ctx, earning.customer_id);
  await lockMember(trx, ctx, customerId);
  const earned = Number(earning.points);
  const spend = Number(earning.spend_agorot);
  const earlier = await trx
    .selectFrom('loyalty_transactions')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<string>('spend_agorot'), eb.val('0')).as('spend'),
      eb.fn.coalesce(eb.fn.sum<string>('points'), eb.val('0')).as('points'),
    ])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('order_id', '=', refund.orderId)
    .where('kind', '=', 'clawback')
    .executeTakeFirstOrThrow();
  const refundedBefore = -Number(earlier.spend);
  const takenBefore = -Number(earlier.points);
  const refunded = Math.min(spend, refundedBefore + refund.amountAgorot);
  const target = spend > 0 ? Number((BigInt(earned) * BigInt(refunded)) / BigInt(spend)) : 0;
  const take = Math.max(0, target - takenBefore);
  const entries: Entry[] = [{ account: 'club.issued', amount: take }];
  let left = take;
  const pending = (await lotsOf(trx, ctx, customerId, 'member.pending')).find((l) => l.lotId === earning.id);
  if (pending && left > 0) {
    const fromPending = Math.min(pending.remaining, left);
    entries.push({ account: 'member.pending', customerId, lotId: earning.id, amount: -fromPending });
    left -= fromPending;
  }
  if (left > 0) {
    const available = await lotsOf(trx, ctx, customerId, 'member.available');
    entries.push(...takeAvailable(customerId, available, left, { debt: true, first: earning.id }));
  }
  await book(trx, ctx, {
    customerId,
    kind: 'clawback',
    sourceKey: refund.sourceKey,
    occurredAt: refund.occurredAt,
    entries,
    spendAgorot: -(refunded - refundedBefore),
    orderId: refund.orderId,
  });
  return take;
}

/** Spends available points, oldest first; refused (nothing booked) when the balance is short. */
export async function spendPoints(
  trx: Trx,
  ctx: Ctx,
  spend: { customerId: string; points: number; sourceKey: string; note?: string; occurredAt: Date },
): Promise<string | null> {
  await lockMember(trx, ctx, spend.customerId);
  const available = await lotsOf(trx, ctx, spend.customerId, 'member.available');
  const entries = takeAvailable(spend.customerId, available, spend.points, { debt: false });
  return book(trx, ctx, {
    customerId: spend.customerId,
    kind: 'spend',
    sourceKey: spend.sourceKey,
    occurredAt: spend.occurredAt,
    entries: [...entries, { account: 'club.redeemed', amount: spend.points }],
    ...(spend.note ? { note: spend.note } : {}),
  });
}

/** A correction by staff: points given (available at once) or taken (never below zero). */
export async function adjustPoints(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  adjustment: { customerId: string; points: number; note: string; sourceKey: string; occurredAt: Date },
  now: Date,
): Promise<string | null> {
  const { customerId, points } = adjustment;
  if (points === 0) throw new AppError('LOYALTY.INVALID_POINTS');
  if (points > 0) return earnPoints(trx, ctx, program, { ...adjustment, kind: 'adjust', pending: false }, now);
  await lockMember(trx, ctx, customerId);
  const available = await lotsOf(trx, ctx, customerId, 'member.available');
  return book(trx, ctx, {
    customerId,
    kind: 'adjust',
    sourceKey: adjustment.sourceKey,
    occurredAt: adjustment.occurredAt,
    entries: [
      ...takeAvailable(customerId, available, -points, { debt: false }),
      { account: 'club.issued', amount: -points },
    ],
    note: adjustment.note,
  });
}

/**
 * Expires what is due: by batch, each lot's unspent points at its expiry
 * date; by inactivity, the whole balance once the member has done nothing for
 * the program's months. Pending points do not expire. Running it again, or
 * late, books nothing more. Returns the points expired.
 */
export async function expireDue(trx: Trx, ctx: Ctx, program: Program, customerId: string, now: Date): Promise<number> {
  if (program.expiryMode === 'none') return 0;
  const member = await lockMember(trx, ctx, customerId);
  const lots = (await lotsOf(trx, ctx, customerId, 'member.available')).filter((l) => l.lotId && l.remaining > 0);
  let expired = 0;
  if (program.expiryMode === 'batch') {
    for (const lot of lots) {
      if (!lot.expiresAt || lot.expiresAt > now) continue;
      const id = await book(trx, ctx, {
        customerId,
        kind: 'expire',
        sourceKey: `expire:${lot.lotId}:${customerId}`,
        occurredAt: lot.expiresAt,
        entries: [
          { account: 'member.available', customerId, lotId: lot.lotId, amount: -lot.remaining },
          { account: 'club.expired', amount: lot.remaining },
        ],
      });
      if (id) expired += lot.remaining;
    }
    return expired;
  }
  const lapse = addMonths(member.last_activity_at, program.expiryMonths);
  if (lapse > now || lots.length === 0) return 0;
  const total = lots.reduce((sum, l) => sum + l.remaining, 0);
  const id = await book(trx, ctx, {
    customerId,
    kind: 'expire',
    sourceKey: `expire-inactive:${customerId}:${member.last_activity_at.toISOString()}`,
    occurredAt: lapse,
    entries: [
      ...lots.map((l) => ({
        account: 'member.available' as const,
        customerId,
        lotId: l.lotId,
        amount: -l.remaining,
      })),
      { account: 'club.expired', amount: total },
    ],
  });
  return id ? total : 0;
}

/**
 * Moves a merged member's points, lot by lot (pending, available and any
 * debt), to the survivor in one booking: each lot keeps its dates, nothing is
 * counted twice. Returns the points moved.
 */
export async function movePoints(
  trx: Trx,
  ctx: Ctx,
  ids: { survivorId: string; mergedId: string },
  now: Date,
): Promise<number> {
  const entries: Entry[] = [];
  let moved = 0;
  for (const account of ['member.pending', 'member.available'] as const) {
    for (const lot of await lotsOf(trx, ctx, ids.mergedId, account)) {
      entries.push({ account, customerId: ids.mergedId, lotId: lot.lotId, amount: -lot.remaining });
      entries.push({ account, customerId: ids.survivorId, lotId: lot.lotId, amount: lot.remaining });
      moved += lot.remaining;
    }
  }
  await book(trx, ctx, {
    customerId: ids.survivorId,
    kind: 'merge',
    sourceKey: `merge:${ids.mergedId}:${ids.survivorId}`,
    occurredAt: now,
    entries,
  });
  await payDebtFromLots(trx, ctx, ids.survivorId, `merge-settle:${ids.mergedId}:${ids.survivorId}`, now);
  return moved;
}

/** Where a member has both a debt and points (after a merge), the points pay the debt, oldest first. */
async function payDebtFromLots(trx: Trx, ctx: Ctx, customerId: string, sourceKey: string, now: Date) {
  const available = await lotsOf(trx, ctx, customerId, 'member.available');
  const debt = -(available.find((l) => l.lotId === null)?.remaining ?? 0);
  const points = available.filter((l) => l.lotId !== null).reduce((sum, l) => sum + Math.max(l.remaining, 0), 0);
  const pay = Math.min(Math.max(debt, 0), points);
  if (pay === 0) return;
  await book(trx, ctx, {
    customerId,
    kind: 'merge',
    sourceKey,
    occurredAt: now,
    entries: [
      ...takeAvailable(customerId, available, pay, { debt: false }),
      { account: 'member.available', customerId, lotId: null, amount: pay },
    ],
  });
}

/** The member who holds a customer's points now: the customer, or the one it was merged into. */
export async function holderOf(trx: Trx, ctx: Ctx, customerId: string): Promise<string> {
  const row = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'merged_into'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row?.merged_into ?? customerId;
}
