import { addDays, addMonths, subDays, subMonths } from 'date-fns';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../../db/tenancy.ts';
import { type Ctx, systemCtx } from '../../platform/context.ts';
import { sha256 } from '../../platform/crypto.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { getCustomer } from '../customers/customers.service.ts';
import { enqueueMessage, isSendableAddress, type MessageChannel } from '../messaging/messaging.service.ts';
import type { NoticeKind } from './loyalty.notices.tables.ts';
import { findProgram, type Program } from './loyalty.program.ts';

/*
 * What the club tells its members about their points, through the platform
 * outbox: that points became available (their return window ended: the
 * releases the hourly maintenance booked), and that points are about to
 * expire (the program's expiry_warning_days before a lot's expiry date, or
 * before a whole balance lapses for inactivity). Only members who consented
 * to the club's messages (loyalty_members.messages_consent) and whom the
 * outbox can reach (an email address, else a phone by SMS).
 *
 * Each thing told is a row of loyalty_notices_sent (a release's transaction,
 * a lot, a balance's lapse), written in the same transaction as the message:
 * a member's notices are worked under an advisory lock on that member, and the
 * message's idempotency key names exactly what it tells, so a run twice, a run
 * late or two runs at once send each notice once. A run that finds several
 * releases of one member sends one message that sums them.
 */

/** Releases older than this are not announced (a club's history, a job that was off for long). */
const RELEASE_LOOKBACK_DAYS = 3;

export type NoticeRun = { pointsAvailable: number; expiryWarnings: number };

type Language = 'he' | 'en';
type Told = { sourceId: string; points: number; at: Date };

/**
 * Sends what is due at `now` in every workspace with an active club (or the
 * one `only` names); returns how many messages it queued.
 */
export async function sendLoyaltyNotices(
  db: Kysely<DB>,
  jobs: Pick<Jobs, 'sendWithin'>,
  now: Date,
  only: { workspaceId?: string } = {},
): Promise<NoticeRun> {
  const workspaces = await inSystem(db, (trx) =>
    trx
      .selectFrom('loyalty_programs')
      .select('workspace_id')
      .where('status', '=', 'active')
      .$if(only.workspaceId !== undefined, (q) => q.where('workspace_id', '=', only.workspaceId!))
      .execute(),
  );
  const run: NoticeRun = { pointsAvailable: 0, expiryWarnings: 0 };
  for (const { workspace_id: workspaceId } of workspaces) {
    const ctx = systemCtx(workspaceId);
    const program = await inWorkspace(db, workspaceId, (trx) => findProgram(trx, ctx));
    if (!program) continue;
    const released = await inWorkspace(db, workspaceId, (trx) => membersWithReleases(trx, ctx, now));
    for (const customerId of released) {
      const sent = await inWorkspace(db, workspaceId, (trx) =>
        notifyMember(trx, ctx, jobs, program, customerId, 'points_available', now),
      );
      if (sent) run.pointsAvailable += 1;
    }
    if (program.expiryMode === 'none' || program.expiryWarningDays <= 0) continue;
    const expiring = await inWorkspace(db, workspaceId, (trx) => membersWithExpiry(trx, ctx, program, now));
    for (const customerId of expiring) {
      const sent = await inWorkspace(db, workspaceId, (trx) =>
        notifyMember(trx, ctx, jobs, program, customerId, 'expiry_warning', now),
      );
      if (sent) run.expiryWarnings += 1;
    }
  }
  return run;
}

/** Members who consented, with releases not yet announced. */
async function membersWithReleases(trx: Trx, ctx: Ctx, now: Date): Promise<string[]> {
  const rows = await unannouncedReleases(trx, ctx, now).select('t.customer_id').distinct().execute();
  return rows.map((r) => r.customer_id);
}

function unannouncedReleases(trx: Trx, ctx: Ctx, now: Date, customerId?: string) {
  return trx
    .selectFrom('loyalty_transactions as t')
    .innerJoin('loyalty_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 't.workspace_id').onRef('m.customer_id', '=', 't.customer_id'),
    )
    .where('t.workspace_id', '=', ctx.workspaceId)
    .where('t.kind', '=', 'release')
    .where('t.occurred_at', '>', subDays(now, RELEASE_LOOKBACK_DAYS))
    .where('t.occurred_at', '<=', now)
    .where('m.status', '=', 'active')
    .where('m.messages_consent', '=', true)
    .$if(customerId !== undefined, (q) => q.where('t.customer_id', '=', customerId!))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('loyalty_notices_sent as n')
            .select(sql`1`.as('one'))
            .whereRef('n.workspace_id', '=', 't.workspace_id')
            .where('n.kind', '=', 'points_available')
            .where(sql<boolean>`n.source_id = t.id::text`),
        ),
      ),
    );
}

