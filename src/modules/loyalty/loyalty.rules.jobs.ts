import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../../db/tenancy.ts';
import { type Ctx, systemCtx } from '../../platform/context.ts';
import type { ModuleJob } from '../../platform/module.ts';
import { getCustomer } from '../customers/customers.service.ts';
import { lockMember } from './loyalty.ledger.ts';
import { earnPoints } from './loyalty.points.ts';
import { findProgram, type Program } from './loyalty.program.ts';
import { activeRules, awardEvent, israelDate } from './loyalty.rules.ts';
import { upgradeIfReached } from './loyalty.tiers.ts';

export const BIRTHDAYS_QUEUE = 'loyalty.birthdays';

/** A run this many days late still gives a birthday its points (the key per member and year keeps it to once). */
export const BIRTHDAY_LATE_DAYS = 7;

/** Members looked at in one transaction. */
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

/**
 * One member's birthday: the tier's birthday gift (its birthdayPoints) and
 * the active 'birthday' earning rules, each once per member and year,
 * whenever in the late days the job reaches them. Returns the points given.
 */
async function birthdayOf(
  trx: Trx,
  ctx: Ctx,
  program: Program,
  customerId: string,
  due: { year: number },
  now: Date,
): Promise<number> {
  const member = await lockMember(trx, ctx, customerId);
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
        sourceKey: `birthday-gift:${customerId}:${due.year}`,
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
    { customerId, type: 'birthday', eventKey: `${customerId}:${due.year}`, occurredAt: now },
    now,
  );
  return given + (outcome.duplicate ? 0 : outcome.points);
}

/**
 * The daily birthday run, in every workspace whose club is active and gives
 * something on a birthday (a tier's gift or an active birthday rule). Each
 * member's birthday comes from the customer's profile (the customers
 * module's service). Run late (up to BIRTHDAY_LATE_DAYS) or twice, each
 * member still gets one birthday a year. Returns the points given.
 */
export async function giveBirthdays(db: Kysely<DB>, now: Date, only: { workspaceId?: string } = {}): Promise<number> {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('loyalty_programs')
      .select('workspace_id')
      .where('status', '=', 'active')
      .$if(only.workspaceId !== undefined, (q) => q.where('workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  const today = israelDate(now);
  let given = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    const members = await inWorkspace(db, workspaceId, async (trx) => {
      const program = await findProgram(trx, ctx);
      const gifts = program?.tiers.some((t) => t.birthdayPoints > 0) ?? false;
      if (!gifts && (await activeRules(trx, ctx, 'event', 'birthday')).length === 0) {
        return [];
      }
      const rows = await trx
        .selectFrom('loyalty_members')
        .select('customer_id')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('status', '=', 'active')
        .orderBy('customer_id')
        .execute();
      return rows.map((r) => r.customer_id);
    });
    for (let start = 0; start < members.length; start += CHUNK) {
      given += await inWorkspace(db, workspaceId, async (trx) => {
        const program = await findProgram(trx, ctx);
        if (program?.status !== 'active') return 0;
        let points = 0;
        for (const customerId of members.slice(start, start + CHUNK)) {
          const customer = await getCustomer(trx, ctx, customerId);
          const due = customer.birthday ? birthdayDue(customer.birthday, today) : null;
          if (due) points += await birthdayOf(trx, ctx, program, customerId, due, now);
        }
        return points;
      });
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
