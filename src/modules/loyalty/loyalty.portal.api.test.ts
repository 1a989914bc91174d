import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import { randomToken } from '../../platform/crypto.ts';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { apiCaller, type Json, silverAndGoldClub, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
let key: string;
const call = apiCaller(() => ws);

/** A call as a visitor of the club's public pages: no staff key; the portal's header on unsafe requests. */
async function visit(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: { body?: object; cookie?: string; header?: boolean; ip?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? `10.9.${rand()}.${rand()}` };
  if (method !== 'GET' && options.header !== false) headers['x-klient-member'] = '1';
  if (options.cookie) headers.cookie = `klient_member=${options.cookie}`;
  return t.app.inject({
    method,
    url,
    headers: { ...headers, ...options.headers },
    ...(options.body ? { payload: options.body } : {}),
  });
}
const rand = () => Math.floor(Math.random() * 250) + 1;

const email = () => `member-${randomToken(6).toLowerCase()}@example.com`;

async function join(publicKey: string, body: object) {
  const res = await visit('POST', `/api/v1/club/${publicKey}/join`, {
    body: { firstName: 'דנה', acceptTerms: true, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Json;
}

/** The sign-in code the outbox holds for this address, the latest one. */
async function codeSentTo(w: TestWorkspace, address: string): Promise<string | null> {
  const row = await inWorkspace(t.database.db, w.workspaceId, (trx) =>
    trx
      .selectFrom('outbox_messages')
      .select('text_body')
      .where('workspace_id', '=', w.workspaceId)
      .where('recipient', '=', address)
      .where('purpose', '=', 'loyalty.portal_code')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  );
  return row ? (/\b(\d{6})\b/.exec(row.text_body)?.[1] ?? null) : null;
}

/** Signs the address in through login and verify; the session cookie's token. */
async function signIn(publicKey: string, w: TestWorkspace, address: string): Promise<string> {
  const sent = await visit('POST', `/api/v1/club/${publicKey}/login`, { body: { email: address } });
  expect(sent.statusCode, sent.body).toBe(200);
  const code = await codeSentTo(w, address);
  expect(code).toMatch(/^\d{6}$/);
  const res = await visit('POST', `/api/v1/club/${publicKey}/verify`, { body: { email: address, code } });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'klient_member');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  expect(cookie?.path).toBe(`/api/v1/club/${publicKey}`);
  return cookie!.value;
}

async function customerByEmail(w: TestWorkspace, address: string) {
  return inWorkspace(t.database.db, w.workspaceId, (trx) =>
    trx
      .selectFrom('customers')
      .select(['id', 'first_name'])
      .where('workspace_id', '=', w.workspaceId)
      .where('email', '=', address)
      .execute(),
  );
}

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'פורטל', { ...silverAndGoldClub('מועדון הפורטל'), joinTerms: 'תקנון המועדון' });
  key = (await call('GET', '/api/v1/loyalty/program', undefined, 200)).publicKey as string;
});

