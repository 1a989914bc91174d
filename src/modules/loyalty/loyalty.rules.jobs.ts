import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../../db/tenancy.ts';
import { type Ctx, systemCtx } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { ModuleJob } from '../../platform/module.ts';
import { customerBirthdays } from '../customers/customers.service.ts';
import { lockMember } from './loyalty.ledger.ts';
import { earnPoints } from './loyalty.points.ts';
import { findProgram, type Program } from './loyalty.program.ts';
import { activeRules, awardEvent, israelDate } from './loyalty.rules.ts';
import { upgradeIfReached } from './loyalty.tiers.ts';

export const BIRTHDAYS_QUEUE = 'loyalty.birthdays';

/** A run this many days late still gives a birthday its points (the key per member and year keeps it to once). */
export const BIRTHDAY_LATE_DAYS = 7;

/** Members read in one page (their ids and birthdays). */
const PAGE = 1_000;

/** Members given their birthday in one transaction. */
const CHUNK = 200;

const DAY = 86_400_000;

/**
 * The birthday a member had most recently on or before `today` (dates in
 * Israel, 'YYYY-MM-DD'), within the days a late run may make up; null when
 * none is. A 29 February birthday falls on 28 February in other years.
 */
export function birthdayDue(birthday: string, today: string): { year: number; day: string } | null {
  const monthDay = birthday.slice(5, 10);
  const thisYear = Number(today.slice(0, 4));
  for (const year of [thisYear, thisYear - 1]) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const day = `${year}-${monthDay === '02-29' && !leap ? '02-28' : monthDay}`;
    const late = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / DAY;
    if (late >= 0 && late <= BIRTHDAY_LATE_DAYS) return { year, day };
  }
  return null;
}

/** A member whose birthday the run is to give, with its tier as the page read it. */
type Due = { customerId: string; tierId: string | null; year: number };

/**
 * One member's birthday: the tier's birthday gift (its birthdayPoints) and
 * the active 'birthday' earning rules, each once per member and year,
 * whenever in the late days the job reaches them. Returns the points given;
 * nothing for a member who left or was merged since the page was read.
 */
async function birthdayOf(trx: Trx, ctx: Ctx, program: Program, due: Due, now: Date): Promise<number> {
  const { customerId } = due;
  let member: Awaited<ReturnType<typeof lockMember>>;
  try {
    member = await lockMember(trx, ctx, customerId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'LOYALTY.NOT_MEMBER') return 0;
    throw error;
  }
  const tier = program.tiers.find((t) => t.id === member.tier_id);
  let given = 0;
  if (tier && tier.birthdayPoints > 0) {
    const booked = await earnPoints(
      trx,
      ctx,
      program,
      {
        customerId,
        kind: 'bonus',
        sourceKey: giftKey(customerId, due.year),
        points: tier.birthdayPoints,
        occurredAt: now,
        note: `🎂 ${tier.name}`,
        pending: false,
      },
      now,
    );
    if (booked) {
      given += tier.birthdayPoints;
      await upgradeIfReached(trx, ctx, program, member, now);
    }
  }
  const outcome = await awardEvent(
    trx,
    ctx,
    { customerId, type: 'birthday', eventKey: eventKey(customerId, due.year), occurredAt: now },
    now,
  );
  return given + (outcome.duplicate ? 0 : outcome.points);
}

const giftKey = (customerId: string, year: number) => `birthday-gift:${customerId}:${year}`;
const eventKey = (customerId: string, year: number) => `${customerId}:${year}`;

/**
 * One page of active members after `after` (by customer id), with the ones
 * whose birthday falls in the days the run looks at and who still have
 * something to get: their birthdays in one query (the customers module's
 * service), what they got already in two. A member whose year's birthday
 * event was received, and whose tier's gift was booked or whose tier gives
 * none, is left out, as giving it again would give nothing.
 */
