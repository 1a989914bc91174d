// Past 400 lines on purpose: first-run setup needs a database with no workspace, so this file opens its own, and every later flow acts as the owner that setup made.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { buildApp } from '../server.ts';
import { noJobs } from '../test/harness.ts';
import { randomToken } from './crypto.ts';

/**
 * First-run setup, login, invitations, users, API keys and settings, on a
 * database of its own: setup is only possible while no workspace exists, and
 * the shared test database already has many.
 */

let database: Database;
let app: FastifyInstance;
let dropDatabase: (() => Promise<void>) | undefined;

// Background jobs are not part of these flows: noJobs speaks the interface.

async function openFreshDatabase(): Promise<Database> {
  const url = process.env.KLIENT_TEST_PG_URL;
  if (!url) {
    const fresh = await openDatabase({ kind: 'pglite', dataDir: undefined });
    await migrateToLatest(fresh.db as never);
    return fresh;
  }
  const name = `klient_auth_${Date.now()}_${randomToken(4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  dropDatabase = async () => {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  };
  const fresh = await openDatabase({ kind: 'postgres', connectionString: target.toString(), max: 4 });
  await migrateToLatest(fresh.db as never);
  return fresh;
}

let ipCounter = 0;
const freshIp = () => `10.8.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

type Session = {
  cookie: string;
  csrfToken: string;
  user: { id: string; email: string; role: string };
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
};

function sessionFrom(res: LightMyRequestResponse): Session {
  expect(res.statusCode, res.body).toBeLessThan(300);
  const cookie = res.cookies.find((c) => c.name === 'klient_session');
  expect(cookie?.value).toBeTruthy();
  const body = res.json();
  const header = `klient_session=${cookie?.value}`;
  return {
    cookie: header,
    csrfToken: body.csrfToken,
    user: body.user,
    request: ({ headers, ...options }) =>
      app.inject({
        ...options,
        headers: { cookie: header, 'x-csrf-token': body.csrfToken, 'x-forwarded-for': freshIp(), ...headers },
      }),
  };
}

const login = (email: string, password: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'x-forwarded-for': freshIp() },
    payload: { email, password },
  });

const ownerEmail = 'owner@setup.example';
const ownerPassword = 'a long owner password';
let owner: Session;

async function invite(by: Session, email: string, role: string) {
  const res = await by.request({ method: 'POST', url: '/api/v1/invitations', payload: { email, role } });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return { ...body, token: String(body.inviteUrl).split('/invite/')[1] as string };
}

const accept = (token: string, name: string, password = 'a long member password') =>
  app.inject({
    method: 'POST',
    url: `/api/v1/invitations/${token}/accept`,
    headers: { 'x-forwarded-for': freshIp() },
    payload: { name, password },
  });

beforeAll(async () => {
  database = await openFreshDatabase();
  app = await buildApp({
    database,
    jobs: noJobs,
    logLevel: 'error',
    trustProxy: true,
    publicUrl: 'https://crm.example.co.il',
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  await dropDatabase?.();
});

describe('first-run setup', () => {
  it('is needed on an empty database, done once, and then refused', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: true });

    const weak = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { businessName: 'מאפיית השכונה', ownerName: 'רינה', email: ownerEmail, password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors).toEqual([expect.objectContaining({ field: 'password', code: 'password.weak' })]);
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: true });

    // Two browsers finishing the setup form at once (the same owner, a retyped
    // business name): one business, not two. Either may win the race.
    const [first, second] = await Promise.all([
      app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: { businessName: 'מאפיית השכונה', ownerName: 'רינה', email: ownerEmail, password: ownerPassword },
      }),
      app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: { businessName: 'מאפיית השכונה ', ownerName: 'רינה', email: ownerEmail, password: ownerPassword },
      }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([201, 409]);
    const [done, rival] = first.statusCode === 201 ? [first, second] : [second, first];
    expect(rival.json().code).toBe('AUTH.SETUP_DONE');
    const workspaces = await database.db.selectFrom('workspaces').select('name').execute();
    expect(workspaces).toEqual([{ name: 'מאפיית השכונה' }]);
    expect(done.json()).toMatchObject({
      user: { email: ownerEmail, name: 'רינה', role: 'owner', locale: 'he' },
      workspace: { name: 'מאפיית השכונה', locale: 'he', currency: 'ILS', timeZone: 'Asia/Jerusalem' },
      csrfToken: expect.any(String),
    });
    owner = sessionFrom(done);

    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: false });
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { businessName: 'שני', ownerName: 'x', email: 'second@setup.example', password: ownerPassword },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('AUTH.SETUP_DONE');
  });
});