describe('the club public key', () => {
  it('is given to every club, URL-safe, long, and differs between clubs', async () => {
    const program = await call('GET', '/api/v1/loyalty/program', undefined, 200);
    expect(program.publicKey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const other = await workspaceWithClub(t, 'אחר', silverAndGoldClub('מועדון אחר'));
    const second = await call('GET', '/api/v1/loyalty/program', undefined, 200, other);
    expect(second.publicKey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(second.publicKey).not.toBe(program.publicKey);
    // A change to the club keeps its key, so links already shared keep working.
    await call('PUT', '/api/v1/loyalty/program', { ...silverAndGoldClub('מועדון הפורטל'), joinTerms: 'תקנון' }, 200);
    expect((await call('GET', '/api/v1/loyalty/program', undefined, 200)).publicKey).toBe(program.publicKey);
  });
});

describe('the public join page', () => {
  it('shows the club without a login; an unknown key is not found', async () => {
    const res = await visit('GET', `/api/v1/club/${key}`);
    expect(res.statusCode, res.body).toBe(200);
    const club = res.json() as Json;
    expect(club.name).toBe('מועדון הפורטל');
    expect(club.tiers.map((x: Json) => x.name)).toEqual(['כסף', 'זהב']);
    expect(club.messagesConsentText).toContain('מועדון הפורטל');
    const en = await visit('GET', `/api/v1/club/${key}`, { headers: { 'accept-language': 'en' } });
    expect((en.json() as Json).messagesConsentText).toMatch(/^I agree/);
    expect((await visit('GET', `/api/v1/club/${'x'.repeat(43)}`)).statusCode).toBe(404);
  });

  it('makes a customer and a member, and records the club-messages consent in the history', async () => {
    const address = email();
    await join(key, { lastName: 'לוי', email: address, phone: '050-123-4567', messagesConsent: true });
    const [customer, ...more] = await customerByEmail(ws, address);
    expect(more).toEqual([]);
    const member = await call('GET', `/api/v1/loyalty/members/${customer!.id}`, undefined, 200);
    expect(member.source).toBe('portal');
    expect(member.messagesConsent).toBe(true);
    const consents = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('consent_events')
        .select(['channel', 'status', 'source', 'text_shown'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customer!.id)
        .orderBy('channel')
        .execute(),
    );
    expect(consents.map((c) => [c.channel, c.status, c.source])).toEqual([
      ['email', 'granted', 'loyalty join page'],
      ['sms', 'granted', 'loyalty join page'],
    ]);
    expect(consents[0]!.text_shown).toContain('מועדון הפורטל');
  });

  it('joins the same email twice as one customer, and the second join changes nothing', async () => {
    const address = email();
    await join(key, { email: address, messagesConsent: false });
    const again = await join(key, { firstName: 'מישהו אחר', email: address.toUpperCase(), messagesConsent: true });
    expect(again).toEqual({ joined: true, clubName: 'מועדון הפורטל' });
    const customers = await customerByEmail(ws, address);
    expect(customers).toHaveLength(1);
    expect(customers[0]!.first_name).toBe('דנה');
    const member = await call('GET', `/api/v1/loyalty/members/${customers[0]!.id}`, undefined, 200);
    expect(member.messagesConsent).toBe(false);
  });

  it('refuses a join without the terms accepted, or without an email or phone', async () => {
    const noTerms = await visit('POST', `/api/v1/club/${key}/join`, {
      body: { firstName: 'א', email: email(), acceptTerms: false },
    });
    expect(noTerms.statusCode).toBe(400);
    expect(noTerms.json().errors[0].field).toBe('acceptTerms');
    const noContact = await visit('POST', `/api/v1/club/${key}/join`, { body: { firstName: 'א', acceptTerms: true } });
    expect(noContact.statusCode).toBe(400);
    expect(noContact.json().code).toBe('LOYALTY.PORTAL_CONTACT_REQUIRED');
  });

  it('credits the referring member for a join through a share link; a wrong code still joins', async () => {
    const referrer = email();
    await join(key, { email: referrer });
    const cookie = await signIn(key, ws, referrer);
    const me = (await visit('GET', `/api/v1/club/${key}/me`, { cookie })).json() as Json;
    expect(me.referral.link).toContain(`/club/${key}/join?ref=${me.referral.code}`);
    const friend = email();
    await join(key, { email: friend, ref: me.referral.code });
    const [friendCustomer] = await customerByEmail(ws, friend);
    const referrals = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_referrals')
        .select(['status', 'code'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('friend_customer_id', '=', friendCustomer!.id)
        .execute(),
    );
    expect(referrals).toEqual([{ status: 'pending', code: me.referral.code }]);
    await join(key, { email: email(), ref: 'NOSUCHCODE' });
  });

  it('refuses an unsafe request without the portal header (a cross-site form cannot post)', async () => {
    const res = await visit('POST', `/api/v1/club/${key}/join`, {
      header: false,
      body: { firstName: 'א', email: email(), acceptTerms: true },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('LOYALTY.PORTAL_HEADER_REQUIRED');
  });
});

describe('signing in by a one-time code', () => {
  it('sends a code through the outbox, and the code opens the member area with the balance', async () => {
    const address = email();
    await join(key, { email: address });
    const [customer] = await customerByEmail(ws, address);
    await call('POST', `/api/v1/loyalty/members/${customer!.id}/adjustments`, { points: 250, note: 'פתיחה' }, 201);
    const cookie = await signIn(key, ws, address);
    const res = await visit('GET', `/api/v1/club/${key}/me`, { cookie });
    expect(res.statusCode, res.body).toBe(200);
    const me = res.json() as Json;
    expect(me.available).toBe(250);
    expect(me.tier.name).toBe('כסף');
    expect(me.nextTier.name).toBe('זהב');
    expect(me.history.items[0]).toMatchObject({ kind: 'adjust', points: 250, label: null });
    expect(me.messagesConsent).toBe(false);
    // The code is used: it opens no second session.
    const code = await codeSentTo(ws, address);
    const again = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: address, code } });
    expect(again.statusCode).toBe(401);
    // Logging out ends the session.
    expect((await visit('POST', `/api/v1/club/${key}/logout`, { cookie })).statusCode).toBe(204);
    expect((await visit('GET', `/api/v1/club/${key}/me`, { cookie })).statusCode).toBe(401);
  });

  it('answers the same for an address of nobody in the club, and sends nothing', async () => {
    const member = email();
    await join(key, { email: member });
    const nobody = email();
    const a = await visit('POST', `/api/v1/club/${key}/login`, { body: { email: member } });
    const b = await visit('POST', `/api/v1/club/${key}/login`, { body: { email: nobody } });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    expect(await codeSentTo(ws, nobody)).toBeNull();
    // Guessing at it fails the same way, and locks the same way, as for a member.
    for (let i = 0; i < 4; i++) {
      const wrong = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: nobody, code: '000000' } });
      expect(wrong.json().code).toBe('LOYALTY.PORTAL_CODE_WRONG');
    }
    const fifth = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: nobody, code: '000000' } });
    expect(fifth.json().code).toBe('LOYALTY.PORTAL_CODE_LOCKED');
  });

  it('locks a code after five wrong tries, even for the right code', async () => {
    const address = email();
    await join(key, { email: address });
    await visit('POST', `/api/v1/club/${key}/login`, { body: { email: address } });
    const code = (await codeSentTo(ws, address))!;
    const wrong = code === '111111' ? '222222' : '111111';
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: address, code: wrong } });
      replies.push(`${res.statusCode} ${res.json().code}`);
    }
    expect(replies).toEqual([
      '401 LOYALTY.PORTAL_CODE_WRONG',
      '401 LOYALTY.PORTAL_CODE_WRONG',
      '401 LOYALTY.PORTAL_CODE_WRONG',
      '401 LOYALTY.PORTAL_CODE_WRONG',
      '429 LOYALTY.PORTAL_CODE_LOCKED',
    ]);
    const right = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: address, code } });
    expect(right.statusCode).toBe(429);
    expect(right.cookies.find((c) => c.name === 'klient_member')).toBeUndefined();
  });

  it('refuses an expired code', async () => {
    const address = email();
    await join(key, { email: address });
    await visit('POST', `/api/v1/club/${key}/login`, { body: { email: address } });
    const code = await codeSentTo(ws, address);
    await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      sql`update loyalty_portal_codes set expires_at = now() - interval '1 second'
          where workspace_id = ${ws.workspaceId} and used_at is null`.execute(trx),
    );
    const res = await visit('POST', `/api/v1/club/${key}/verify`, { body: { email: address, code } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('LOYALTY.PORTAL_CODE_EXPIRED');
  });

  it('limits the codes one address is sent in an hour, member or not', async () => {
    const nobody = email();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await visit('POST', `/api/v1/club/${key}/login`, { body: { email: nobody } })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('limits login requests from one address of the internet', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await visit('POST', `/api/v1/club/${key}/login`, { ip: '10.200.1.1', body: { email: email() } });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('writes the code in English for an English browser', async () => {
    const address = email();
    await join(key, { email: address });
    await visit('POST', `/api/v1/club/${key}/login`, {
      body: { email: address },
      headers: { 'accept-language': 'en' },
    });
    const row = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('outbox_messages')
        .select(['subject', 'text_body'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('recipient', '=', address)
        .executeTakeFirstOrThrow(),
    );
    expect(row.subject).toMatch(/^Your sign-in code/);
  });

  it('never opens one club with the session of another', async () => {
    const address = email();
    await join(key, { email: address });
    const cookie = await signIn(key, ws, address);
    const other = await workspaceWithClub(t, 'מועדון ב', silverAndGoldClub('מועדון ב'));
    const otherKey = (await call('GET', '/api/v1/loyalty/program', undefined, 200, other)).publicKey as string;
    const res = await visit('GET', `/api/v1/club/${otherKey}/me`, { cookie });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('LOYALTY.PORTAL_SIGNED_OUT');
    // A staff key is no member session either.
    const staff = await t.app.inject({
      method: 'GET',
      url: `/api/v1/club/${key}/me`,
      headers: { authorization: `Bearer ${ws.apiKey}` },
    });
    expect(staff.statusCode).toBe(401);
  });
});

describe('the member area', () => {
  it('ends the member area of a customer who is erased', async () => {
    const address = email();
    await join(key, { email: address });
    const [customer] = await customerByEmail(ws, address);
    const cookie = await signIn(key, ws, address);
    await call('POST', `/api/v1/customers/${customer!.id}/erase`, undefined, 200);
    expect((await visit('GET', `/api/v1/club/${key}/me`, { cookie })).statusCode).toBe(401);
    const left = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_portal_codes')
        .select('id')
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customer!.id)
        .execute(),
    );
    expect(left).toEqual([]);
  });

  it('redeems a reward with an idempotency key, once, and shows its coupon code', async () => {
    const reward = await call(
      'POST',
      '/api/v1/loyalty/rewards',
      { name: 'קפה חינם', kind: 'gift', itemSku: 'COFFEE', pointsCost: 100 },
      201,
    );
    const address = email();
    await join(key, { email: address });
    const [customer] = await customerByEmail(ws, address);
    await call('POST', `/api/v1/loyalty/members/${customer!.id}/adjustments`, { points: 150, note: 'פתיחה' }, 201);
    const cookie = await signIn(key, ws, address);
    const before = (await visit('GET', `/api/v1/club/${key}/me`, { cookie })).json() as Json;
    expect(before.rewards.find((r: Json) => r.id === reward.id)).toMatchObject({ eligible: true, reason: null });
    const url = `/api/v1/club/${key}/rewards/${reward.id}/redeem`;
    const noKey = await visit('POST', url, { cookie });
    expect(noKey.statusCode).toBe(400);
    const idem = randomToken(8);
    const first = await visit('POST', url, { cookie, headers: { 'idempotency-key': idem } });
    expect(first.statusCode, first.body).toBe(201);
    const retry = await visit('POST', url, { cookie, headers: { 'idempotency-key': idem } });
    expect(retry.statusCode).toBe(201);
    expect(retry.json().code).toBe(first.json().code);
    const after = (await visit('GET', `/api/v1/club/${key}/me`, { cookie })).json() as Json;
    expect(after.available).toBe(50);
    expect(after.coupons.map((c: Json) => c.code)).toEqual([first.json().code]);
    expect(after.rewards.find((r: Json) => r.id === reward.id)).toMatchObject({ eligible: false, reason: 'points' });
    expect(after.history.items[0]).toMatchObject({ kind: 'spend', points: -100, label: 'קפה חינם' });
    // Without a session, or without the portal header, nothing is redeemed.
    expect((await visit('POST', url, { headers: { 'idempotency-key': randomToken(8) } })).statusCode).toBe(401);
    const noHeader = await visit('POST', url, {
      cookie,
      header: false,
      headers: { 'idempotency-key': randomToken(8) },
    });
    expect(noHeader.statusCode).toBe(403);
  });

  it('turns the club messages off at once, recorded in the consent history', async () => {
    const address = email();
    await join(key, { email: address, messagesConsent: true });
    const [customer] = await customerByEmail(ws, address);
    const cookie = await signIn(key, ws, address);
    const res = await visit('PUT', `/api/v1/club/${key}/consent`, { cookie, body: { messages: false } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ messagesConsent: false });
    const member = await call('GET', `/api/v1/loyalty/members/${customer!.id}`, undefined, 200);
    expect(member.messagesConsent).toBe(false);
    const history = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('consent_events')
        .select(['channel', 'status', 'source'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customer!.id)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute(),
    );
    expect(history).toEqual([
      { channel: 'email', status: 'granted', source: 'loyalty join page' },
      { channel: 'email', status: 'revoked', source: 'loyalty portal' },
    ]);
    expect(((await visit('GET', `/api/v1/club/${key}/me`, { cookie })).json() as Json).messagesConsent).toBe(false);
  });
});
