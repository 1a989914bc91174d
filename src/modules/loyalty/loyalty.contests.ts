import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { customerNames } from '../customers/customers.service.ts';
import { DRAW_PROCEDURE, drawWinners, entrantsDigest, freezeEntrants, newSeed } from './loyalty.contests.draw.ts';
import type { CreateContestBody } from './loyalty.contests.schemas.ts';
import type {
  ContestStatus,
  LoyaltyContestResultTable,
  LoyaltyContestTable,
  StoredWinner,
} from './loyalty.contests.tables.ts';
import { lockMember } from './loyalty.ledger.ts';
import { spendPoints } from './loyalty.points.ts';
import { findProgram } from './loyalty.program.ts';

/*
 * Contests. A draw picks its winners by chance among the eligible members (or,
 * when entering costs points, among those who entered), by the procedure of
 * loyalty.contests.draw.ts; a skill contest's winners are chosen by staff,
 * who judge the entrants' answers and write a note for each winner. Either
 * way the decision is one row of loyalty_contest_results (its primary key is
 * the contest), written under the contest's row lock: two draws at once give
 * one result and the second is refused. The entrants are kept as customer ids
 * only, never names: an erased member stays an id.
 */

type ContestRow = Selectable<LoyaltyContestTable>;
type ResultRow = Selectable<LoyaltyContestResultTable>;

const actorOf = (ctx: Ctx) => (ctx.actor.type === 'system' ? 'system' : `${ctx.actor.type}:${ctx.actor.id}`);

/** As stored, except that an open contest past its closing time reads as closed. */
function statusAt(row: ContestRow, now: Date): ContestStatus {
  return row.status === 'open' && row.closes_at <= now ? 'closed' : row.status;
}

const optionalNumber = (v: string | null) => (v === null ? null : Number(v));

function contestReplyOf(
  row: ContestRow,
  entriesCount: number,
  result: ResultRow | null,
  names: Map<string, string | null>,
  now: Date,
) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    prize: row.prize,
    kind: row.kind,
    question: row.question,
    tierIds: row.tier_ids,
    minLifetimePoints: optionalNumber(row.min_lifetime_points),
    minAvailablePoints: optionalNumber(row.min_available_points),
    joinedBefore: row.joined_before,
    entryCostPoints: Number(row.entry_cost_points),
    winnersCount: row.winners_count,
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    status: statusAt(row, now),
    entriesCount,
    result: result
      ? {
          procedure: result.procedure,
          seed: result.seed,
          entrantsCount: result.entrants_count,
          entrantsDigest: result.entrants_digest,
          winners: result.winners.map((w) => ({ ...w, name: names.get(w.customerId) ?? null })),
          decidedBy: result.decided_by_name,
          decidedAt: result.decided_at,
        }
      : null,
    createdAt: row.created_at,
  };
}