describe('login, me and logout', () => {
  it('me answers for the session and 401 without one', async () => {
    const me = await owner.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      user: { id: owner.user.id, email: ownerEmail, role: 'owner' },
      workspace: { name: 'מאפיית השכונה' },
      csrfToken: owner.csrfToken,
    });
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('AUTH.UNAUTHENTICATED');
  });

  it('does not tell a wrong password from an unknown email', async () => {
    const wrong = await login(ownerEmail, 'not the password');
    const unknown = await login('nobody@setup.example', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.cookies).toHaveLength(0);
  });

  it('logs in with the email in any case, and logging out ends that session only', async () => {
    const second = sessionFrom(await login(' OWNER@Setup.Example ', ownerPassword));
    expect(second.user.id).toBe(owner.user.id);
    expect(second.csrfToken).not.toBe(owner.csrfToken);
    const logout = await second.request({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'klient_session')?.value).toBe('');
    expect((await second.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await owner.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(200);
  });
});

describe('invitations', () => {
  it('invite, describe, accept, and the new user works with the invited role', async () => {
    const invitation = await invite(owner, 'Analyst@Setup.Example', 'analyst');
    expect(invitation).toMatchObject({ email: 'analyst@setup.example', role: 'analyst' });
    expect(new Date(invitation.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const described = await app.inject({ method: 'GET', url: `/api/v1/invitations/${invitation.token}` });
    expect(described.json()).toEqual({
      email: 'analyst@setup.example',
      role: 'analyst',
      workspaceName: 'מאפיית השכונה',
    });

    const weak = await accept(invitation.token, 'אנליסט', 'short');
    expect(weak.statusCode).toBe(400);

    const analyst = sessionFrom(await accept(invitation.token, 'אנליסט'));
    expect(analyst.user).toMatchObject({ email: 'analyst@setup.example', role: 'analyst' });
    expect((await accept(invitation.token, 'שוב')).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/v1/invitations/${invitation.token}` })).statusCode).toBe(404);

    const loggedIn = sessionFrom(await login('analyst@setup.example', 'a long member password'));
    expect(loggedIn.user.role).toBe('analyst');
    expect((await loggedIn.request({ method: 'GET', url: '/api/v1/customers' })).statusCode).toBe(200);
    const write = await loggedIn.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'x' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('AUTH.FORBIDDEN');
  });

  it('the link starts with the configured public URL, whatever Host the request names', async () => {
    for (const headers of [
      {},
      { host: 'evil.example' },
      { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    ]) {
      const res = await owner.request({
        method: 'POST',
        url: '/api/v1/invitations',
        headers,
        payload: { email: `linked-${randomToken(4).toLowerCase()}@setup.example`, role: 'agent' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().inviteUrl).toMatch(/^https:\/\/crm\.example\.co\.il\/invite\/[A-Za-z0-9_-]{20,}$/);
    }
  });

  it('refuses unknown tokens, existing users and a second acceptance for the same email', async () => {
    expect((await app.inject({ method: 'GET', url: `/api/v1/invitations/${randomToken()}` })).statusCode).toBe(404);
    const taken = await owner.request({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: ownerEmail, role: 'agent' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('USER.EMAIL_TAKEN');

    const first = await invite(owner, 'twice@setup.example', 'agent');
    const second = await invite(owner, 'twice@setup.example', 'admin');
    sessionFrom(await accept(first.token, 'ראשון'));
    const late = await accept(second.token, 'שני');
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('USER.EMAIL_TAKEN');
  });

  it('only an owner may invite an owner, and an API key may invite', async () => {
    const adminInvite = await invite(owner, 'admin@setup.example', 'admin');
    const admin = sessionFrom(await accept(adminInvite.token, 'מנהלת'));
    const denied = await admin.request({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: 'new-owner@setup.example', role: 'owner' },
    });
    expect(denied.statusCode).toBe(403);

    const key = (
      await owner.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'hr system', role: 'admin' } })
    ).json().key;
    const byKey = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { authorization: `Bearer ${key}` },
      payload: { email: 'from-key@setup.example', role: 'agent' },
    });
    expect(byKey.statusCode, byKey.body).toBe(201);
  });
});

describe('users', () => {
  async function member(email: string, role: string) {
    const invitation = await invite(owner, email, role);
    return sessionFrom(await accept(invitation.token, email.split('@')[0] ?? 'x'));
  }

  it('a role change applies to the open session at once and is listed', async () => {
    const user = await member('agent-to-be@setup.example', 'analyst');
    const payload = { firstName: 'לקוחה' };
    expect((await user.request({ method: 'POST', url: '/api/v1/customers', payload })).statusCode).toBe(403);
    const changed = await owner.request({
      method: 'PATCH',
      url: `/api/v1/users/${user.user.id}`,
      payload: { role: 'agent' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ role: 'agent', status: 'active' });
    expect((await user.request({ method: 'POST', url: '/api/v1/customers', payload })).statusCode).toBe(201);
    const list = (await owner.request({ method: 'GET', url: '/api/v1/users' })).json();
    expect(list.items.find((u: { id: string }) => u.id === user.user.id)).toMatchObject({
      email: 'agent-to-be@setup.example',
      role: 'agent',
      status: 'active',
    });
    expect(JSON.stringify(list)).not.toContain('argon2');
  });

  it('disabling a user ends their sessions and their logins', async () => {
    const user = await member('leaving@setup.example', 'agent');
    const res = await owner.request({
      method: 'PATCH',
      url: `/api/v1/users/${user.user.id}`,
      payload: { status: 'disabled' },
    });
    expect(res.statusCode).toBe(200);
    expect((await user.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await login('leaving@setup.example', 'a long member password')).statusCode).toBe(401);
  });

  it('nobody changes their own role or status, only owners touch owners, and one active owner stays', async () => {
    for (const payload of [{ role: 'admin' }, { status: 'disabled' }]) {
      const res = await owner.request({ method: 'PATCH', url: `/api/v1/users/${owner.user.id}`, payload });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('USER.SELF_CHANGE');
    }
    const admin = sessionFrom(await login('admin@setup.example', 'a long member password'));
    const byAdmin = await admin.request({
      method: 'PATCH',
      url: `/api/v1/users/${owner.user.id}`,
      payload: { role: 'agent' },
    });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json().code).toBe('AUTH.FORBIDDEN');
    const promote = await admin.request({
      method: 'PATCH',
      url: `/api/v1/users/${admin.user.id}`,
      payload: { role: 'owner' },
    });
    expect(promote.statusCode).toBe(403);
    expect(promote.json().code).toBe('USER.SELF_CHANGE');
    // Nor through a key of their own: it acts on their authority.
    const adminKey = (
      await admin.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'own', role: 'admin' } })
    ).json().key;
    const byOwnKey = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${admin.user.id}`,
      headers: { authorization: `Bearer ${adminKey}` },
      payload: { status: 'disabled' },
    });
    expect(byOwnKey.statusCode).toBe(403);
    expect(byOwnKey.json().code).toBe('USER.SELF_CHANGE');

    // With a second owner, the other owner may step the first down, and back up.
    const made = await owner.request({
      method: 'PATCH',
      url: `/api/v1/users/${admin.user.id}`,
      payload: { role: 'owner' },
    });
    expect(made.statusCode, made.body).toBe(200);
    const stepDown = await admin.request({
      method: 'PATCH',
      url: `/api/v1/users/${owner.user.id}`,
      payload: { role: 'admin' },
    });
    expect(stepDown.statusCode).toBe(200);
    const back = await admin.request({
      method: 'PATCH',
      url: `/api/v1/users/${owner.user.id}`,
      payload: { role: 'owner' },
    });
    expect(back.statusCode).toBe(200);

    // Two owners demoting each other at once: one of them stays owner.
    const [one, two] = await Promise.all([
      owner.request({ method: 'PATCH', url: `/api/v1/users/${admin.user.id}`, payload: { role: 'admin' } }),
      admin.request({ method: 'PATCH', url: `/api/v1/users/${owner.user.id}`, payload: { role: 'admin' } }),
    ]);
    expect([one.statusCode, two.statusCode].filter((s) => s === 200)).toHaveLength(1);
    const loser = one.statusCode === 200 ? two : one;
    expect(['USER.LAST_OWNER', 'AUTH.FORBIDDEN']).toContain(loser.json().code);
    const owners = (await database.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'owner')
      .where('status', '=', 'active')
      .execute()) as { id: string }[];
    expect(owners).toHaveLength(1);
    // Back to the start: the first owner owns, the admin administers.
    if (owners[0]?.id !== owner.user.id) {
      await admin.request({ method: 'PATCH', url: `/api/v1/users/${owner.user.id}`, payload: { role: 'owner' } });
      await owner.request({ method: 'PATCH', url: `/api/v1/users/${admin.user.id}`, payload: { role: 'admin' } });
    }
    const roles = (await owner.request({ method: 'GET', url: '/api/v1/users' })).json().items;
    expect(roles.find((u: { id: string }) => u.id === owner.user.id).role).toBe('owner');
    expect(roles.find((u: { id: string }) => u.id === admin.user.id).role).toBe('admin');
  });

  it('an unknown user id is a 404', async () => {
    const res = await owner.request({
      method: 'PATCH',
      url: '/api/v1/users/01900000-0000-7000-8000-000000000000',
      payload: { role: 'agent' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('USER.NOT_FOUND');
  });
});

describe('API keys', () => {
  it('create, use, list and revoke', async () => {
    const created = await owner.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'קופה', role: 'agent' },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json();
    expect(key).toMatchObject({ name: 'קופה', role: 'agent', key: expect.stringMatching(/^kl_/) });
    expect(key.key.startsWith(key.prefix)).toBe(true);

    const bearer = { authorization: `Bearer ${key.key}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/customers', headers: bearer })).statusCode).toBe(200);
    // A key needs no CSRF token: it is not sent by browsers on their own.
    const write = await app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: bearer,
      payload: { firstName: 'ממכונה' },
    });
    expect(write.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: bearer })).statusCode).toBe(403);

    const listed = (await owner.request({ method: 'GET', url: '/api/v1/api-keys' })).json();
    const entry = listed.items.find((k: { id: string }) => k.id === key.id);
    expect(entry).toMatchObject({ name: 'קופה', prefix: key.prefix, role: 'agent', revokedAt: null });
    expect(entry.lastUsedAt).not.toBeNull();
    expect(entry).not.toHaveProperty('key');

    expect((await owner.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}` })).statusCode).toBe(204);
    expect((await owner.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/customers', headers: bearer })).statusCode).toBe(401);
    const after = (await owner.request({ method: 'GET', url: '/api/v1/api-keys' })).json();
    expect(after.items.find((k: { id: string }) => k.id === key.id).revokedAt).not.toBeNull();
  });
});

describe('settings', () => {
  it('reads and updates the workspace settings, validating each field', async () => {
    const updated = await owner.request({
      method: 'PATCH',
      url: '/api/v1/settings',
      payload: { name: 'המאפייה', locale: 'en', currency: 'USD', timeZone: 'Europe/London' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'המאפייה', locale: 'en', currency: 'USD', timeZone: 'Europe/London' });
    expect((await owner.request({ method: 'GET', url: '/api/v1/settings' })).json()).toMatchObject({
      name: 'המאפייה',
      currency: 'USD',
    });
    expect((await owner.request({ method: 'GET', url: '/api/v1/auth/me' })).json().workspace.timeZone).toBe(
      'Europe/London',
    );

    const bad = await owner.request({
      method: 'PATCH',
      url: '/api/v1/settings',
      payload: { timeZone: 'Mars/Olympus', currency: 'shekel', locale: 'fr' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['currency', 'locale', 'timeZone']);

    const analyst = sessionFrom(await login('analyst@setup.example', 'a long member password'));
    expect((await analyst.request({ method: 'GET', url: '/api/v1/settings' })).statusCode).toBe(200);
    expect(
      (await analyst.request({ method: 'PATCH', url: '/api/v1/settings', payload: { name: 'x' } })).statusCode,
    ).toBe(403);
    const audit = (await owner.request({ method: 'GET', url: '/api/v1/audit?entityType=workspace' })).json();
    expect(audit.items[0]).toMatchObject({
      action: 'workspace.updated',
      before: expect.objectContaining({ currency: 'ILS' }),
      after: expect.objectContaining({ currency: 'USD' }),
    });
  });
});
