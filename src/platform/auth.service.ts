import { isIPv6 } from 'node:net';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../db/tenancy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, Ctx } from './context.ts';
import { hashPassword, newId, randomToken, sha256, verifyPassword } from './crypto.ts';
import { AppError } from './errors.ts';
import type { Locale } from './messages.ts';
import {
  getWorkspace,
  grantFor,
  normaliseEmail,
  type PublicWorkspace,
  type ResolvedAuth,
  type SessionGrant,
} from './sessions.ts';

/**
 * Login throttling, per email and client address, whether or not an account
 * has the email (README, "Roles and sign-in"): the first `freeFailures` wrong
 * passwords cost nothing; from then on each failure makes that address wait
 * before its next try, `firstDelayS` doubled with every failure up to
 * `maxDelayS`. A day without failures starts over. Counted in the database
 * (klient_system.login_throttles), so every server of it reads one count.
 */
export const loginPolicy = { freeFailures: 4, firstDelayS: 30, maxDelayS: 15 * 60, forgetAfterH: 24 };
let dummyHash: Promise<string> | undefined;

export async function updateWorkspace(
  trx: Trx,
  ctx: Ctx,
  patch: {
    name?: string | undefined;
    locale?: Locale | undefined;
    currency?: string | undefined;
    timeZone?: string | undefined;
  },
): Promise<PublicWorkspace> {
  const before = await getWorkspace(trx, ctx.workspaceId);
  const values: Record<string, string> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.locale !== undefined) values.locale = patch.locale;
  if (patch.currency !== undefined) values.currency = patch.currency;
  if (patch.timeZone !== undefined) values.time_zone = patch.timeZone;
  if (Object.keys(values).length > 0) {
    await trx.updateTable('workspaces').set(values).where('id', '=', ctx.workspaceId).execute();
  }
  const after = await getWorkspace(trx, ctx.workspaceId);
  await recordAudit(trx, ctx, {
    action: 'workspace.updated',
    entityType: 'workspace',
    entityId: ctx.workspaceId,
    before,
    after,
  });
  return after;
}

export async function isSetupNeeded(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('workspaces').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n === 0;
}

/** Creates a workspace with its owner; used by first-run setup, the CLI and tests. */
export async function createWorkspace(
  db: Kysely<DB>,
  input: { name: string; ownerName: string; ownerEmail: string; ownerPassword: string; locale?: Locale },
  options: { onlyIfFirst?: boolean } = {},
): Promise<{ workspaceId: string; ownerId: string }> {
  const workspaceId = newId();
  const ownerId = newId();
  const passwordHash = await hashPassword(input.ownerPassword);
  await inSystem(db, async (trx) => {
    if (options.onlyIfFirst) {
      // Two first-run setups at once: the second waits here for the first, then finds its workspace.
      await sql`select pg_advisory_xact_lock(hashtextextended('klient.setup', 0))`.execute(trx);
      const existing = await trx.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
      if (existing) throw new AppError('AUTH.SETUP_DONE');
    }
    await trx
      .insertInto('workspaces')
      .values({ id: workspaceId, name: input.name, locale: input.locale ?? 'he' })
      .execute();
  });
  await inWorkspace(db, workspaceId, async (trx) => {
    await trx
      .insertInto('users')
      .values({
        workspace_id: workspaceId,
        id: ownerId,
        email: normaliseEmail(input.ownerEmail),
        name: input.ownerName,
        password_hash: passwordHash,
        role: 'owner',
        locale: input.locale ?? 'he',
      })
      .execute();
    const ctx: Ctx = { workspaceId, actor: { type: 'system', id: null, role: 'owner', name: 'system' } };
    await recordAudit(trx, ctx, {
      action: 'user.created',
      entityType: 'user',
      entityId: ownerId,
      after: { email: normaliseEmail(input.ownerEmail), role: 'owner' },
    });
  });
  return { workspaceId, ownerId };
}