/** The replies of some contests: their entry counts, results and winners' names (read now, never copied). */
async function repliesOf(trx: Trx, ctx: Ctx, rows: ContestRow[], now: Date) {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = await trx
    .selectFrom('loyalty_contest_entries')
    .select(['contest_id', sql<string>`count(*)`.as('n')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('contest_id', 'in', ids)
    .groupBy('contest_id')
    .execute();
  const results = await trx
    .selectFrom('loyalty_contest_results')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('contest_id', 'in', ids)
    .execute();
  const names = await customerNames(
    trx,
    ctx,
    results.flatMap((r) => r.winners.map((w) => w.customerId)),
  );
  const countOf = new Map(counts.map((c) => [c.contest_id, Number(c.n)]));
  const resultOf = new Map(results.map((r) => [r.contest_id, r]));
  return rows.map((row) => contestReplyOf(row, countOf.get(row.id) ?? 0, resultOf.get(row.id) ?? null, names, now));
}

async function findContest(trx: Trx, ctx: Ctx, id: string, lock: 'update' | 'share' | 'none' = 'none') {
  const row = await trx
    .selectFrom('loyalty_contests')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .$if(lock === 'update', (q) => q.forUpdate())
    .$if(lock === 'share', (q) => q.forShare())
    .executeTakeFirst();
  if (!row) throw new AppError('LOYALTY.CONTEST_NOT_FOUND');
  return row;
}

async function findResult(trx: Trx, ctx: Ctx, contestId: string) {
  return (
    (await trx
      .selectFrom('loyalty_contest_results')
      .selectAll()
      .where('workspace_id', '=', ctx.workspaceId)
      .where('contest_id', '=', contestId)
      .executeTakeFirst()) ?? null
  );
}

/** A new contest; its tiers must be the club's. */
export async function createContest(trx: Trx, ctx: Ctx, body: CreateContestBody, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const program = await findProgram(trx, ctx);
  if (!program) throw new AppError('LOYALTY.NO_PROGRAM');
  const known = new Set(program.tiers.map((t) => t.id));
  const unknown = body.tierIds.findIndex((id) => !known.has(id));
  if (unknown >= 0) {
    throw new AppError('LOYALTY.CONTEST_INVALID', {
      fields: [{ field: `body.tierIds.${unknown}`, message: 'loyalty:tiers.unknown' }],
    });
  }
  const row = await trx
    .insertInto('loyalty_contests')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      description: body.description,
      prize: body.prize,
      kind: body.kind,
      question: body.question,
      tier_ids: JSON.stringify([...new Set(body.tierIds)]),
      min_lifetime_points: body.minLifetimePoints,
      min_available_points: body.minAvailablePoints,
      joined_before: body.joinedBefore,
      entry_cost_points: body.entryCostPoints,
      winners_count: body.winnersCount,
      opens_at: body.opensAt,
      closes_at: body.closesAt,
      status: body.status,
      created_by: actorOf(ctx),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const [reply] = await repliesOf(trx, ctx, [row], now);
  await recordAudit(trx, ctx, {
    action: 'loyalty.contest_created',
    entityType: 'loyalty_contest',
    entityId: row.id,
    after: reply,
  });
  return reply!;
}

/** The contests, newest first. */
export async function listContests(
  trx: Trx,
  ctx: Ctx,
  query: { limit: number; cursor?: string | undefined },
  now: Date,
) {
  requirePermission(ctx, 'loyalty.read');
  const after = decodeTimeCursor(query.cursor, 'contests');
  const rows = await trx
    .selectFrom('loyalty_contests')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .$if(after !== null, (q) =>
      q.where(sql<boolean>`(created_at, id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, 'contests'),
  );
  return { items: await repliesOf(trx, ctx, page, now), nextCursor };
}

/** One contest, with its frozen entrants once it is decided. */
export async function getContest(trx: Trx, ctx: Ctx, id: string, now: Date) {
  requirePermission(ctx, 'loyalty.read');
  const row = await findContest(trx, ctx, id);
  const [reply] = await repliesOf(trx, ctx, [row], now);
  const result = await findResult(trx, ctx, id);
  return { ...reply!, entrants: result?.entrants ?? [] };
}

/** Opens a draft, or closes entries early; a decided contest stays as it is. */
export async function setContestStatus(trx: Trx, ctx: Ctx, id: string, status: 'open' | 'closed', now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const row = await findContest(trx, ctx, id, 'update');
  if (row.status === 'drawn') throw new AppError('LOYALTY.CONTEST_ALREADY_DRAWN');
  await trx
    .updateTable('loyalty_contests')
    .set({ status, updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  await recordAudit(trx, ctx, {
    action: 'loyalty.contest_status',
    entityType: 'loyalty_contest',
    entityId: id,
    before: { status: row.status },
    after: { status },
  });
  return getContest(trx, ctx, id, now);
}

type Eligibility = Pick<ContestRow, 'tier_ids' | 'min_lifetime_points' | 'min_available_points' | 'joined_before'>;

/** The active members a contest's conditions let in (all of them, or `only` those), ids ascending. */
async function eligibleMembers(trx: Trx, ctx: Ctx, contest: Eligibility, only?: string[]): Promise<string[]> {
  if (only && only.length === 0) return [];
  const rows = await trx
    .selectFrom('loyalty_members')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .$if(only !== undefined, (q) => q.where('customer_id', 'in', only!))
    .$if(contest.tier_ids.length > 0, (q) => q.where('tier_id', 'in', contest.tier_ids))
    .$if(contest.min_lifetime_points !== null, (q) => q.where('lifetime_points', '>=', contest.min_lifetime_points!))
    .$if(contest.min_available_points !== null, (q) => q.where('available', '>=', contest.min_available_points!))
    .$if(contest.joined_before !== null, (q) => q.where('joined_at', '<', contest.joined_before!))
    .execute();
  return freezeEntrants(rows.map((r) => r.customer_id));
}

function requireOpen(row: ContestRow, now: Date) {
  if (row.status !== 'open' || row.opens_at > now || row.closes_at <= now) {
    throw new AppError('LOYALTY.CONTEST_NOT_OPEN');
  }
}

/**
 * A member enters: a skill contest with an answer, or a draw that costs points
 * (a free draw is among every eligible member and needs no entry). The cost is
 * spent through the ledger (a 'spend' booking named after the contest), and
 * the whole entry is refused, with nothing spent, for a member who does not
 * qualify or lacks the points. Once per member.
 */
export async function enterContest(
  trx: Trx,
  ctx: Ctx,
  id: string,
  body: { customerId: string; answer: string },
  now: Date,
) {
  requirePermission(ctx, 'loyalty.enroll');
  // Shared: entries go in side by side, and a draw (which locks for update) waits for them.
  const contest = await findContest(trx, ctx, id, 'share');
  if (contest.status === 'drawn') throw new AppError('LOYALTY.CONTEST_ALREADY_DRAWN');
  requireOpen(contest, now);
  const cost = Number(contest.entry_cost_points);
  if (contest.kind === 'draw' && cost === 0) throw new AppError('LOYALTY.CONTEST_WRONG_KIND');
  if (contest.kind === 'skill' && body.answer.length === 0) {
    throw new AppError('LOYALTY.CONTEST_INVALID', { fields: [{ field: 'body.answer', message: 'required' }] });
  }
  // The member's row first: two entries of one member take turns, and the second finds the first.
  await lockMember(trx, ctx, body.customerId);
  const existing = await trx
    .selectFrom('loyalty_contest_entries')
    .select('customer_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('contest_id', '=', id)
    .where('customer_id', '=', body.customerId)
    .executeTakeFirst();
  if (existing) throw new AppError('LOYALTY.CONTEST_ALREADY_ENTERED');
  const [eligible] = await eligibleMembers(trx, ctx, contest, [body.customerId]);
  if (!eligible) throw new AppError('LOYALTY.CONTEST_NOT_ELIGIBLE');
  const spendId =
    cost > 0
      ? await spendPoints(trx, ctx, {
          customerId: body.customerId,
          points: cost,
          sourceKey: `contest:${id}:${body.customerId}`,
          note: contest.name,
          occurredAt: now,
        })
      : null;
  await trx
    .insertInto('loyalty_contest_entries')
    .values({
      workspace_id: ctx.workspaceId,
      contest_id: id,
      customer_id: body.customerId,
      answer: body.answer,
      points_paid: cost,
      spend_transaction_id: spendId,
      entered_at: now,
      actor: actorOf(ctx),
    })
    .execute();
  return { customerId: body.customerId, name: null, answer: body.answer, pointsPaid: cost, enteredAt: now };
}

/** A contest's entries, first in first, with the members' names as the customer records have them now. */
export async function listContestEntries(trx: Trx, ctx: Ctx, id: string, query: { limit: number }) {
  requirePermission(ctx, 'loyalty.read');
  await findContest(trx, ctx, id);
  const rows = await trx
    .selectFrom('loyalty_contest_entries')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('contest_id', '=', id)
    .orderBy('entered_at')
    .orderBy('customer_id')
    .limit(query.limit)
    .execute();
  const names = await customerNames(
    trx,
    ctx,
    rows.map((r) => r.customer_id),
  );
  return {
    items: rows.map((r) => ({
      customerId: r.customer_id,
      name: names.get(r.customer_id) ?? null,
      answer: r.answer,
      pointsPaid: Number(r.points_paid),
      enteredAt: r.entered_at,
    })),
  };
}

/** The contest locked for its decision: refused if decided before, a draft, or not yet open. */
async function lockForDecision(trx: Trx, ctx: Ctx, id: string, kind: 'draw' | 'skill', now: Date) {
  const contest = await findContest(trx, ctx, id, 'update');
  if (contest.status === 'drawn' || (await findResult(trx, ctx, id))) {
    throw new AppError('LOYALTY.CONTEST_ALREADY_DRAWN');
  }
  if (contest.kind !== kind) throw new AppError('LOYALTY.CONTEST_WRONG_KIND');
  if (contest.status === 'draft' || contest.opens_at > now) throw new AppError('LOYALTY.CONTEST_NOT_OPEN');
  return contest;
}

/** The active members who entered, ascending. */
async function entrantsWhoEntered(trx: Trx, ctx: Ctx, id: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('loyalty_contest_entries as e')
    .innerJoin('loyalty_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 'e.workspace_id').onRef('m.customer_id', '=', 'e.customer_id'),
    )
    .select('e.customer_id')
    .where('e.workspace_id', '=', ctx.workspaceId)
    .where('e.contest_id', '=', id)
    .where('m.status', '=', 'active')
    .execute();
  return freezeEntrants(rows.map((r) => r.customer_id));
}

async function storeResult(
  trx: Trx,
  ctx: Ctx,
  contest: ContestRow,
  result: { procedure: ResultRow['procedure']; seed: string | null; entrants: string[]; winners: StoredWinner[] },
  now: Date,
) {
  const digest = entrantsDigest(result.entrants);
  await trx
    .insertInto('loyalty_contest_results')
    .values({
      workspace_id: ctx.workspaceId,
      contest_id: contest.id,
      procedure: result.procedure,
      seed: result.seed,
      entrants: JSON.stringify(result.entrants),
      entrants_count: result.entrants.length,
      entrants_digest: digest,
      winners: JSON.stringify(result.winners),
      decided_by: actorOf(ctx),
      decided_by_name: ctx.actor.name,
      decided_at: now,
    })
    .execute();
  await trx
    .updateTable('loyalty_contests')
    .set({ status: 'drawn', updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', contest.id)
    .execute();
  await recordAudit(trx, ctx, {
    action: result.procedure === 'judged' ? 'loyalty.contest_judged' : 'loyalty.contest_drawn',
    entityType: 'loyalty_contest',
    entityId: contest.id,
    before: { status: contest.status },
    after: {
      procedure: result.procedure,
      seed: result.seed,
      entrants: result.entrants,
      entrantsDigest: digest,
      winners: result.winners,
      decidedBy: ctx.actor.name,
      decidedAt: now.toISOString(),
    },
  });
}

/**
 * Draws a chance contest's winners, once: the entrants are frozen (every
 * eligible member now, or those who paid to enter), a fresh seed of 32 random
 * bytes is made, and the winners follow from both by drawWinners. The
 * entrants, seed, winners and who drew when are stored and written to the
 * audit log. A second draw, at once or later, is LOYALTY.CONTEST_ALREADY_DRAWN.
 */
export async function drawContest(trx: Trx, ctx: Ctx, id: string, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const contest = await lockForDecision(trx, ctx, id, 'draw', now);
  const entrants =
    Number(contest.entry_cost_points) > 0
      ? await entrantsWhoEntered(trx, ctx, id)
      : await eligibleMembers(trx, ctx, contest);
  if (entrants.length === 0) throw new AppError('LOYALTY.CONTEST_NO_ENTRANTS');
  const seed = newSeed();
  const winners = drawWinners(seed, entrants, contest.winners_count).map((customerId, i) => ({
    customerId,
    rank: i + 1,
    note: '',
  }));
  await storeResult(trx, ctx, contest, { procedure: DRAW_PROCEDURE, seed, entrants, winners }, now);
  return getContest(trx, ctx, id, now);
}

/**
 * Decides a skill contest: staff name the winners among those who entered,
 * in order, each with a note saying why; no chance is involved. Once.
 */
export async function judgeContest(
  trx: Trx,
  ctx: Ctx,
  id: string,
  body: { winners: { customerId: string; note: string }[] },
  now: Date,
) {
  requirePermission(ctx, 'loyalty.manage');
  const contest = await lockForDecision(trx, ctx, id, 'skill', now);
  const entrants = await entrantsWhoEntered(trx, ctx, id);
  if (entrants.length === 0) throw new AppError('LOYALTY.CONTEST_NO_ENTRANTS');
  if (body.winners.length > contest.winners_count) {
    throw new AppError('LOYALTY.CONTEST_INVALID', { fields: [{ field: 'body.winners', message: 'too_big' }] });
  }
  const entered = new Set(entrants);
  const seen = new Set<string>();
  body.winners.forEach((w, i) => {
    const key = w.customerId.toLowerCase();
    if (!entered.has(key) || seen.has(key)) {
      throw new AppError('LOYALTY.CONTEST_INVALID', {
        fields: [{ field: `body.winners.${i}.customerId`, message: 'loyalty:contests.notAnEntrant' }],
      });
    }
    seen.add(key);
  });
  const winners = body.winners.map((w, i) => ({ customerId: w.customerId.toLowerCase(), rank: i + 1, note: w.note }));
  await storeResult(trx, ctx, contest, { procedure: 'judged', seed: null, entrants, winners }, now);
  return getContest(trx, ctx, id, now);
}

/**
 * Re-runs a draw from what is stored (its entrants and seed) and says whether
 * it gives the stored winners, and whether the entrants are still the list
 * that was drawn (in order, with its recorded fingerprint).
 */
export async function verifyContest(trx: Trx, ctx: Ctx, id: string) {
  requirePermission(ctx, 'loyalty.read');
  const contest = await findContest(trx, ctx, id);
  const result = await findResult(trx, ctx, id);
  if (contest.kind !== 'draw') throw new AppError('LOYALTY.CONTEST_WRONG_KIND');
  if (!result?.seed) throw new AppError('LOYALTY.CONTEST_NOT_DRAWN');
  const recomputed = drawWinners(result.seed, result.entrants, contest.winners_count);
  const stored = result.winners.map((w) => w.customerId);
  const frozen = freezeEntrants(result.entrants);
  const intact =
    frozen.length === result.entrants.length &&
    frozen.every((e, i) => e === result.entrants[i]) &&
    entrantsDigest(result.entrants) === result.entrants_digest;
  return {
    matches: intact && recomputed.length === stored.length && recomputed.every((w, i) => w === stored[i]),
    procedure: DRAW_PROCEDURE,
    seed: result.seed,
    entrantsCount: result.entrants.length,
    entrantsIntact: intact,
    storedWinners: stored,
    recomputedWinners: recomputed,
  };
}

/** Erasure: the person's answers go; the entry stays an id (a drawn contest's entrants are ids already). */
export async function eraseContestEntries(trx: Trx, ctx: Ctx, customerId: string): Promise<void> {
  await trx
    .updateTable('loyalty_contest_entries')
    .set({ answer: '' })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('answer', '<>', '')
    .execute();
}

/**
 * Merge: the merged member's entries become the survivor's, in contests the
 * survivor had not entered (one entry a member); where both had entered, the
 * survivor's own entry stands. A decided contest's frozen entrants stay as
 * they were drawn.
 */
export async function mergeContestEntries(trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) {
  await trx
    .updateTable('loyalty_contest_entries as e')
    .set({ customer_id: ids.survivorId })
    .where('e.workspace_id', '=', ctx.workspaceId)
    .where('e.customer_id', '=', ids.mergedId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('loyalty_contest_entries as s')
            .select(sql`1`.as('one'))
            .whereRef('s.workspace_id', '=', 'e.workspace_id')
            .whereRef('s.contest_id', '=', 'e.contest_id')
            .where('s.customer_id', '=', ids.survivorId),
        ),
      ),
    )
    .execute();
}
