// Past 400 lines on purpose: grants, keys and sign-in protection all act through the members member() invites and logs in; split, that helper would need a shared file of its own.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.ts';
import { inSystem, inWorkspace } from '../db/tenancy.ts';
import { buildApp } from '../server.ts';
import {
  createTestWorkspace,
  getTestApp,
  noJobs,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../test/harness.ts';
import { forgetApiKeys } from './api-keys.service.ts';
import { createApiKey, createInvitation, loginPolicy, normaliseEmail, throttleAddress } from './auth.service.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from './crypto.ts';
import { AppError } from './errors.ts';
import { mayGrant } from './grants.ts';
import type { Role } from './platform.tables.ts';

/**
 * Roles and accounts: nobody grants more than they hold, a key dies with its
 * maker's authority, nobody changes their own standing, and wrong passwords
 * slow down only the address they come from.
 */

let t: TestApp;
let ws: TestWorkspace;

let ipCounter = 0;
const freshIp = () => `10.11.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

type Member = {
  id: string;
  email: string;
  password: string;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
};

/** A user of the workspace with the given role, logged in (invited by the owner, who holds every role). */
async function member(role: Role): Promise<Member> {
  const email = `${role}-${randomToken(5)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}@staff.example`;
  const password = 'a long staff password';
  const invited = await ws.request({ method: 'POST', url: '/api/v1/invitations', payload: { email, role } });
  expect(invited.statusCode, invited.body).toBe(201);
  const token = String(invited.json().inviteUrl).split('/invite/')[1];
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/invitations/${token}/accept`,
    headers: { 'x-forwarded-for': freshIp() },
    payload: { name: role, password },
  });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = `klient_session=${res.cookies.find((c) => c.name === 'klient_session')?.value}`;
  const csrf = res.json().csrfToken as string;
  return {
    id: res.json().user.id,
    email,
    password,
    request: ({ headers, ...options }) =>
      t.app.inject({ ...options, headers: { cookie, 'x-csrf-token': csrf, 'x-forwarded-for': freshIp(), ...headers } }),
  };
}

const withKey = (key: string, options: InjectOptions) =>
  t.app.inject({ ...options, headers: { authorization: `Bearer ${key}`, ...options.headers } });

async function newKey(by: (o: InjectOptions) => Promise<LightMyRequestResponse>, role: Role): Promise<string> {
  const res = await by({ method: 'POST', url: '/api/v1/api-keys', payload: { name: `${role} key`, role } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key;
}

const roleOf = async (id: string) =>
  (await ws.request({ method: 'GET', url: '/api/v1/users' })).json().items.find((u: { id: string }) => u.id === id)
    ?.role;

function expectRoleAboveOwn(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBe(403);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({
    code: 'AUTH.ROLE_ABOVE_OWN',
    errors: [expect.objectContaining({ field: 'role' })],
  });
}

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'תפקידים');
});

