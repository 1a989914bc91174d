import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';

/*
 * The hourly job's release and expiry for many members in a few statements,
 * booking for each lot exactly what releaseDue / expireDue (loyalty.points.ts)
 * book one member at a time: the same kinds, source keys, dates and entries.
 * Members in debt are left to those (a release there pays the debt first);
 * so are members expiring by inactivity. The caller finds the members with
 * lots due once (membersWithLotsDue, one pass over the account's entries),
 * then books for them a chunk at a time, each chunk locked in one order.
 */

type DueLot = { customer_id: string; lot_id: string; remaining: string; at: Date };

type Step = 'release' | 'expire';

const specs = {
  release: {
    kind: 'release',
    from: 'member.pending',
    dateColumn: sql`t.release_at`,
    key: (lot: DueLot) => `release:${lot.lot_id}:${lot.customer_id}`,
    entries: (lot: DueLot): EntryRow[] => [
      ['member.pending', lot.customer_id, lot.lot_id, `-${lot.remaining}`],
      ['member.available', lot.customer_id, lot.lot_id, lot.remaining],
    ],
  },
  expire: {
    kind: 'expire',
    from: 'member.available',
    dateColumn: sql`t.expires_at`,
    key: (lot: DueLot) => `expire:${lot.lot_id}:${lot.customer_id}`,
    entries: (lot: DueLot): EntryRow[] => [
      ['member.available', lot.customer_id, lot.lot_id, `-${lot.remaining}`],
      ['club.expired', null, null, lot.remaining],
    ],
  },
} as const;

/**
 * Active members with no debt who have lots due at `now`: pending lots whose
 * window ended ('release'), or available lots past their expiry ('expire').
 */
export async function membersWithLotsDue(trx: Trx, ctx: Ctx, now: Date, step: Step): Promise<string[]> {
  const spec = specs[step];
  const rows = await sql<{ customer_id: string }>`
    select m.customer_id from loyalty_members m
    where m.workspace_id = ${ctx.workspaceId} and m.status = 'active' and m.available >= 0
      and m.customer_id in (
        select e.customer_id from loyalty_entries e
        join loyalty_transactions t on t.workspace_id = e.workspace_id and t.id = e.lot_id
        where e.workspace_id = ${ctx.workspaceId} and e.account = ${spec.from} and ${spec.dateColumn} <= ${now}
        group by e.customer_id, e.lot_id
        having sum(e.amount) > 0)
    order by m.customer_id`.execute(trx);
  return rows.rows.map((r) => r.customer_id);
}

/** Pending lots whose window ended become available, for these members. */
export function releaseDueBulk(trx: Trx, ctx: Ctx, now: Date, customerIds: string[]): Promise<number> {
  return bookDue(trx, ctx, now, customerIds, specs.release);
}

/** Available lots past their expiry date expire (the club's per-batch expiry), for these members. */
export function expireDueBulk(trx: Trx, ctx: Ctx, now: Date, customerIds: string[]): Promise<number> {
  return bookDue(trx, ctx, now, customerIds, specs.expire);
}

type EntryRow = [account: string, customerId: string | null, lotId: string | null, amount: string];

async function bookDue(
  trx: Trx,
  ctx: Ctx,
  now: Date,
  customerIds: string[],
  spec: (typeof specs)[Step],
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const dueLots = (customerIds: string[]) =>
    sql<DueLot>`
      select e.customer_id, e.lot_id, sum(e.amount)::text as remaining, ${spec.dateColumn} as at
      from loyalty_entries e
      join loyalty_transactions t on t.workspace_id = e.workspace_id and t.id = e.lot_id
      where e.workspace_id = ${ctx.workspaceId} and e.account = ${spec.from} and ${spec.dateColumn} <= ${now}
        and e.customer_id = any(${customerIds}::uuid[])
      group by e.customer_id, e.lot_id, ${spec.dateColumn}, t.id
      having sum(e.amount) > 0
      order by e.customer_id, ${spec.dateColumn}, t.id`.execute(trx);
  // Under the members' locks, which every booking takes, the lots are read again: what is due now.
  const locked = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', sql<string>`any(${customerIds}::uuid[])`)
    .where('status', '=', 'active')
    .where('available', '>=', '0')
    .orderBy('customer_id')
    .forUpdate()
    .execute();
  if (locked.length === 0) return 0;
  const lots = (await dueLots(locked.map((m) => m.customer_id))).rows;
  if (lots.length === 0) return 0;
  const actor = ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`;
  const bookings = lots.map((lot) => ({
    id: newId(),
    customer_id: lot.customer_id,
    source_key: spec.key(lot),
    occurred_at: new Date(lot.at).toISOString(),
    // A booking's points are its member's change in points: nothing for a release, the lot for an expiry.
    points: spec.kind === 'expire' ? `-${lot.remaining}` : '0',
  }));
  const booked = await sql<{ id: string }>`
    insert into loyalty_transactions (workspace_id, id, customer_id, kind, source_key, occurred_at, points, actor)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, ${spec.kind}, x.source_key, x.occurred_at, x.points, ${actor}
    from json_to_recordset(${JSON.stringify(bookings)}::json)
      as x(id uuid, customer_id uuid, source_key text, occurred_at timestamptz, points bigint)
    on conflict (workspace_id, source_key) do nothing
    returning id`.execute(trx);
  const fresh = new Set(booked.rows.map((r) => r.id));
  const entries: {
    transaction_id: string;
    line_no: number;
    account: string;
    customer_id: string | null;
    lot_id: string | null;
    amount: string;
    occurred_at: string;
  }[] = [];
  const sums = new Map<string, bigint>();
  lots.forEach((lot, i) => {
    const { id, occurred_at } = bookings[i]!;
    if (!fresh.has(id)) return;
    spec.entries(lot).forEach(([account, customerId, lotId, amount], n) => {
      entries.push({
        transaction_id: id,
        line_no: n + 1,
        account,
        customer_id: customerId,
        lot_id: lotId,
        amount,
        occurred_at,
      });
    });
    sums.set(lot.customer_id, (sums.get(lot.customer_id) ?? 0n) + BigInt(lot.remaining));
  });
  if (entries.length === 0) return 0;
  await sql`
    insert into loyalty_entries (workspace_id, transaction_id, line_no, account, customer_id, lot_id, amount,
      occurred_at)
    select ${ctx.workspaceId}::uuid, x.transaction_id, x.line_no, x.account, x.customer_id, x.lot_id, x.amount,
      x.occurred_at
    from json_to_recordset(${JSON.stringify(entries)}::json)
      as x(transaction_id uuid, line_no int, account text, customer_id uuid, lot_id uuid, amount bigint,
        occurred_at timestamptz)`.execute(trx);
  const moved = JSON.stringify([...sums].map(([customer_id, points]) => ({ customer_id, points: points.toString() })));
  const pendingDelta = spec.kind === 'release' ? sql`- x.points` : sql`+ 0`;
  const availableDelta = spec.kind === 'release' ? sql`+ x.points` : sql`- x.points`;
  await sql`
    update loyalty_members m set pending = m.pending ${pendingDelta}, available = m.available ${availableDelta},
      updated_at = now()
    from json_to_recordset(${moved}::json) as x(customer_id uuid, points bigint)
    where m.workspace_id = ${ctx.workspaceId} and m.customer_id = x.customer_id`.execute(trx);
  return sums.size;
}