async function birthdayPage(trx: Trx, ctx: Ctx, program: Program, today: string, after: string | null, size: number) {
  const members = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'tier_id'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .$if(after !== null, (q) => q.where('customer_id', '>', after!))
    .orderBy('customer_id')
    .limit(size)
    .execute();
  const last = members.at(-1)?.customer_id ?? null;
  const birthdays = await customerBirthdays(
    trx,
    ctx,
    members.map((m) => m.customer_id),
  );
  const due: Due[] = members.flatMap((m) => {
    const birthday = birthdays.get(m.customer_id);
    const when = birthday ? birthdayDue(birthday, today) : null;
    return when ? [{ customerId: m.customer_id, tierId: m.tier_id, year: when.year }] : [];
  });
  if (due.length === 0) return { last, full: members.length === size, due };
  const received = new Set(
    (
      await trx
        .selectFrom('loyalty_rule_events')
        .select('event_key')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('type', '=', 'birthday')
        .where(
          'event_key',
          'in',
          due.map((d) => eventKey(d.customerId, d.year)),
        )
        .execute()
    ).map((r) => r.event_key),
  );
  const gifted = new Set(
    (
      await trx
        .selectFrom('loyalty_transactions')
        .select('source_key')
        .where('workspace_id', '=', ctx.workspaceId)
        .where(
          'source_key',
          'in',
          due.map((d) => giftKey(d.customerId, d.year)),
        )
        .execute()
    ).map((r) => r.source_key),
  );
  const gives = (tierId: string | null) => (program.tiers.find((t) => t.id === tierId)?.birthdayPoints ?? 0) > 0;
  const todo = due.filter(
    (d) =>
      !received.has(eventKey(d.customerId, d.year)) || (gives(d.tierId) && !gifted.has(giftKey(d.customerId, d.year))),
  );
  return { last, full: members.length === size, due: todo };
}

/**
 * The daily birthday run, in every workspace whose club is active and gives
 * something on a birthday (a tier's gift or an active birthday rule). The
 * members are read a page at a time (by customer id), each page's birthdays
 * in one query of the customers module's service, and only the members whose
 * birthday is due are given theirs, CHUNK members a transaction. Run late
 * (up to BIRTHDAY_LATE_DAYS) or twice, each member still gets one birthday a
 * year. Returns the points given.
 */
export async function giveBirthdays(
  db: Kysely<DB>,
  now: Date,
  only: { workspaceId?: string; pageSize?: number } = {},
): Promise<number> {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('loyalty_programs')
      .select('workspace_id')
      .where('status', '=', 'active')
      .$if(only.workspaceId !== undefined, (q) => q.where('workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  const today = israelDate(now);
  const size = only.pageSize ?? PAGE;
  let given = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    let after: string | null = null;
    for (;;) {
      const page = await inWorkspace(db, workspaceId, async (trx) => {
        const program = await findProgram(trx, ctx);
        if (program?.status !== 'active') return null;
        const gifts = program.tiers.some((t) => t.birthdayPoints > 0);
        if (!gifts && (await activeRules(trx, ctx, 'event', 'birthday')).length === 0) return null;
        return birthdayPage(trx, ctx, program, today, after, size);
      });
      if (!page) break;
      for (let start = 0; start < page.due.length; start += CHUNK) {
        given += await inWorkspace(db, workspaceId, async (trx) => {
          const program = await findProgram(trx, ctx);
          if (program?.status !== 'active') return 0;
          let points = 0;
          for (const due of page.due.slice(start, start + CHUNK)) {
            points += await birthdayOf(trx, ctx, program, due, now);
          }
          return points;
        });
      }
      if (!page.full || page.last === null) break;
      after = page.last;
    }
  }
  return given;
}

/** The job's entry in the loyalty module's `jobs`: daily at 08:15 in Israel. */
export const birthdaysJob: ModuleJob = {
  queue: BIRTHDAYS_QUEUE,
  handler:
    ({ db }) =>
    async () => {
      await giveBirthdays(db, new Date());
    },
  schedule: { cron: '15 8 * * *', tz: 'Asia/Jerusalem' },
};