/** One member's releases not yet announced, with the points each made available. */
async function releasesOf(trx: Trx, ctx: Ctx, customerId: string, now: Date): Promise<Told[]> {
  const rows = await unannouncedReleases(trx, ctx, now, customerId)
    .innerJoin('loyalty_entries as e', (join) =>
      join.onRef('e.workspace_id', '=', 't.workspace_id').onRef('e.transaction_id', '=', 't.id'),
    )
    .where('e.account', '=', 'member.pending')
    .select(['t.id', 't.occurred_at', sql<string>`-sum(e.amount)`.as('points')])
    .groupBy(['t.id', 't.occurred_at'])
    .orderBy('t.occurred_at')
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({ sourceId: r.id, points: Number(r.points), at: r.occurred_at })).filter((r) => r.points > 0);
}

/** The window a warning looks ahead: expiring after `now` and no later than the warning days from it. */
const warningHorizon = (program: Program, now: Date) => addDays(now, program.expiryWarningDays);

/** Members who consented and hold points that expire within the warning window, not yet warned. */
async function membersWithExpiry(trx: Trx, ctx: Ctx, program: Program, now: Date): Promise<string[]> {
  const ids = new Set<string>();
  if (program.expiryMode === 'batch') {
    for (const lot of await expiringLots(trx, ctx, program, now)) ids.add(lot.customerId);
  } else {
    for (const m of await lapsingBalances(trx, ctx, program, now)) ids.add(m.customerId);
  }
  return [...ids];
}

/** Lots with points left that expire within the window and were not warned of: by batch expiry. */
async function expiringLots(trx: Trx, ctx: Ctx, program: Program, now: Date, customerId?: string) {
  const rows = await trx
    .selectFrom('loyalty_entries as e')
    .innerJoin('loyalty_transactions as t', (join) =>
      join.onRef('t.workspace_id', '=', 'e.workspace_id').onRef('t.id', '=', 'e.lot_id'),
    )
    .innerJoin('loyalty_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 'e.workspace_id').onRef('m.customer_id', '=', 'e.customer_id'),
    )
    .select(['e.customer_id', 'e.lot_id', 't.expires_at', sql<string>`sum(e.amount)`.as('remaining')])
    .where('e.workspace_id', '=', ctx.workspaceId)
    .where('e.account', '=', 'member.available')
    .where('t.expires_at', '>', now)
    .where('t.expires_at', '<=', warningHorizon(program, now))
    .where('m.status', '=', 'active')
    .where('m.messages_consent', '=', true)
    .$if(customerId !== undefined, (q) => q.where('e.customer_id', '=', customerId!))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('loyalty_notices_sent as n')
            .select(sql`1`.as('one'))
            .whereRef('n.workspace_id', '=', 'e.workspace_id')
            .where('n.kind', '=', 'expiry_warning')
            .where(sql<boolean>`n.source_id = e.lot_id::text`),
        ),
      ),
    )
    .groupBy(['e.customer_id', 'e.lot_id', 't.expires_at'])
    .having(sql`sum(e.amount)`, '>', 0)
    .orderBy('t.expires_at')
    .execute();
  return rows.map((r) => ({
    customerId: r.customer_id!,
    sourceId: r.lot_id!,
    points: Number(r.remaining),
    at: r.expires_at!,
  }));
}