export async function setupFirstWorkspace(
  db: Kysely<DB>,
  input: { businessName: string; ownerName: string; email: string; password: string; locale: Locale },
): Promise<SessionGrant> {
  if (!(await isSetupNeeded(db))) throw new AppError('AUTH.SETUP_DONE');
  const { workspaceId, ownerId } = await createWorkspace(
    db,
    {
      name: input.businessName,
      ownerName: input.ownerName,
      ownerEmail: input.email,
      ownerPassword: input.password,
      locale: input.locale,
    },
    { onlyIfFirst: true },
  );
  return inWorkspace(db, workspaceId, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return grantFor(trx, user);
  });
}

type Attempt = { checked: boolean; failures: number; retryAt: Date | null };

/**
 * The client address as the throttle counts it: an IPv4 address as it is, an
 * IPv6 one by its /64 network, which one household or server holds whole
 * (counting single IPv6 addresses would give each of its 2^64 a fresh start).
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const bare = ip.split('%')[0] ?? ip;
  if (!isIPv6(bare) || bare.includes('.')) return ip;
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** How many day-old rows one failed attempt deletes at most (see countAttempt). */
const STALE_ROWS_DELETED = 100;

/**
 * Counts one attempt on (email, address) in a single statement, so parallel
 * attempts each count, on every server of the database. The email need not
 * belong to an account: the count is the same either way, so the answers are.
 * An attempt made while the address must wait is counted but its password is
 * not checked; the wait it is under does not move.
 */
async function countAttempt(trx: Trx, emailHash: string, address: string): Promise<Attempt> {
  const { freeFailures, firstDelayS, maxDelayS, forgetAfterH } = loginPolicy;
  // Rows a day old mean nothing (prior below reads them as 0): each attempt deletes a few, so the
  // table holds about a day of failures. SKIP LOCKED: parallel attempts never wait on each other here.
  await sql`
    delete from klient_system.login_throttles where ctid in (
      select ctid from klient_system.login_throttles
      where last_failed_at < now() - make_interval(hours => ${forgetAfterH})
      limit ${STALE_ROWS_DELETED} for update skip locked)`.execute(trx);
  // The failures before this attempt: none once a day has passed without one.
  const prior = sql<number>`(case when t.last_failed_at < now() - make_interval(hours => ${forgetAfterH}) then 0 else t.failures end)`;
  const waiting = sql<boolean>`(t.blocked_until is not null and t.blocked_until > now())`;
  const delayAfter = (failures: ReturnType<typeof sql<number>>) =>
    sql`case when ${failures} > ${freeFailures} then now() + make_interval(secs => least(${maxDelayS}::float8, ${firstDelayS}::float8 * power(2, ${failures} - ${freeFailures} - 1))) end`;
  // The wait is read as seconds from the database's clock and dated by this server's. The clock, not
  // now(): an attempt that queued behind a parallel one's row lock began before that one set the wait.
  const { rows } = await sql<{ failures: number; checked: number; wait_s: number | null }>`
    insert into klient_system.login_throttles as t (email_hash, address, failures, checked, blocked_until, last_failed_at)
    values (${emailHash}, ${address}, 1, 1, ${delayAfter(sql<number>`1`)}, now())
    on conflict (email_hash, address) do update set
      failures = ${prior} + 1,
      checked = case when ${waiting} then t.checked else ${prior} + 1 end,
      blocked_until = case when ${waiting} then t.blocked_until else ${delayAfter(sql<number>`${prior} + 1`)} end,
      last_failed_at = now()
    returning failures, checked, extract(epoch from blocked_until - clock_timestamp())::float8 as wait_s`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('login_throttles upsert returned no row');
  const checked = row.checked === row.failures;
  const retryAt = !checked && row.wait_s !== null ? new Date(Date.now() + Number(row.wait_s) * 1000) : null;
  return { checked, failures: row.failures, retryAt };
}

/** A password check that fails, as long as a real one: for an email without an account (or a password). */
async function checkNoPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomToken());
  await verifyPassword(await dummyHash, password);
  return false;
}

/**
 * Password login. Wrong passwords slow down the address they come from, for
 * that email only (see loginPolicy), whether or not an account has it: an
 * unknown email is counted by the same statement on the same table, and gets
 * the same answers, with the same waits, after the same password-hash check.
 * Each attempt is counted before its password is checked, so parallel
 * attempts cannot slip past the count.
 */
