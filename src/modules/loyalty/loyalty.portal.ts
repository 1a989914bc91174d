import { randomInt } from 'node:crypto';
import { addDays, addMinutes, subHours } from 'date-fns';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, type Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId, randomToken, safeEqual, sha256 } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs.ts';
import type { Locale } from '../../platform/messages.ts';
import {
  changeConsent,
  createCustomer,
  findCustomersByKeys,
  getCustomer,
  normaliseEmail,
  normalisePhone,
} from '../customers/customers.service.ts';
import { enqueueMessage } from '../messaging/messaging.service.ts';
import { listMemberCoupons } from './loyalty.coupons.members.ts';
import { enrollMember, getMember, listLedger } from './loyalty.members.ts';
import { findProgram, getProgram, type Program } from './loyalty.program.ts';
import { referFriend, referralLink } from './loyalty.referrals.ts';
import { listRewards } from './loyalty.rewards.ts';

/*
 * The club's public join page and its member portal. Their callers have no
 * staff login: a request names the club by its public key, which gives the
 * workspace, and acts there as the portal actor (portalCtx): a system actor
 * with the agent role, the narrowest role that may enrol, read a member's
 * standing, redeem a reward and record consent. What it may reach is narrower
 * still, by construction: every function here takes the member's own
 * customer id from the session (never from the request), and the routes call
 * nothing else.
 *
 * Signing in is by a one-time code sent to the email or phone a member gave:
 * six digits, kept as a hash, ten minutes, five tries. A code is made for any
 * address asked for, member or not (a non-member's is sent to nobody), so the
 * replies, the tries and the limits tell nobody who is a member.
 */

export const CODE_MINUTES = 10;
export const CODE_TRIES = 5;
/** Codes one address may be sent in an hour (whoever asks for them). */
export const CODES_PER_HOUR = 5;
export const SESSION_DAYS = 30;
export const MEMBER_COOKIE = 'klient_member';

/** The text of the join page's club-messages checkbox: what the consent history records as shown. */
export function messagesConsentText(program: Pick<Program, 'name'>, locale: Locale): string {
  return locale === 'en'
    ? `I agree to receive messages from ${program.name}: points I earn, points about to expire, and members' offers. I can stop them at any time in my member area.`
    : `אני מסכים/ה לקבל הודעות מ${program.name}: נקודות שצברתי, נקודות שעומדות לפוג והטבות לחברים. אפשר להפסיק בכל עת באזור האישי.`;
}

/** The workspace whose club has this public key, or null (an unknown key is a 404, like a wrong one). */
export async function clubWorkspace(db: Kysely<DB>, publicKey: string): Promise<string | null> {
  // The key names no workspace, so it is looked up with the owner's rights, by its unique index.
  const row = await inSystem(db, (trx) =>
    trx.selectFrom('loyalty_programs').select('workspace_id').where('public_key', '=', publicKey).executeTakeFirst(),
  );
  return row?.workspace_id ?? null;
}

/** Who acts for the public page and the portal in a club's workspace; see the top of this file. */
export function portalCtx(workspaceId: string, ip: string | undefined, locale: Locale): Ctx {
  return { workspaceId, actor: { type: 'system', id: null, role: 'agent', name: 'loyalty portal' }, ip, locale };
}

/** The club as the join page shows it: its terms, tiers and a few of its rewards. */
export async function clubFace(trx: Trx, ctx: Ctx, now: Date) {
  const program = await getProgram(trx, ctx);
  const rewards = await listRewards(trx, ctx, { limit: 50, active: 'true' });
  const live = rewards.items.filter((r) => (!r.startsAt || r.startsAt <= now) && (!r.endsAt || r.endsAt > now));
  return {
    name: program.name,
    joinTerms: program.joinTerms,
    messagesConsentText: messagesConsentText(program, ctx.locale ?? 'he'),
    status: program.status,
    earnPoints: program.earnPoints,
    earnPerAgorot: program.earnPerAgorot,
    redeemPoints: program.redeemPoints,
    redeemValueAgorot: program.redeemValueAgorot,
    tierBasis: program.tierBasis,
    tiers: program.tiers.map((t) => ({
      name: t.name,
      rank: t.rank,
      threshold: t.threshold,
      earnMultiplierPct: t.earnMultiplierPct,
      birthdayPoints: t.birthdayPoints,
      earlyAccess: t.earlyAccess,
      perks: t.perks,
    })),
    rewards: live
      .sort((a, b) => a.pointsCost - b.pointsCost)
      .slice(0, 6)
      .map((r) => ({
        id: r.id,
        name: r.name,
        description: r.description,
        pointsCost: r.pointsCost,
        minTierRank: r.minTierRank,
      })),
  };
}