/** Balances that lapse for inactivity within the window and were not warned of (once per spell of inactivity). */
async function lapsingBalances(trx: Trx, ctx: Ctx, program: Program, now: Date, customerId?: string) {
  const horizon = warningHorizon(program, now);
  // A day's margin either side for months of different lengths; the exact lapse is checked below.
  const rows = await trx
    .selectFrom('loyalty_members')
    .select(['customer_id', 'last_activity_at', 'available'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('status', '=', 'active')
    .where('messages_consent', '=', true)
    .where('available', '>', '0')
    .where('last_activity_at', '>', subDays(subMonths(now, program.expiryMonths), 1))
    .where('last_activity_at', '<=', addDays(subMonths(horizon, program.expiryMonths), 1))
    .$if(customerId !== undefined, (q) => q.where('customer_id', '=', customerId!))
    .execute();
  const due = rows
    .map((r) => ({
      customerId: r.customer_id,
      sourceId: `inactive:${r.customer_id}:${r.last_activity_at.toISOString()}`,
      points: Number(r.available),
      at: addMonths(r.last_activity_at, program.expiryMonths),
    }))
    .filter((r) => r.at > now && r.at <= horizon);
  if (due.length === 0) return [];
  const told = await trx
    .selectFrom('loyalty_notices_sent')
    .select('source_id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('kind', '=', 'expiry_warning')
    .where(
      'source_id',
      'in',
      due.map((d) => d.sourceId),
    )
    .execute();
  const seen = new Set(told.map((t) => t.source_id));
  return due.filter((d) => !seen.has(d.sourceId));
}

/**
 * One member's notice of one kind, in its own transaction: under the member's
 * advisory lock, what is still untold is read again, one message sums it, and
 * each thing is marked told. True when a message was queued.
 */
async function notifyMember(
  trx: Trx,
  ctx: Ctx,
  jobs: Pick<Jobs, 'sendWithin'>,
  program: Program,
  customerId: string,
  kind: NoticeKind,
  now: Date,
): Promise<boolean> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`loyalty.notices ${ctx.workspaceId} ${customerId}`}, 0))`.execute(
    trx,
  );
  const items =
    kind === 'points_available'
      ? await releasesOf(trx, ctx, customerId, now)
      : program.expiryMode === 'batch'
        ? await expiringLots(trx, ctx, program, now, customerId)
        : await lapsingBalances(trx, ctx, program, now, customerId);
  if (items.length === 0) return false;
  const address = await reachable(trx, ctx, customerId);
  let messageId: string | null = null;
  if (address) {
    const member = await trx
      .selectFrom('loyalty_members')
      .select('available')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow();
    const text = noticeText(kind, address.language, program, items, Number(member.available));
    const key = `loyalty.${kind}:${customerId}:${sha256(items.map((i) => i.sourceId).join(',')).slice(0, 32)}`;
    const queued = await enqueueMessage(trx, ctx, jobs, {
      channel: address.channel,
      to: address.to,
      customerId,
      ...(address.channel === 'email' ? { subject: text.subject } : {}),
      text: address.channel === 'email' ? text.body : `${text.subject}\n${text.body}`,
      purpose: `loyalty.${kind}`,
      module: 'loyalty',
      idempotencyKey: key,
    });
    messageId = queued.id;
  }
  // Marked told even when nobody could be reached, so the same points are not looked at every hour.
  await trx
    .insertInto('loyalty_notices_sent')
    .values(
      items.map((i) => ({
        workspace_id: ctx.workspaceId,
        kind,
        source_id: i.sourceId,
        customer_id: customerId,
        message_id: messageId,
        sent_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'source_id']).doNothing())
    .execute();
  return messageId !== null;
}

/**
 * Where the outbox can reach the customer: an email address, else a phone (SMS).
 * The customers module keeps no language for a customer: Hebrew, the club's own.
 */
async function reachable(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
): Promise<{ channel: MessageChannel; to: string; language: Language } | null> {
  const customer = await getCustomer(trx, ctx, customerId).catch(() => null);
  if (customer?.status !== 'active') return null;
  const language: Language = 'he';
  if (customer.email && isSendableAddress('email', customer.email)) {
    return { channel: 'email', to: customer.email, language };
  }
  if (customer.phone && isSendableAddress('sms', customer.phone))
    return { channel: 'sms', to: customer.phone, language };
  return null;
}

const numberIn = (language: Language, n: number) =>
  new Intl.NumberFormat(language === 'he' ? 'he-IL' : 'en-IL').format(n);
const dateIn = (language: Language, at: Date) =>
  new Intl.DateTimeFormat(language === 'he' ? 'he-IL' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Asia/Jerusalem',
  }).format(at);

/** The message's subject and text, in the member's language. */
export function noticeText(
  kind: NoticeKind,
  language: Language,
  program: Pick<Program, 'name'>,
  items: Told[],
  available: number,
): { subject: string; body: string } {
  const total = items.reduce((sum, i) => sum + i.points, 0);
  const n = (x: number) => numberIn(language, x);
  if (kind === 'points_available') {
    return language === 'he'
      ? {
          subject: `${n(total)} נקודות זמינות לך עכשיו ב${program.name}`,
          body: `שלום,\n${n(total)} נקודות שצברת סיימו את תקופת ההמתנה והן זמינות למימוש.\nהיתרה הזמינה שלך: ${n(available)} נקודות.\n\n${program.name}`,
        }
      : {
          subject: `${n(total)} points are now available in ${program.name}`,
          body: `Hello,\n${n(total)} points you earned have passed their waiting period and can be used now.\nYour available balance: ${n(available)} points.\n\n${program.name}`,
        };
  }
  const lines = items.map((i) =>
    language === 'he'
      ? `• ${n(i.points)} נקודות ב־${dateIn(language, i.at)}`
      : `• ${n(i.points)} points on ${dateIn(language, i.at)}`,
  );
  return language === 'he'
    ? {
        subject: `${n(total)} מהנקודות שלך ב${program.name} יפוגו בקרוב`,
        body: `שלום,\nהנקודות האלה יפוגו אם לא ימומשו עד אז:\n${lines.join('\n')}\n\n${program.name}`,
      }
    : {
        subject: `${n(total)} of your points in ${program.name} expire soon`,
        body: `Hello,\nThese points expire unless they are used by then:\n${lines.join('\n')}\n\n${program.name}`,
      };
}