export async function login(
  db: Kysely<DB>,
  email: string,
  password: string,
  clientIp = 'unknown',
): Promise<SessionGrant> {
  const address = throttleAddress(clientIp);
  const normalised = normaliseEmail(email);
  // Only a hash of the email is stored: the table keeps nobody's address as typed.
  const emailHash = sha256(normalised);
  // One transaction finds the accounts and counts the attempt, whether or not it found any.
  const { users, attempt } = await inSystem(db, async (trx) => {
    const users = await trx
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalised)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute();
    return { users, attempt: await countAttempt(trx, emailHash, address) };
  });
  if (!attempt.checked) {
    const at = attempt.retryAt ?? new Date(Date.now() + 1000);
    const retryAfter = Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));
    throw new AppError('AUTH.LOCKED', { extra: { retryAfter, retryAt: at.toISOString() } });
  }
  if (users.length === 0) await checkNoPassword(password);
  for (const user of users) {
    const right = user.password_hash
      ? await verifyPassword(user.password_hash, password)
      : await checkNoPassword(password);
    if (!right) continue;
    // This address starts over for this email; other addresses' counts stay.
    await inSystem(db, (trx) =>
      trx
        .deleteFrom('klient_system.login_throttles')
        .where('email_hash', '=', emailHash)
        .where('address', '=', address)
        .execute(),
    );
    return inWorkspace(db, user.workspace_id, async (trx) => {
      await trx
        .updateTable('users')
        .set({ last_login_at: new Date() })
        .where('workspace_id', '=', user.workspace_id)
        .where('id', '=', user.id)
        .execute();
      return grantFor(trx, user);
    });
  }
  if (attempt.failures === loginPolicy.freeFailures + 1) {
    // The first wait for this address: worth a line in the audit log of each workspace the email signs in to.
    for (const user of users) {
      await inWorkspace(db, user.workspace_id, (trx) =>
        recordAudit(
          trx,
          {
            workspaceId: user.workspace_id,
            actor: { type: 'system', id: null, role: 'owner', name: 'system' },
            ip: address,
          },
          { action: 'user.locked_out', entityType: 'user', entityId: user.id, after: { address } },
        ),
      );
    }
  }
  throw new AppError('AUTH.INVALID_CREDENTIALS');
}

export async function logout(db: Kysely<DB>, workspaceId: string, sessionId: string): Promise<void> {
  await inWorkspace(db, workspaceId, (trx) =>
    trx.deleteFrom('sessions').where('workspace_id', '=', workspaceId).where('id', '=', sessionId).execute(),
  );
}

export async function resolveSession(db: Kysely<DB>, token: string): Promise<ResolvedAuth | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 's.workspace_id').onRef('u.id', '=', 's.user_id'),
    )
    .select([
      's.id as session_id',
      's.workspace_id',
      's.csrf_token',
      'u.id',
      'u.name',
      'u.role',
      'u.locale',
      'u.status',
    ])
    .where('s.token_hash', '=', sha256(token))
    .where('s.expires_at', '>', new Date())
    .executeTakeFirst();
  if (row?.status !== 'active') return null;
  const actor: Actor = { type: 'user', id: row.id, role: row.role, name: row.name };
  return {
    ctx: { workspaceId: row.workspace_id, actor },
    csrfToken: row.csrf_token,
    sessionId: row.session_id,
    locale: row.locale,
  };
}

export { createApiKey, listApiKeys, resolveApiKey, revokeApiKey } from './api-keys.service.ts';
export {
  getWorkspace,
  grantFor,
  normaliseEmail,
  type PublicUser,
  type PublicWorkspace,
  type ResolvedAuth,
  SESSION_DAYS,
  type SessionGrant,
  toPublicUser,
} from './sessions.ts';
export {
  acceptInvitation,
  createInvitation,
  describeInvitation,
  listUsers,
  me,
  setUserLocale,
  updateUser,
} from './users.service.ts';