describe('nobody grants more than they hold', () => {
  it('the rule: an owner grants any role, an admin any but owner, the rest only roles within their own', () => {
    expect(mayGrant('owner', 'owner')).toBe(true);
    expect(mayGrant('admin', 'owner')).toBe(false);
    expect(mayGrant('admin', 'admin')).toBe(true);
    expect(mayGrant('admin', 'marketer')).toBe(true);
    expect(mayGrant('agent', 'marketer')).toBe(false);
    expect(mayGrant('marketer', 'shopper')).toBe(true);
    expect(mayGrant('analyst', 'agent')).toBe(false);
  });

  it('an admin cannot make an owner key and use it to become owner', async () => {
    const admin = await member('admin');
    const adminKey = await newKey(admin.request, 'admin');
    // The attack the issue saw: an owner key from an admin, then a self-promotion with it.
    expectRoleAboveOwn(
      await admin.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'up', role: 'owner' } }),
    );
    expectRoleAboveOwn(
      await withKey(adminKey, { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'up', role: 'owner' } }),
    );
    // Nor through an invitation to an address of their own, nor by promoting a colleague.
    expectRoleAboveOwn(
      await admin.request({
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: 'second-me@attacker.example', role: 'owner' },
      }),
    );
    const colleague = await member('agent');
    expectRoleAboveOwn(
      await admin.request({ method: 'PATCH', url: `/api/v1/users/${colleague.id}`, payload: { role: 'owner' } }),
    );
    expect(await roleOf(admin.id)).toBe('admin');
    expect(await roleOf(colleague.id)).toBe('agent');
    const keys = (await ws.request({ method: 'GET', url: '/api/v1/api-keys' })).json().items;
    expect(keys.filter((k: { role: string }) => k.role === 'owner')).toHaveLength(1); // the harness's own

    // Up to their own role they may.
    await newKey(admin.request, 'admin');
    await newKey((o) => withKey(adminKey, o), 'analyst');
    const promoted = await admin.request({
      method: 'PATCH',
      url: `/api/v1/users/${colleague.id}`,
      payload: { role: 'admin' },
    });
    expect(promoted.statusCode, promoted.body).toBe(200);
  });

  it('only an owner makes an owner, keys too', async () => {
    const ownerKey = await newKey(ws.request, 'owner');
    const fromOwnerKey = await withKey(ownerKey, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'owner too', role: 'owner' },
    });
    expect(fromOwnerKey.statusCode, fromOwnerKey.body).toBe(201);
    const invited = await ws.request({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: `co-owner-${randomToken(4).toLowerCase()}@staff.example`, role: 'owner' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
  });

  it('the services hold the cap too, for the CLI and any later caller', async () => {
    const admin = await member('admin');
    const ctx = {
      workspaceId: ws.workspaceId,
      actor: { type: 'user' as const, id: admin.id, role: 'admin' as const, name: 'x' },
    };
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) => createApiKey(trx, ctx, { name: 'cli', role: 'owner' })),
    ).rejects.toBeInstanceOf(AppError);
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        createInvitation(trx, ctx, { email: 'cli-owner@staff.example', role: 'owner' }),
      ),
    ).rejects.toMatchObject({ code: 'AUTH.ROLE_ABOVE_OWN' });
  });

  it("an invitation lapses when its inviter is disabled or no longer holds the invitation's role", async () => {
    const admin = await member('admin');
    const adminKey = await newKey(admin.request, 'admin');
    const invite = async (by: (o: InjectOptions) => Promise<LightMyRequestResponse>) => {
      const res = await by({
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: `late-${randomToken(4).toLowerCase()}@staff.example`, role: 'admin' },
      });
      expect(res.statusCode, res.body).toBe(201);
      return String(res.json().inviteUrl).split('/invite/')[1];
    };
    const direct = await invite(admin.request);
    const byKey = await invite((o) => withKey(adminKey, o));
    const lowered = await ws.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { role: 'agent' } });
    expect(lowered.statusCode).toBe(200);
    for (const token of [direct, byKey]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/invitations/${token}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('AUTH.INVITATION_INVALID');
    }
  });
});

describe("a key lives by its maker's authority", () => {
  const customers = { method: 'GET' as const, url: '/api/v1/customers' };

  it("a disabled user's keys get 401 on the very next request, and work again when they are enabled", async () => {
    const admin = await member('admin');
    const key = await newKey(admin.request, 'agent');
    // An agent key may not make keys at all; an admin key may, and its keys share its maker.
    const keyOfKey = await withKey(key, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'k', role: 'agent' },
    });
    expect(keyOfKey.statusCode).toBe(403);
    const adminKey = await newKey(admin.request, 'admin');
    const grandchild = await newKey((o) => withKey(adminKey, o), 'analyst');
    for (const k of [key, adminKey, grandchild]) expect((await withKey(k, customers)).statusCode).toBe(200);

    const disabled = await ws.request({
      method: 'PATCH',
      url: `/api/v1/users/${admin.id}`,
      payload: { status: 'disabled' },
    });
    expect(disabled.statusCode).toBe(200);
    for (const k of [key, adminKey, grandchild]) {
      const res = await withKey(k, customers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('AUTH.UNAUTHENTICATED');
    }
    await ws.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { status: 'active' } });
    expect((await withKey(key, customers)).statusCode).toBe(200);
  });

  it('a key above its maker’s new role stops at once; one within it goes on', async () => {
    const admin = await member('admin');
    const adminKey = await newKey(admin.request, 'admin');
    const analystKey = await newKey(admin.request, 'analyst');
    expect((await withKey(adminKey, customers)).statusCode).toBe(200);
    expect((await withKey(analystKey, customers)).statusCode).toBe(200);
    await ws.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { role: 'analyst' } });
    expect((await withKey(adminKey, customers)).statusCode).toBe(401);
    expect((await withKey(analystKey, customers)).statusCode).toBe(200);
  });

  it('a removed user’s keys stop at once', async () => {
    const admin = await member('admin');
    const key = await newKey(admin.request, 'agent');
    expect((await withKey(key, customers)).statusCode).toBe(200);
    // No route removes a user; a row gone by any other way must not leave its keys alive.
    await inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
      await trx
        .deleteFrom('sessions')
        .where('workspace_id', '=', ws.workspaceId)
        .where('user_id', '=', admin.id)
        .execute();
      await trx.deleteFrom('users').where('workspace_id', '=', ws.workspaceId).where('id', '=', admin.id).execute();
    });
    // The lookup cache is emptied by changes made through Klient; a row deleted behind its back waits out the cache.
    forgetApiKeys();
    expect((await withKey(key, customers)).statusCode).toBe(401);
  });

  it('a key in use while its maker is disabled is not kept alive by a lookup under way', async () => {
    const admin = await member('admin');
    const key = await newKey(admin.request, 'agent');
    forgetApiKeys();
    // Requests with the key race the disabling; whatever they answered, the next one is refused.
    const racing = Array.from({ length: 8 }, () => withKey(key, customers));
    const disabled = ws.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { status: 'disabled' } });
    await Promise.all([...racing, disabled]);
    expect((await withKey(key, customers)).statusCode).toBe(401);
  });
});