type Address = { channel: 'email' | 'sms'; to: string; field: 'email' | 'phone' };

/** The addresses a request gives, normalised as the customers module keeps them; a bad one names its field. */
function addressesOf(input: { email?: string | undefined; phone?: string | undefined }): Address[] {
  const out: Address[] = [];
  if (input.email) {
    const email = normaliseEmail(input.email);
    if (!email) throw new AppError('VALIDATION', { fields: [{ field: 'email', message: 'email.invalid' }] });
    out.push({ channel: 'email', to: email, field: 'email' });
  }
  if (input.phone) {
    const phone = normalisePhone(input.phone);
    if (!phone) throw new AppError('VALIDATION', { fields: [{ field: 'phone', message: 'phone.invalid' }] });
    out.push({ channel: 'sms', to: phone, field: 'phone' });
  }
  if (out.length === 0) {
    throw new AppError('LOYALTY.PORTAL_CONTACT_REQUIRED', { fields: [{ field: 'email', message: 'required' }] });
  }
  return out;
}

/** The one address of a sign-in request: the email when both are given. */
function signInAddress(input: { email?: string | undefined; phone?: string | undefined }): Address {
  return addressesOf(input)[0]!;
}

/** Active customers with these addresses, the email's first. */
async function customersWith(trx: Trx, ctx: Ctx, addresses: Address[]): Promise<string[]> {
  const index = await findCustomersByKeys(trx, ctx, {
    externalIds: [],
    emails: addresses.filter((a) => a.channel === 'email').map((a) => a.to),
    phones: addresses.filter((a) => a.channel === 'sms').map((a) => a.to),
  });
  const ids: string[] = [];
  for (const a of addresses) {
    for (const id of (a.channel === 'email' ? index.byEmail : index.byPhone).get(a.to) ?? []) {
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/**
 * Someone joins on the public page: the customer with that email or phone,
 * or a new one, becomes a member (source 'portal'); the club-messages consent,
 * when given, is recorded in the customer's consent history with the text
 * shown; a referral code is credited to its member. A person who was a member
 * already gets the same reply and nothing changes: the page is open to anyone,
 * so it never changes an existing member's consent or names.
 */
export async function joinClub(
  trx: Trx,
  ctx: Ctx,
  body: {
    firstName: string;
    lastName?: string | undefined;
    email?: string | undefined;
    phone?: string | undefined;
    acceptTerms: boolean;
    messagesConsent: boolean;
    ref?: string | undefined;
  },
  now: Date,
) {
  const program = await getProgram(trx, ctx);
  if (!body.acceptTerms) {
    throw new AppError('LOYALTY.PORTAL_TERMS_REQUIRED', { fields: [{ field: 'acceptTerms', message: 'required' }] });
  }
  const addresses = addressesOf(body);
  let customerId = (await customersWith(trx, ctx, addresses))[0];
  if (!customerId) {
    const email = addresses.find((a) => a.channel === 'email')?.to ?? null;
    const phone = addresses.find((a) => a.channel === 'sms')?.to ?? null;
    try {
      const created = await createCustomer(trx, ctx, {
        firstName: body.firstName,
        lastName: body.lastName || null,
        email,
        phone,
        source: 'loyalty join page',
      });
      customerId = created.id;
    } catch (error) {
      // Another join with the same address got in first (createCustomer locks the identity): that customer.
      const duplicates =
        error instanceof AppError ? (error.extra.duplicates as { id: string }[] | undefined) : undefined;
      if (!(error instanceof AppError) || error.code !== 'CUSTOMER.DUPLICATE' || !duplicates?.[0]) throw error;
      customerId = duplicates[0].id;
    }
  }
  const { created } = await enrollMember(
    trx,
    ctx,
    { customerId, messagesConsent: body.messagesConsent, source: 'portal' },
    now,
  );
  if (created && body.messagesConsent) {
    const textShown = messagesConsentText(program, ctx.locale ?? 'he');
    for (const a of addresses) {
      await changeConsent(trx, ctx, customerId, {
        channel: a.channel,
        status: 'granted',
        source: 'loyalty join page',
        textShown,
      });
    }
  }
  if (created && body.ref) {
    try {
      await referFriend(trx, ctx, { friendCustomerId: customerId, referralCode: body.ref }, now);
    } catch (error) {
      // A mistyped or stale link still lets the friend join; it only credits nobody.
      if (!(error instanceof AppError) || error.code !== 'LOYALTY.REFERRAL_CODE_UNKNOWN') throw error;
    }
  }
  return { joined: true as const, clubName: program.name };
}

function codeText(program: Program, code: string, locale: Locale) {
  return locale === 'en'
    ? {
        subject: `Your sign-in code for ${program.name}`,
        body: `Your code to sign in to ${program.name}: ${code}\nIt is valid for ${CODE_MINUTES} minutes. If you did not ask for it, ignore this message.`,
      }
    : {
        subject: `קוד הכניסה שלך ל${program.name}`,
        body: `הקוד שלך לכניסה ל${program.name}: ${code}\nהקוד תקף ${CODE_MINUTES} דקות. אם לא ביקשת אותו, אפשר להתעלם מההודעה.`,
      };
}

const addressHash = (a: Address) => sha256(`${a.channel}:${a.to}`);
const codeHash = (id: string, code: string) => sha256(`${id}:${code}`);

/**
 * Asks for a sign-in code: a member with that address is sent one through the
 * outbox; anyone else gets the same reply and a code nobody is sent. An
 * address asked for more than CODES_PER_HOUR times in an hour is refused,
 * member or not. A new code ends the address's earlier ones.
 */
export async function requestCode(
  trx: Trx,
  ctx: Ctx,
  jobs: Pick<Jobs, 'sendWithin'>,
  input: { email?: string | undefined; phone?: string | undefined },
  now: Date,
) {
  const program = await getProgram(trx, ctx);
  const address = signInAddress(input);
  const hash = addressHash(address);
  // One request of an address at a time, so the hourly count below is the count.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`loyalty.portal_code ${ctx.workspaceId} ${hash}`}, 0))`.execute(
    trx,
  );
  const recent = await trx
    .selectFrom('loyalty_portal_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', ctx.workspaceId)
    .where('address_hash', '=', hash)
    .where('created_at', '>', subHours(now, 1))
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= CODES_PER_HOUR) throw new AppError('LOYALTY.PORTAL_TOO_MANY_CODES');
  const candidates = await customersWith(trx, ctx, [address]);
  const member = candidates.length
    ? await trx
        .selectFrom('loyalty_members')
        .select('customer_id')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('customer_id', 'in', candidates)
        .where('status', '=', 'active')
        .orderBy('joined_at')
        .executeTakeFirst()
    : undefined;
  await trx
    .updateTable('loyalty_portal_codes')
    .set({ expires_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('address_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const id = newId();
  const code = String(randomInt(1_000_000)).padStart(6, '0');
  await trx
    .insertInto('loyalty_portal_codes')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      channel: address.channel,
      address_hash: hash,
      customer_id: member?.customer_id ?? null,
      code_hash: codeHash(id, code),
      expires_at: addMinutes(now, CODE_MINUTES),
      created_at: now,
    })
    .execute();
  if (member) {
    const text = codeText(program, code, ctx.locale ?? 'he');
    await enqueueMessage(trx, ctx, jobs, {
      channel: address.channel,
      to: address.to,
      customerId: member.customer_id,
      ...(address.channel === 'email' ? { subject: text.subject } : {}),
      text: text.body,
      purpose: 'loyalty.portal_code',
      module: 'loyalty',
      idempotencyKey: `loyalty.otp:${id}`,
    });
  }
  return { sent: true as const, expiresInMinutes: CODE_MINUTES };
}

export type CodeCheck =
  | { ok: true; token: string; expiresAt: Date }
  | { ok: false; reason: 'LOYALTY.PORTAL_CODE_WRONG' | 'LOYALTY.PORTAL_CODE_EXPIRED' | 'LOYALTY.PORTAL_CODE_LOCKED' };

/**
 * Checks a sign-in code against the address's latest one. A wrong try counts
 * (the caller commits it, then refuses); the fifth wrong one ends the code.
 * The right one, in time, opens a session: its token goes to the member's
 * cookie, its hash to the table.
 */
export async function verifyCode(
  trx: Trx,
  ctx: Ctx,
  input: { email?: string | undefined; phone?: string | undefined; code: string },
  now: Date,
): Promise<CodeCheck> {
  await getProgram(trx, ctx);
  const hash = addressHash(signInAddress(input));
  const row = await trx
    .selectFrom('loyalty_portal_codes')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('address_hash', '=', hash)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'LOYALTY.PORTAL_CODE_WRONG' };
  if (row.attempts >= CODE_TRIES) return { ok: false, reason: 'LOYALTY.PORTAL_CODE_LOCKED' };
  if (row.used_at !== null || row.expires_at <= now) return { ok: false, reason: 'LOYALTY.PORTAL_CODE_EXPIRED' };
  const right = safeEqual(codeHash(row.id, input.code), row.code_hash) && row.customer_id !== null;
  if (!right) {
    await trx
      .updateTable('loyalty_portal_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', row.id)
      .execute();
    return {
      ok: false,
      reason: row.attempts + 1 >= CODE_TRIES ? 'LOYALTY.PORTAL_CODE_LOCKED' : 'LOYALTY.PORTAL_CODE_WRONG',
    };
  }
  await trx
    .updateTable('loyalty_portal_codes')
    .set({ used_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', row.id)
    .execute();
  const customerId = row.customer_id!;
  const member = await trx
    .selectFrom('loyalty_members')
    .select('status')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  // Left or merged since the code was sent.
  if (member?.status !== 'active') return { ok: false, reason: 'LOYALTY.PORTAL_CODE_EXPIRED' };
  const token = randomToken();
  const expiresAt = addDays(now, SESSION_DAYS);
  await trx
    .insertInto('loyalty_portal_sessions')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      customer_id: customerId,
      token_hash: sha256(token),
      expires_at: expiresAt,
      created_at: now,
      last_seen_at: now,
    })
    .execute();
  return { ok: true, token, expiresAt };
}

/** The member a session token signs in, in this club's workspace; null for none, ended, expired or left. */
export async function sessionMember(trx: Trx, ctx: Ctx, token: string, now: Date): Promise<string | null> {
  const row = await trx
    .selectFrom('loyalty_portal_sessions as s')
    .innerJoin('loyalty_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 's.workspace_id').onRef('m.customer_id', '=', 's.customer_id'),
    )
    .select(['s.customer_id', 'm.status'])
    .where('s.workspace_id', '=', ctx.workspaceId)
    .where('s.token_hash', '=', sha256(token))
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
  return row?.status === 'active' ? row.customer_id : null;
}

export async function endSession(trx: Trx, ctx: Ctx, token: string, now: Date): Promise<void> {
  await trx
    .updateTable('loyalty_portal_sessions')
    .set({ ended_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('token_hash', '=', sha256(token))
    .where('ended_at', 'is', null)
    .execute();
}

/** A page of the member's own bookings, newest first; a staff note shows only as a spend's reward name. */
export async function memberHistory(
  trx: Trx,
  ctx: Ctx,
  customerId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  const page = await listLedger(trx, ctx, customerId, query);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((l) => ({
      id: l.id,
      kind: l.kind,
      occurredAt: l.occurredAt,
      points: l.points,
      released: l.released,
      releaseAt: l.releaseAt,
      expiresAt: l.expiresAt,
      label: l.kind === 'spend' ? l.note || null : null,
    })),
  };
}

type Reason = 'points' | 'tier' | 'stock' | 'limit' | 'dates';

/** What the member sees of themselves: balance, pending, tier, history, rewards, coupons, referral, consent. */
export async function memberHome(trx: Trx, ctx: Ctx, customerId: string, now: Date, publicUrl: string) {
  const program = await getProgram(trx, ctx);
  const member = await getMember(trx, ctx, customerId, now);
  const tier = program.tiers.find((t) => t.id === member.tier?.id) ?? null;
  const next = member.nextTier ? program.tiers.find((t) => t.id === member.nextTier!.id) : undefined;
  const rewards = await listRewards(trx, ctx, { limit: 100, active: 'true' });
  const held = await trx
    .selectFrom('loyalty_coupons')
    .select(['reward_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('reward_id', 'is not', null)
    .where('status', '<>', 'voided')
    .groupBy('reward_id')
    .execute();
  const heldOf = new Map(held.map((h) => [h.reward_id, Number(h.n)]));
  const rank = tier?.rank ?? 0;
  const reasonFor = (r: (typeof rewards.items)[number]): Reason | null => {
    if ((r.startsAt && r.startsAt > now) || (r.endsAt && r.endsAt <= now)) return 'dates';
    if (r.stock !== null && r.stock <= 0) return 'stock';
    if (r.minTierRank !== null && rank < r.minTierRank) return 'tier';
    if (r.perMemberLimit !== null && (heldOf.get(r.id) ?? 0) >= r.perMemberLimit) return 'limit';
    if (member.available < r.pointsCost) return 'points';
    return null;
  };
  const coupons = await listMemberCoupons(trx, ctx, customerId, { limit: 50 });
  const referral = await referralLink(trx, ctx, customerId, publicUrl);
  return {
    club: { name: program.name, redeemPoints: program.redeemPoints, redeemValueAgorot: program.redeemValueAgorot },
    name: member.name,
    available: member.available,
    availableValue: member.availableValue,
    pending: member.pending,
    pendingLots: member.pendingLots,
    expiringSoon: member.expiringSoon,
    tier: tier ? { name: tier.name, rank: tier.rank, threshold: tier.threshold } : null,
    tierBasis: program.tierBasis,
    qualifyingValue: member.qualifyingValue,
    nextTier:
      next && member.nextTier
        ? { name: next.name, threshold: next.threshold, remaining: member.nextTier.remaining }
        : null,
    history: await memberHistory(trx, ctx, customerId, { limit: 20 }),
    rewards: rewards.items
      .filter((r) => !(r.endsAt && r.endsAt <= now))
      .sort((a, b) => a.pointsCost - b.pointsCost)
      .map((r) => {
        const reason = reasonFor(r);
        return {
          id: r.id,
          name: r.name,
          description: r.description,
          kind: r.kind,
          percentOff: r.percentOff,
          amountOff: r.amountOff,
          itemSku: r.itemSku,
          minBasket: r.minBasket,
          maxDiscount: r.maxDiscount,
          pointsCost: r.pointsCost,
          minTierRank: r.minTierRank,
          endsAt: r.endsAt,
          eligible: reason === null,
          reason,
        };
      }),
    coupons: coupons.items,
    referral: {
      code: referral.code,
      link: referral.link,
      enabled: referral.enabled,
      referrerPoints: referral.referrerPoints,
      friendPoints: referral.friendPoints,
    },
    messagesConsent: member.messagesConsent,
  };
}

/**
 * The member turns the club's messages on or off: the member's flag, which
 * the club's notices read, changes at once, and each of the member's
 * channels (email, SMS) gets a row in the consent history with the text shown.
 */
export async function setMessagesConsent(trx: Trx, ctx: Ctx, customerId: string, messages: boolean, now: Date) {
  const program = await findProgram(trx, ctx);
  if (!program) throw new AppError('LOYALTY.NO_PROGRAM');
  const customer = await getCustomer(trx, ctx, customerId);
  await trx
    .updateTable('loyalty_members')
    .set({ messages_consent: messages, updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'active')
    .execute();
  const channels: ('email' | 'sms')[] = [];
  if (customer.email) channels.push('email');
  if (customer.phone) channels.push('sms');
  for (const channel of channels) {
    await changeConsent(trx, ctx, customerId, {
      channel,
      status: messages ? 'granted' : 'revoked',
      source: 'loyalty portal',
      textShown: messagesConsentText(program, ctx.locale ?? 'he'),
    });
  }
  return { messagesConsent: messages };
}

/**
 * The portal's part of erasing a customer (the loyalty erase hook calls it): the person's sessions end and
 * their sign-in codes go. Neither holds the person's words (addresses are kept only as hashes).
 */
export async function erasePortal(trx: Trx, ctx: Ctx, customerId: string, now: Date): Promise<void> {
  await trx
    .updateTable('loyalty_portal_sessions')
    .set({ ended_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('ended_at', 'is', null)
    .execute();
  await trx
    .deleteFrom('loyalty_portal_codes')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .execute();
}