describe('nobody changes their own role or status', () => {
  it('an admin can neither raise, lower nor disable themselves, by session or by their key', async () => {
    const admin = await member('admin');
    const key = await newKey(admin.request, 'admin');
    for (const payload of [{ role: 'owner' }, { role: 'agent' }, { status: 'disabled' }]) {
      for (const res of [
        await admin.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload }),
        await withKey(key, { method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload }),
      ]) {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().code).toBe('USER.SELF_CHANGE');
      }
    }
    expect(await roleOf(admin.id)).toBe('admin');
    // Sending what they already have changes nothing and is fine.
    const same = await admin.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { role: 'admin' } });
    expect(same.statusCode).toBe(200);
  });
});

describe('sign-in protection', () => {
  const loginVia = (app: TestApp['app'], email: string, password: string, ip: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': ip },
      payload: { email, password },
    });
  const login = (email: string, password: string, ip: string) => loginVia(t.app, email, password, ip);
  const unknownEmail = () =>
    `nobody-${randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}@staff.example`;
  /** Lets the time pass: the wait the address is under for this email ends now. */
  const waitOut = (email: string, ip: string) =>
    inSystem(t.database.db, (trx) =>
      sql`update klient_system.login_throttles set blocked_until = now() - interval '1 second'
          where email_hash = ${sha256(normaliseEmail(email))} and address = ${ip}`.execute(trx),
    );

  it('12 wrong passwords at once count as 12, and only the free ones are checked', async () => {
    const victim = await member('agent');
    const attacker = freshIp();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(victim.email, `wrong password ${i}`, attacker)),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    const checked = loginPolicy.freeFailures + 1;
    expect(statuses).toEqual([...Array(checked).fill(401), ...Array(12 - checked).fill(429)]);
    for (const res of answers.filter((r) => r.statusCode === 429)) {
      expect(res.headers['content-type']).toContain('application/problem+json');
      const body = res.json();
      expect(body.code).toBe('AUTH.LOCKED');
      expect(body.retryAfter).toBeGreaterThan(0);
      expect(body.retryAfter).toBeLessThanOrEqual(loginPolicy.firstDelayS);
      expect(Number(res.headers['retry-after'])).toBe(body.retryAfter);
      expect(new Date(body.retryAt).getTime()).toBeGreaterThan(Date.now());
    }
    // Once the wait is over, the next failure is the 13th: its wait is the longest, not the second step.
    await waitOut(victim.email, attacker);
    expect((await login(victim.email, 'wrong again', attacker)).statusCode).toBe(401);
    const next = await login(victim.email, victim.password, attacker);
    expect(next.statusCode).toBe(429);
    expect(next.json().retryAfter).toBeGreaterThan(loginPolicy.maxDelayS - 5);
  });

  it("a stranger's wrong passwords never delay the owner on their own machine", async () => {
    const victim = await member('admin');
    const stranger = freshIp();
    const home = freshIp();
    for (let i = 0; i < 8; i++) await login(victim.email, 'guessing', stranger);
    expect((await login(victim.email, victim.password, stranger)).statusCode).toBe(429);
    const own = await login(victim.email, victim.password, home);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().user.id).toBe(victim.id);
    // And the owner's success does not free the stranger.
    expect((await login(victim.email, victim.password, stranger)).statusCode).toBe(429);
  });

  it('the wait grows with each failure, and a right password after it starts the address over', async () => {
    const victim = await member('analyst');
    const ip = freshIp();
    for (let i = 0; i < loginPolicy.freeFailures; i++) {
      expect((await login(victim.email, 'nope nope', ip)).statusCode).toBe(401);
    }
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await login(victim.email, 'nope nope', ip)).statusCode).toBe(401);
      const refused = await login(victim.email, victim.password, ip);
      expect(refused.statusCode).toBe(429);
      waits.push(refused.json().retryAfter);
      await waitOut(victim.email, ip);
    }
    // 30 s, then 120 s, then 480 s: the refused try in each wait counts as a failure too.
    expect(waits[0]).toBeLessThanOrEqual(loginPolicy.firstDelayS);
    expect(waits[1]).toBeGreaterThan(waits[0] ?? 0);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? 0);
    expect((await login(victim.email, victim.password, ip)).statusCode).toBe(200);
    for (let i = 0; i < loginPolicy.freeFailures; i++) {
      expect((await login(victim.email, 'nope nope', ip)).statusCode).toBe(401);
    }
  });

  it('counts an IPv6 client by its /64 network, which one household or server holds whole', async () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');

    const victim = await member('agent');
    for (let i = 0; i <= loginPolicy.freeFailures; i++) await login(victim.email, 'nope nope', '2001:db8:7:7::1');
    expect((await login(victim.email, victim.password, '2001:db8:7:7:ffff::2')).statusCode).toBe(429);
    expect((await login(victim.email, victim.password, '2001:db8:7:8::1')).statusCode).toBe(200);
  });

  it('an address that must wait is written in the audit log once', async () => {
    const victim = await member('marketer');
    const ip = freshIp();
    for (let i = 0; i < loginPolicy.freeFailures + 3; i++) await login(victim.email, 'nope nope', ip);
    const audit = (
      await ws.request({ method: 'GET', url: `/api/v1/audit?entityType=user&entityId=${victim.id}` })
    ).json().items;
    const entries = audit.filter((e: { action: string }) => e.action === 'user.locked_out');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ after: { address: ip } });
  });

  it('answers a known and an unknown email alike, try after try, from every address', async () => {
    const known = await member('agent');
    const unknown = unknownEmail();
    /** What a caller sees of an answer, less what differs between any two answers (date, length). */
    const seen = (res: LightMyRequestResponse) => {
      const body = res.json() as Record<string, unknown>;
      return {
        status: res.statusCode,
        code: body.code,
        fields: Object.keys(body).sort(),
        headers: Object.keys(res.headers)
          .filter((h) => h !== 'date' && h !== 'content-length')
          .sort(),
        retryAfter: res.headers['retry-after'] === undefined ? null : Number(res.headers['retry-after']),
      };
    };
    const sameAnswers = (a: ReturnType<typeof seen>, b: ReturnType<typeof seen>, label: string) => {
      // A wait read a moment later may be a second shorter.
      expect(Math.abs((a.retryAfter ?? 0) - (b.retryAfter ?? 0)), label).toBeLessThanOrEqual(1);
      expect({ ...a, retryAfter: a.retryAfter !== null }, label).toEqual({ ...b, retryAfter: b.retryAfter !== null });
    };
    const [knownIp, unknownIp] = [freshIp(), freshIp()];
    const statuses: number[] = [];
    for (let i = 0; i < loginPolicy.freeFailures + 4; i++) {
      const a = seen(await login(known.email, `wrong ${i}`, knownIp));
      // The unknown email as a person types it: the throttle counts it normalised.
      const b = seen(await login(i % 2 ? ` ${unknown.toUpperCase()}` : unknown, `wrong ${i}`, unknownIp));
      sameAnswers(a, b, `attempt ${i + 1}`);
      statuses.push(a.status);
    }
    expect(statuses).toEqual([...Array(loginPolicy.freeFailures + 1).fill(401), 429, 429, 429]);
    // The right password changes nothing during the wait; another address is not slowed down.
    sameAnswers(
      seen(await login(known.email, known.password, knownIp)),
      seen(await login(unknown, known.password, unknownIp)),
      'right password while waiting',
    );
    sameAnswers(
      seen(await login(known.email, 'wrong elsewhere', freshIp())),
      seen(await login(unknown, 'wrong elsewhere', freshIp())),
      'another address',
    );
  });

  it('checks a password against a hash for an unknown email too, so its answer takes as long', async () => {
    const known = await member('analyst');
    const unknown = unknownEmail();
    /** CPU time (ms, all of the process's threads): unlike the clock, other work on the machine does not add to it. */
    const time = async (run: () => Promise<unknown>) => {
      const started = process.cpuUsage();
      await run();
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 1000;
    };
    const wrong = (email: string) => async () =>
      expect((await login(email, 'not the password', freshIp())).statusCode).toBe(401);
    const hash = await hashPassword('a password');
    await time(wrong(unknown)); // the first one makes the stand-in hash
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    const hashTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      knownTimes.push(await time(wrong(known.email)));
      unknownTimes.push(await time(wrong(unknown)));
      hashTimes.push(await time(() => verifyPassword(hash, 'not the password')));
    }
    // The least of each (noise only ever adds): an argon2id check is most of a wrong login's work,
    // and an answer without one takes a small part of it.
    const label = `known ${knownTimes.join()} unknown ${unknownTimes.join()} hash ${hashTimes.join()}`;
    expect(Math.min(...unknownTimes), label).toBeGreaterThan(Math.min(...hashTimes) * 0.6);
    expect(Math.min(...unknownTimes), label).toBeGreaterThan(Math.min(...knownTimes) * 0.6);
  });

  it('counts in the database, so a second server of it answers a known and an unknown email alike', async () => {
    const known = await member('agent');
    const unknown = unknownEmail();
    const url = process.env.KLIENT_TEST_PG_URL;
    // On PostgreSQL a second server has its own pool; PGlite has one process, so a second app over it.
    const second: Database =
      testDatabaseKind === 'postgres' && url
        ? await openDatabase({ kind: 'postgres', connectionString: url, max: 4 })
        : t.database;
    const appB = await buildApp({ database: second, jobs: noJobs, logLevel: 'error', trustProxy: true });
    try {
      await appB.ready();
      const [knownIp, unknownIp] = [freshIp(), freshIp()];
      for (let i = 0; i <= loginPolicy.freeFailures; i++) {
        expect((await login(known.email, `wrong ${i}`, knownIp)).statusCode).toBe(401);
        expect((await login(unknown, `wrong ${i}`, unknownIp)).statusCode).toBe(401);
      }
      const fromB = [
        await loginVia(appB, known.email, known.password, knownIp),
        await loginVia(appB, unknown, known.password, unknownIp),
      ];
      expect(fromB.map((r) => r.statusCode)).toEqual([429, 429]);
      const waits = fromB.map((r) => Number(r.headers['retry-after']));
      expect(Math.abs((waits[0] ?? 0) - (waits[1] ?? 0))).toBeLessThanOrEqual(1);
      expect(waits[0]).toBeGreaterThan(0);
      // Both counts are rows of the database, and nothing else: once they go, both emails start over on both apps.
      const rows = await inSystem(t.database.db, async (trx) => {
        const { rows } = await sql<{ email_hash: string; failures: number }>`
          delete from klient_system.login_throttles where address in (${knownIp}, ${unknownIp})
          returning email_hash, failures`.execute(trx);
        return rows;
      });
      expect(rows.sort((a, b) => a.failures - b.failures || a.email_hash.localeCompare(b.email_hash))).toEqual(
        [
          { email_hash: sha256(known.email), failures: loginPolicy.freeFailures + 2 },
          { email_hash: sha256(unknown), failures: loginPolicy.freeFailures + 2 },
        ].sort((a, b) => a.email_hash.localeCompare(b.email_hash)),
      );
      expect((await login(unknown, 'wrong again', unknownIp)).statusCode).toBe(401);
      expect((await loginVia(appB, unknown, 'wrong again', unknownIp)).statusCode).toBe(401);
      expect((await loginVia(appB, known.email, known.password, knownIp)).statusCode).toBe(200);
    } finally {
      await appB.close();
      if (second !== t.database) await second.close();
    }
  });

  it('keeps no email in clear, forgets a day-old count as the next failure comes, and no workspace reads it', async () => {
    const unknown = unknownEmail();
    const ip = freshIp();
    const stale = sha256(`stale-${randomToken(6)}`);
    await inSystem(t.database.db, (trx) =>
      sql`insert into klient_system.login_throttles (email_hash, address, failures, checked, last_failed_at)
          values (${stale}, ${ip}, 3, 3, now() - interval '25 hours')`.execute(trx),
    );
    expect((await login(` ${unknown.toUpperCase()} `, 'wrong', ip)).statusCode).toBe(401);
    const left = await inSystem(t.database.db, async (trx) => {
      const { rows } = await sql<{ row: string }>`
        select t::text as row from klient_system.login_throttles t where address = ${ip}`.execute(trx);
      return rows.map((r) => r.row);
    });
    expect(left).toHaveLength(1);
    expect(left[0]).toContain(sha256(unknown));
    expect(left[0]).not.toContain('nobody-');
    // A workspace transaction runs as klient_app, which has no rights on the system schema.
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) =>
        sql`select count(*) from klient_system.login_throttles`.execute(trx),
      ),
    ).rejects.toThrow(/permission denied/);
  });
});
