// Past 400 lines on purpose: every describe attacks the same two seeded workspaces, and the route table sits with the test that checks it names every route.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../db/tenancy.ts';
import { enqueueMessage } from '../modules/messaging/messaging.service.ts';
import { createTestWorkspace, getTestApp, type TestApp, type TestWorkspace } from '../test/harness.ts';
import { multipart } from '../test/uploads.ts';
import { systemCtx } from './context.ts';
import { newId, randomToken, sha256 } from './crypto.ts';
import { can } from './permissions.ts';

/**
 * The walls between workspaces, roles and the outside, tried on every /api/v1
 * route. The route table below must name every registered route: a new route
 * without a case here fails the coverage test.
 */

let t: TestApp;
let a: TestWorkspace;
let b: TestWorkspace;
let va: Seeded;
let vb: Seeded;

type Seeded = {
  tag: string;
  workspaceName: string;
  /** A message the outbox holds for the customer, and the club tier the customer is in. */
  messageId: string;
  tierId: string;
  /** A reward, the coupon the customer bought with it, and a campaign. */
  rewardId: string;
  couponCode: string;
  campaignId: string;
  /** The club's public key (its join page and member portal), an earning rule with an event it awarded, a referral
   * (the customer referred a friend by the customer's code) and a contest the customer entered. */
  publicKey: string;
  ruleId: string;
  ruleEventId: string;
  referralId: string;
  referralCode: string;
  friendCustomerId: string;
  contestId: string;
  /** A saved segment of the customer's tag, with the customer in it; an email template and a campaign to it. */
  segmentId: string;
  templateId: string;
  mailingId: string;
  customerId: string;
  otherCustomerId: string;
  firstName: string;
  email: string;
  orderId: string;
  orderExternalId: string;
  noteBody: string;
  productSku: string;
  productName: string;
  branchId: string;
  branchName: string;
  apiKeyId: string;
  userId: string;
  userEmail: string;
  importId: string;
};

let ipCounter = 0;
/** A fresh client address, so the per-IP rate limits of one test never throttle another. */
const freshIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

async function ok(res: LightMyRequestResponse, status = 200) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

async function seed(ws: TestWorkspace, label: string): Promise<Seeded> {
  const tag = `${label}${randomToken(4).replace(/[^a-zA-Z0-9]/g, 'x')}`.toLowerCase();
  const workspaceName = `עסק-${tag}`;
  await ok(await ws.request({ method: 'PATCH', url: '/api/v1/settings', payload: { name: workspaceName } }));
  const firstName = `שם-${tag}`;
  const email = `${tag}@victim.example`;
  const customer = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName, lastName: 'לוי', email, tags: [`tag-${tag}`] },
    }),
    201,
  );
  const other = await ok(
    await ws.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: `שני-${tag}` } }),
    201,
  );
  const productSku = `sku-${tag}`;
  const productName = `מוצר-${tag}`;
  await ok(
    await ws.request({ method: 'POST', url: '/api/v1/products', payload: { sku: productSku, name: productName } }),
    201,
  );
  const branchName = `סניף-${tag}`;
  const orderExternalId = `ord-${tag}`;
  const order = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload: {
        externalId: orderExternalId,
        customerId: customer.id,
        placedAt: '2026-01-05T10:00:00Z',
        channel: 'store',
        branch: branchName,
        items: [{ sku: productSku, name: productName, quantity: 1, unitPrice: '100.00' }],
      },
    }),
    201,
  );
  const noteBody = `פתק-${tag}`;
  await ok(
    await ws.request({ method: 'POST', url: `/api/v1/customers/${customer.id}/notes`, payload: { body: noteBody } }),
    201,
  );
  const key = await ok(
    await ws.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: `key-${tag}`, role: 'agent' } }),
    201,
  );
  const userEmail = `user-${tag}@staff.example`;
  const invitation = await ok(
    await ws.request({ method: 'POST', url: '/api/v1/invitations', payload: { email: userEmail, role: 'agent' } }),
    201,
  );
  const token = String(invitation.inviteUrl).split('/').at(-1);
  const accepted = await ok(
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${token}/accept`,
      headers: { 'x-forwarded-for': freshIp() },
      payload: { name: `עובד-${tag}`, password: 'long enough password' },
    }),
  );
  const branches = await ok(await ws.request({ method: 'GET', url: '/api/v1/branches' }));
  const branch = branches.items.find((x: { name: string }) => x.name === branchName);
  // The imports module owns its routes; a row is enough to try reaching it across workspaces.
  const importId = newId();
  await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    trx
      .insertInto('imports')
      .values({
        workspace_id: ws.workspaceId,
        id: importId,
        kind: 'customers',
        filename: `${tag}.csv`,
        mapping: '{}',
        encoding: null,
        file: null,
        failure: null,
        created_by: null,
        finished_at: null,
      })
      .execute(),
  );
  // The club (loyalty) and the outbox (messaging): a member with a booking, and a message sent to the customer.
  const club = await ok(
    await ws.request({
      method: 'PUT',
      url: '/api/v1/loyalty/program',
      payload: { name: `מועדון-${tag}`, tiers: [{ name: 'חברים', threshold: 0 }] },
    }),
  );
  const member = await ok(
    await ws.request({ method: 'POST', url: '/api/v1/loyalty/members', payload: { customerId: customer.id } }),
    201,
  );
  await ok(
    await ws.request({
      method: 'POST',
      url: `/api/v1/loyalty/members/${customer.id}/adjustments`,
      payload: { points: 50, note: `נקודות-${tag}` },
    }),
    201,
  );
  // A reward bought with points (a coupon of the customer's) and a members-only campaign with a pool of codes.
  const reward = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/rewards',
      payload: { name: `מתנה-${tag}`, kind: 'gift', itemSku: productSku, pointsCost: 10 },
    }),
    201,
  );
  const coupon = await ok(
    await ws.request({
      method: 'POST',
      url: `/api/v1/loyalty/rewards/${reward.id}/redeem`,
      payload: { customerId: customer.id },
    }),
    201,
  );
  const campaign = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/campaigns',
      payload: {
        name: `מבצע-${tag}`,
        kind: 'percent_discount',
        percentOff: 10,
        mode: 'pool',
        poolSize: 2,
        startsAt: new Date(Date.now() - 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    }),
    201,
  );
  // An earning rule for an event, and the event that earned it for the customer.
  const rule = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/rules',
      payload: { name: `כלל-${tag}`, kind: 'event', eventType: 'survey.done', points: 5 },
    }),
    201,
  );
  const ruleEventId = `סקר-${tag}`;
  const earned = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/events',
      payload: { customerId: customer.id, type: 'survey.done', eventId: ruleEventId },
    }),
    201,
  );
  expect(earned.points).toBe(5);
  // Referrals on, and a friend enrolled with the customer's code.
  await ok(
    await ws.request({
      method: 'PUT',
      url: '/api/v1/loyalty/referrals/settings',
      payload: { enabled: true, referrerPoints: 20, friendPoints: 10 },
    }),
  );
  const friend = await ok(
    await ws.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: `חברה-${tag}` } }),
    201,
  );
  const referred = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/members',
      payload: { customerId: friend.id, referralCode: member.referralCode },
    }),
    201,
  );
  // A draw that costs a point to enter, open now, which the customer entered.
  const contest = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/loyalty/contests',
      payload: {
        name: `תחרות-${tag}`,
        prize: `פרס-${tag}`,
        kind: 'draw',
        winnersCount: 1,
        entryCostPoints: 1,
        opensAt: new Date(Date.now() - 86_400_000).toISOString(),
        closesAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    }),
    201,
  );
  await ok(
    await ws.request({
      method: 'POST',
      url: `/api/v1/loyalty/contests/${contest.id}/entries`,
      payload: { customerId: customer.id },
    }),
    201,
  );
  const segment = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/segments',
      payload: {
        name: `קהל-${tag}`,
        rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: [`tag-${tag}`] }] },
      },
    }),
    201,
  );
  const template = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/templates',
      payload: { name: `תבנית-${tag}`, channel: 'email', subject: 'שלום', blocks: [{ type: 'text', text: 'שלום' }] },
    }),
    201,
  );
  const mailing = await ok(
    await ws.request({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: `קמפיין-${tag}`, segmentId: segment.id, emailTemplateId: template.id, channelStrategy: 'email' },
    }),
    201,
  );
  const { id: messageId } = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    enqueueMessage(trx, systemCtx(ws.workspaceId), t.jobs, {
      channel: 'email',
      to: email,
      customerId: customer.id,
      subject: `הודעה-${tag}`,
      text: `שלום ${firstName}`,
      purpose: 'security.test',
      module: 'security',
      idempotencyKey: `security-${tag}`,
    }),
  );
  return {
    tag,
    workspaceName,
    messageId,
    tierId: club.tiers[0].id as string,
    rewardId: reward.id as string,
    couponCode: coupon.code as string,
    campaignId: campaign.id as string,
    publicKey: club.publicKey as string,
    ruleId: rule.id as string,
    ruleEventId,
    referralId: referred.referral.id as string,
    referralCode: member.referralCode as string,
    friendCustomerId: friend.id as string,
    contestId: contest.id as string,
    segmentId: segment.id as string,
    templateId: template.id as string,
    mailingId: mailing.id as string,
    customerId: customer.id,
    otherCustomerId: other.id,
    firstName,
    email,
    orderId: order.id,
    orderExternalId,
    noteBody,
    productSku,
    productName,
    branchId: branch.id,
    branchName,
    apiKeyId: key.id,
    userId: accepted.user.id,
    userEmail,
    importId,
  };
}

/** What must never show in a response to another workspace. */
function markersOf(v: Seeded): string[] {
  return [
    v.tag,
    v.customerId,
    v.otherCustomerId,
    v.orderId,
    v.apiKeyId,
    v.userId,
    v.importId,
    v.branchId,
    v.email,
    v.messageId,
    v.rewardId,
    v.couponCode,
    v.campaignId,
    v.publicKey,
    v.ruleId,
    v.ruleEventId,
    v.referralId,
    v.referralCode,
    v.friendCustomerId,
    v.contestId,
    v.segmentId,
    v.templateId,
    v.mailingId,
  ];
}

const csvFile = { name: 'file', value: 'firstName,phone\r\nדנה,0501234567\r\n', filename: 'c.csv' };
const csv = () => multipart([csvFile]);

/** Every /api/v1 route the app registered, as "METHOD /path", read from Fastify's own route tree. */
function registeredRoutes(app: TestApp['app']): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const path = stack.join('');
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of (match[3] ?? '').split(', ')) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out.sort();
}

const publicRoutes = [
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  'POST /api/v1/auth/login',
  'GET /api/v1/invitations/:token',
  'POST /api/v1/invitations/:token/accept',
  // The club's join page and member portal: no staff login; each club by its public key, each member by a cookie
  // (walled per club in 'the member portal', below).
  'GET /api/v1/club/:publicKey',
  'POST /api/v1/club/:publicKey/join',
  'POST /api/v1/club/:publicKey/login',
  'POST /api/v1/club/:publicKey/verify',
  'POST /api/v1/club/:publicKey/logout',
  'GET /api/v1/club/:publicKey/me',
  'GET /api/v1/club/:publicKey/me/history',
  'POST /api/v1/club/:publicKey/rewards/:id/redeem',
  'PUT /api/v1/club/:publicKey/consent',
  // A marketing message's way out: the customer holds a link signed with the workspace's key (tested in campaigns).
  'GET /api/v1/unsubscribe/:token',
  'POST /api/v1/unsubscribe/:token',
];

/**
 * How each route is attacked with workspace B's owner key and workspace A's ids:
 * 'hidden' requests must answer 404 (or 403); 'scoped' ones may succeed but only
 * on B's own data. Public routes take tokens, not workspace ids.
 */
type Attack = { expect: 'hidden' | 'scoped' | 'rejected'; request: InjectOptions };
const cases: Record<string, (v: Seeded, own: Seeded) => Attack[]> = {
  'GET /api/v1/setup': () => [],
  'POST /api/v1/setup': () => [],
  'POST /api/v1/auth/login': () => [],
  'GET /api/v1/invitations/:token': () => [],
  'POST /api/v1/invitations/:token/accept': () => [],
  // The portal reads no staff key: its walls are a club's key and a member's session ('the member portal', below).
  'GET /api/v1/club/:publicKey': () => [],
  'POST /api/v1/club/:publicKey/join': () => [],
  'POST /api/v1/club/:publicKey/login': () => [],
  'POST /api/v1/club/:publicKey/verify': () => [],
  'POST /api/v1/club/:publicKey/logout': () => [],
  'GET /api/v1/club/:publicKey/me': () => [],
  'GET /api/v1/club/:publicKey/me/history': () => [],
  'POST /api/v1/club/:publicKey/rewards/:id/redeem': () => [],
  'PUT /api/v1/club/:publicKey/consent': () => [],
  'POST /api/v1/auth/logout': () => [{ expect: 'scoped', request: { method: 'POST', url: '/api/v1/auth/logout' } }],
  'GET /api/v1/auth/me': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/auth/me' } }],
  'GET /api/v1/settings': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/settings' } }],
  'PATCH /api/v1/settings': () => [
    { expect: 'scoped', request: { method: 'PATCH', url: '/api/v1/settings', payload: { currency: 'ILS' } } },
  ],
  'GET /api/v1/audit': (v) => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/audit' } },
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/audit?entityId=${v.customerId}` } },
  ],
  'GET /api/v1/api-keys': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/api-keys' } }],
  'POST /api/v1/api-keys': () => [
    { expect: 'scoped', request: { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'b', role: 'analyst' } } },
  ],
  'DELETE /api/v1/api-keys/:id': (v) => [
    { expect: 'hidden', request: { method: 'DELETE', url: `/api/v1/api-keys/${v.apiKeyId}` } },
  ],
  'GET /api/v1/users': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/users' } }],
  'PATCH /api/v1/users/:id': (v) => [
    { expect: 'hidden', request: { method: 'PATCH', url: `/api/v1/users/${v.userId}`, payload: { role: 'shopper' } } },
  ],
  'POST /api/v1/invitations': (v) => [
    // Inviting A's staff email into B is allowed and must not reveal that the email exists in A.
    {
      expect: 'scoped',
      request: { method: 'POST', url: '/api/v1/invitations', payload: { email: v.userEmail, role: 'agent' } },
    },
  ],
  'GET /api/v1/customers': (v) => [
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/customers?q=${encodeURIComponent(v.firstName)}` } },
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/customers?branch=${v.branchId}` } },
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/customers?tag=tag-${v.tag}` } },
  ],
  'POST /api/v1/customers': (v) => [
    // Same email as A's customer: B must not get a 409 with A's customer in it.
    {
      expect: 'scoped',
      request: { method: 'POST', url: '/api/v1/customers', payload: { firstName: 'ב', email: v.email } },
    },
  ],
  'GET /api/v1/customers/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/customers/${v.customerId}` } },
  ],
  'PATCH /api/v1/customers/:id': (v) => [
    {
      expect: 'hidden',
      request: { method: 'PATCH', url: `/api/v1/customers/${v.customerId}`, payload: { firstName: 'נפרץ' } },
    },
  ],
  'DELETE /api/v1/customers/:id': (v) => [
    { expect: 'hidden', request: { method: 'DELETE', url: `/api/v1/customers/${v.customerId}` } },
  ],
  'GET /api/v1/customers/:id/timeline': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/customers/${v.customerId}/timeline` } },
  ],
  'POST /api/v1/customers/:id/consents': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/customers/${v.customerId}/consents`,
        payload: { channel: 'sms', status: 'granted', source: 'attack' },
      },
    },
  ],
  'POST /api/v1/customers/:id/notes': (v) => [
    {
      expect: 'hidden',
      request: { method: 'POST', url: `/api/v1/customers/${v.customerId}/notes`, payload: { body: 'x' } },
    },
  ],
  'PUT /api/v1/customers/:id/tags': (v) => [
    {
      expect: 'hidden',
      request: { method: 'PUT', url: `/api/v1/customers/${v.customerId}/tags`, payload: { tags: ['x'] } },
    },
  ],
  'GET /api/v1/customers/:id/duplicates': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/customers/${v.customerId}/duplicates` } },
  ],
  'POST /api/v1/customers/:id/merge': (v, own) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/customers/${v.customerId}/merge`,
        payload: { otherId: own.otherCustomerId },
      },
    },
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/customers/${own.customerId}/merge`,
        payload: { otherId: v.otherCustomerId },
      },
    },
  ],
  'GET /api/v1/customers/:id/export': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/customers/${v.customerId}/export` } },
  ],
  'POST /api/v1/customers/:id/erase': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/customers/${v.customerId}/erase` } },
  ],
  'GET /api/v1/branches': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/branches' } }],
  'GET /api/v1/tags': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/tags' } }],
  'POST /api/v1/products': (v) => [
    {
      expect: 'scoped',
      request: { method: 'POST', url: '/api/v1/products', payload: { sku: v.productSku, name: 'של ב' } },
    },
  ],
  'GET /api/v1/products': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/products' } }],
  'POST /api/v1/orders': (v, own) => {
    const order = (customerId: string, externalId: string) => ({
      method: 'POST' as const,
      url: '/api/v1/orders',
      payload: {
        externalId,
        customerId,
        placedAt: '2026-02-01T10:00:00Z',
        channel: 'web',
        items: [{ sku: 'x', name: 'x', quantity: 1, unitPrice: 1 }],
      },
    });
    return [
      // A's customer in B's order: refused as an unknown customer (a body field, so 400 with the field named).
      { expect: 'rejected', request: order(v.customerId, `b-${randomToken(6)}`) },
      // A's order externalId: B gets its own new order, never A's.
      { expect: 'scoped', request: order(own.customerId, v.orderExternalId) },
    ];
  },
  'GET /api/v1/orders': (v) => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/orders' } },
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/orders?customerId=${v.customerId}` } },
  ],
  'GET /api/v1/orders/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/orders/${v.orderId}` } },
  ],
  'POST /api/v1/orders/:id/refunds': (v) => [
    {
      expect: 'hidden',
      request: { method: 'POST', url: `/api/v1/orders/${v.orderId}/refunds`, payload: { amount: 10 } },
    },
  ],
  // Imports (owned by the imports module); cases apply once its routes are registered.
  'GET /api/v1/imports': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/imports' } }],
  'GET /api/v1/imports/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/imports/${v.importId}` } },
  ],
  'GET /api/v1/imports/:id/errors.csv': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/imports/${v.importId}/errors.csv` } },
  ],
  'POST /api/v1/imports/preview': () => [
    { expect: 'scoped', request: { method: 'POST', url: '/api/v1/imports/preview', ...csv() } },
  ],
  'POST /api/v1/imports': () => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/imports',
        ...multipart([
          { name: 'kind', value: 'customers' },
          { name: 'mapping', value: '{"firstName":"firstName","phone":"phone"}' },
          csvFile,
        ]),
      },
    },
  ],
  // The loyalty club: B's key with A's member is never A's member; B's own lists hold only B's.
  'GET /api/v1/loyalty/program': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/program' } },
  ],
  'PUT /api/v1/loyalty/program': (v, own) => [
    {
      expect: 'scoped',
      request: {
        method: 'PUT',
        url: '/api/v1/loyalty/program',
        payload: { name: 'מועדון ב', tiers: [{ id: own.tierId, name: 'חברים', threshold: 0 }] },
      },
    },
    // A's tier named in B's club: refused, and A's tier untouched.
    {
      expect: 'rejected',
      request: {
        method: 'PUT',
        url: '/api/v1/loyalty/program',
        payload: { name: 'מועדון ב', tiers: [{ id: v.tierId, name: 'גנובה', threshold: 0 }] },
      },
    },
  ],
  'POST /api/v1/loyalty/members': (v, own) => [
    {
      expect: 'rejected',
      request: { method: 'POST', url: '/api/v1/loyalty/members', payload: { customerId: v.customerId } },
    },
    // A's member's referral code is unknown in B: B's customer is not enrolled as anyone's friend.
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/members',
        payload: { customerId: own.otherCustomerId, referralCode: v.referralCode },
      },
    },
  ],
  'GET /api/v1/loyalty/members': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/members' } },
  ],
  'GET /api/v1/loyalty/members/:customerId': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/members/${v.customerId}` } },
  ],
  'GET /api/v1/loyalty/members/:customerId/ledger': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/members/${v.customerId}/ledger` } },
  ],
  'POST /api/v1/loyalty/members/:customerId/adjustments': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/members/${v.customerId}/adjustments`,
        payload: { points: 5, note: 'ניסיון' },
      },
    },
  ],
  'GET /api/v1/loyalty/report': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/report' } }],
  // The outbox: A's message is not B's to read.
  'GET /api/v1/messaging/outbox': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/messaging/outbox' } },
  ],
  'GET /api/v1/messaging/outbox/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/messaging/outbox/${v.messageId}` } },
  ],
  'GET /api/v1/messaging/channels': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/messaging/channels' } },
  ],
  // Rewards, campaigns and coupons: A's are unknown to B, whether by id or by code.
  'POST /api/v1/loyalty/rewards': () => [
    {
      expect: 'scoped',
      request: { method: 'POST', url: '/api/v1/loyalty/rewards', payload: { name: 'ב', kind: 'gift', pointsCost: 5 } },
    },
  ],
  'GET /api/v1/loyalty/rewards': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/rewards' } },
  ],
  'PATCH /api/v1/loyalty/rewards/:id': (v) => [
    {
      expect: 'hidden',
      request: { method: 'PATCH', url: `/api/v1/loyalty/rewards/${v.rewardId}`, payload: { pointsCost: 1 } },
    },
  ],
  'POST /api/v1/loyalty/rewards/:id/redeem': (v, own) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/rewards/${v.rewardId}/redeem`,
        payload: { customerId: own.customerId },
      },
    },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/rewards/${own.rewardId}/redeem`,
        payload: { customerId: v.customerId },
      },
    },
  ],
  'GET /api/v1/loyalty/members/:customerId/coupons': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/members/${v.customerId}/coupons` } },
  ],
  'POST /api/v1/loyalty/campaigns': () => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/campaigns',
        payload: {
          name: 'ב',
          kind: 'amount_discount',
          amountOff: '5.00',
          mode: 'pool',
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '2027-01-01T00:00:00Z',
        },
      },
    },
  ],
  'GET /api/v1/loyalty/campaigns': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/campaigns' } },
  ],
  'PATCH /api/v1/loyalty/campaigns/:id': (v) => [
    {
      expect: 'hidden',
      request: { method: 'PATCH', url: `/api/v1/loyalty/campaigns/${v.campaignId}`, payload: { active: false } },
    },
  ],
  'POST /api/v1/loyalty/campaigns/:id/codes': (v) => [
    {
      expect: 'hidden',
      request: { method: 'POST', url: `/api/v1/loyalty/campaigns/${v.campaignId}/codes`, payload: { count: 1 } },
    },
  ],
  'GET /api/v1/loyalty/campaigns/:id/codes': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/campaigns/${v.campaignId}/codes` } },
  ],
  'POST /api/v1/coupons/validate': (v) => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/coupons/validate',
        payload: { code: v.couponCode, basket: { total: '50.00', items: [] } },
      },
    },
  ],
  'POST /api/v1/coupons/redeem': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: '/api/v1/coupons/redeem',
        payload: { code: v.couponCode, orderId: 'attack-1', basket: { total: '50.00', items: [] } },
      },
    },
  ],
  'POST /api/v1/coupons/:code/void': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/coupons/${v.couponCode}/void`, payload: {} } },
  ],
  // Earning rules and events: A's rule is unknown to B; A's event keys are not B's (B's same key earns anew in B).
  'GET /api/v1/loyalty/rules': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/rules' } },
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/rules?kind=event&status=active' } },
  ],
  'POST /api/v1/loyalty/rules': (v) => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/rules',
        payload: { name: 'של ב', kind: 'event', eventType: 'survey.done', points: 1 },
      },
    },
    // A's tier in B's rule: refused on the field.
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/rules',
        payload: { name: 'ב', kind: 'event', eventType: 'x', points: 1, tierIds: [v.tierId] },
      },
    },
  ],
  'PUT /api/v1/loyalty/rules/:id': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'PUT',
        url: `/api/v1/loyalty/rules/${v.ruleId}`,
        payload: { name: 'נפרץ', kind: 'event', eventType: 'survey.done', points: 1_000_000 },
      },
    },
  ],
  'POST /api/v1/loyalty/events': (v, own) => [
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/events',
        payload: { customerId: v.customerId, type: 'survey.done', eventId: `b-${randomToken(6)}` },
      },
    },
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/loyalty/events',
        payload: { customerId: own.customerId, type: 'survey.done', eventId: v.ruleEventId },
      },
    },
  ],
  // Referrals: A's referrals, settings and members' links are not B's; A's member's code refers nobody in B.
  'GET /api/v1/loyalty/referrals': (v) => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/referrals' } },
    { expect: 'scoped', request: { method: 'GET', url: `/api/v1/loyalty/referrals?referrerId=${v.customerId}` } },
  ],
  'GET /api/v1/loyalty/referrals/settings': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/referrals/settings' } },
  ],
  'PUT /api/v1/loyalty/referrals/settings': () => [
    {
      expect: 'scoped',
      request: {
        method: 'PUT',
        url: '/api/v1/loyalty/referrals/settings',
        payload: { enabled: true, referrerPoints: 20, friendPoints: 10 },
      },
    },
  ],
  'GET /api/v1/loyalty/members/:customerId/referral-link': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/members/${v.customerId}/referral-link` } },
  ],
  // Contests: A's contest is unknown to B by id; B's own contest takes no member of A's and no tier of A's.
  'POST /api/v1/loyalty/contests': (v) => {
    const contest = (over: object) => ({
      method: 'POST' as const,
      url: '/api/v1/loyalty/contests',
      payload: {
        name: 'של ב',
        prize: 'פרס',
        kind: 'draw',
        winnersCount: 1,
        opensAt: '2026-01-01T00:00:00Z',
        closesAt: '2027-01-01T00:00:00Z',
        ...over,
      },
    });
    return [
      { expect: 'scoped', request: contest({}) },
      { expect: 'rejected', request: contest({ tierIds: [v.tierId] }) },
    ];
  },
  'GET /api/v1/loyalty/contests': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/loyalty/contests' } },
  ],
  'GET /api/v1/loyalty/contests/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/contests/${v.contestId}` } },
  ],
  'PATCH /api/v1/loyalty/contests/:id': (v) => [
    {
      expect: 'hidden',
      request: { method: 'PATCH', url: `/api/v1/loyalty/contests/${v.contestId}`, payload: { status: 'closed' } },
    },
  ],
  'GET /api/v1/unsubscribe/:token': () => [],
  'POST /api/v1/unsubscribe/:token': () => [],
  // Templates and campaigns: A's are unknown to B by id; B's campaign takes no segment or template of A's.
  'POST /api/v1/templates': () => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/templates',
        payload: { name: 'של B', channel: 'sms', text: 'שלום {{firstName}}' },
      },
    },
  ],
  'GET /api/v1/templates': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/templates' } }],
  'GET /api/v1/templates/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/templates/${v.templateId}` } },
  ],
  'PUT /api/v1/templates/:id': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'PUT',
        url: `/api/v1/templates/${v.templateId}`,
        payload: { name: 'x', channel: 'email', subject: 'x', blocks: [{ type: 'text', text: 'x' }] },
      },
    },
  ],
  'DELETE /api/v1/templates/:id': (v) => [
    { expect: 'hidden', request: { method: 'DELETE', url: `/api/v1/templates/${v.templateId}` } },
  ],
  'POST /api/v1/templates/:id/preview': (v, own) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/templates/${v.templateId}/preview`, payload: {} } },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: `/api/v1/templates/${own.templateId}/preview`,
        payload: { customerId: v.customerId },
      },
    },
  ],
  'POST /api/v1/campaigns': (v, own) => [
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/campaigns',
        payload: { name: 'x', segmentId: v.segmentId, emailTemplateId: own.templateId, channelStrategy: 'email' },
      },
    },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/campaigns',
        payload: { name: 'x', segmentId: own.segmentId, emailTemplateId: v.templateId, channelStrategy: 'email' },
      },
    },
  ],
  'GET /api/v1/campaigns': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/campaigns' } }],
  'GET /api/v1/campaigns/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/campaigns/${v.mailingId}` } },
  ],
  'PUT /api/v1/campaigns/:id': (v, own) => [
    {
      expect: 'hidden',
      request: {
        method: 'PUT',
        url: `/api/v1/campaigns/${v.mailingId}`,
        payload: { name: 'x', segmentId: own.segmentId, emailTemplateId: own.templateId, channelStrategy: 'email' },
      },
    },
    // B's own draft cannot be pointed at A's segment.
    {
      expect: 'rejected',
      request: {
        method: 'PUT',
        url: `/api/v1/campaigns/${own.mailingId}`,
        payload: { name: 'x', segmentId: v.segmentId, emailTemplateId: own.templateId, channelStrategy: 'email' },
      },
    },
  ],
  'DELETE /api/v1/campaigns/:id': (v) => [
    { expect: 'hidden', request: { method: 'DELETE', url: `/api/v1/campaigns/${v.mailingId}` } },
  ],
  'GET /api/v1/campaigns/:id/report': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/campaigns/${v.mailingId}/report` } },
  ],
  'POST /api/v1/campaigns/:id/send': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/campaigns/${v.mailingId}/send` } },
  ],
  'POST /api/v1/campaigns/:id/cancel': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/campaigns/${v.mailingId}/cancel` } },
  ],
  // Segments: A's segment is unknown to B by id; B's rules count and list only B's customers (A's tag matches none).
  'GET /api/v1/segments/fields': () => [
    { expect: 'scoped', request: { method: 'GET', url: '/api/v1/segments/fields' } },
  ],
  'POST /api/v1/segments/preview': (v) => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/segments/preview',
        payload: {
          rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: [`tag-${v.tag}`] }] },
        },
      },
    },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/segments/preview',
        payload: { rules: { match: 'all', rules: [{ field: 'loyalty.tier', op: 'in', value: [v.tierId] }] } },
      },
    },
  ],
  'POST /api/v1/segments': (v) => [
    {
      expect: 'scoped',
      request: {
        method: 'POST',
        url: '/api/v1/segments',
        // Rules with nothing of A's in them: the reply echoes its rules.
        payload: {
          name: 'קהל של B',
          rules: { match: 'all', rules: [{ field: 'customer.first_name', op: 'eq', value: 'x' }] },
        },
      },
    },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: '/api/v1/segments',
        payload: {
          name: 'דרגה של A',
          rules: { match: 'all', rules: [{ field: 'loyalty.tier', op: 'in', value: [v.tierId] }] },
        },
      },
    },
  ],
  'GET /api/v1/segments': () => [{ expect: 'scoped', request: { method: 'GET', url: '/api/v1/segments' } }],
  'GET /api/v1/segments/:id': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/segments/${v.segmentId}` } },
  ],
  'PATCH /api/v1/segments/:id': (v) => [
    { expect: 'hidden', request: { method: 'PATCH', url: `/api/v1/segments/${v.segmentId}`, payload: { name: 'x' } } },
  ],
  'DELETE /api/v1/segments/:id': (v) => [
    { expect: 'hidden', request: { method: 'DELETE', url: `/api/v1/segments/${v.segmentId}` } },
  ],
  'POST /api/v1/segments/:id/refresh': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/segments/${v.segmentId}/refresh` } },
  ],
  'GET /api/v1/segments/:id/customers': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/segments/${v.segmentId}/customers` } },
  ],
  'POST /api/v1/loyalty/contests/:id/entries': (v, own) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/contests/${v.contestId}/entries`,
        payload: { customerId: own.customerId },
      },
    },
    {
      expect: 'rejected',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/contests/${own.contestId}/entries`,
        payload: { customerId: v.customerId },
      },
    },
  ],
  'GET /api/v1/loyalty/contests/:id/entries': (v) => [
    { expect: 'hidden', request: { method: 'GET', url: `/api/v1/loyalty/contests/${v.contestId}/entries` } },
  ],
  'POST /api/v1/loyalty/contests/:id/draw': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/loyalty/contests/${v.contestId}/draw` } },
  ],
  'POST /api/v1/loyalty/contests/:id/judge': (v) => [
    {
      expect: 'hidden',
      request: {
        method: 'POST',
        url: `/api/v1/loyalty/contests/${v.contestId}/judge`,
        payload: { winners: [{ customerId: v.customerId, note: 'נפרץ' }] },
      },
    },
  ],
  'POST /api/v1/loyalty/contests/:id/verify': (v) => [
    { expect: 'hidden', request: { method: 'POST', url: `/api/v1/loyalty/contests/${v.contestId}/verify` } },
  ],
};

function fillParams(route: string): string {
  return route
    .replace(':id', newId())
    .replace(':customerId', newId())
    .replace(':code', 'NOSUCHCODE')
    .replace(':token', randomToken(30))
    .replace(/^[A-Z]+ /, '');
}

beforeAll(async () => {
  t = await getTestApp();
  a = await createTestWorkspace(t, 'א');
  b = await createTestWorkspace(t, 'ב');
  va = await seed(a, 'a');
  vb = await seed(b, 'b');
});

describe('every route is walled', () => {
  it('the route table covers every registered /api/v1 route', () => {
    const registered = registeredRoutes(t.app);
    expect(registered.length).toBeGreaterThan(30);
    expect(registered.filter((r) => !(r in cases))).toEqual([]);
  });

  it('without credentials every non-public route answers 401 problem+json', async () => {
    const failures: string[] = [];
    for (const route of registeredRoutes(t.app)) {
      if (publicRoutes.includes(route)) continue;
      const method = route.split(' ')[0] as 'GET' | 'POST' | 'PATCH' | 'DELETE';
      for (const authorization of [undefined, 'Bearer kl_not-a-real-key', 'Bearer nonsense']) {
        const res = await t.app.inject({
          method,
          url: fillParams(route),
          headers: authorization ? { authorization } : {},
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        if (
          res.statusCode !== 401 ||
          !String(res.headers['content-type']).startsWith('application/problem+json') ||
          res.json().code !== 'AUTH.UNAUTHENTICATED'
        ) {
          failures.push(`${route} (${authorization ?? 'none'}): ${res.statusCode} ${res.body.slice(0, 100)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("workspace B's owner key never reaches workspace A's data on any route", async () => {
    const failures: string[] = [];
    const markers = markersOf(va);
    for (const route of registeredRoutes(t.app)) {
      const attacks = cases[route]?.(va, vb) ?? [];
      for (const attack of attacks) {
        const res = await b.request(attack.request);
        const label = `${route} ${attack.request.url}`;
        const sent = `${attack.request.url} ${JSON.stringify(attack.request.payload ?? '')}`;
        const leaked = markers.filter((m) => !sent.includes(m) && res.body.includes(m));
        if (leaked.length) failures.push(`${label}: leaked ${leaked.join(', ')}`);
        if (attack.expect === 'hidden' && res.statusCode !== 404 && res.statusCode !== 403) {
          failures.push(`${label}: ${res.statusCode} instead of 404`);
        }
        if (attack.expect === 'scoped' && res.statusCode >= 400) {
          failures.push(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
        if (attack.expect === 'rejected' && ![400, 404, 422].includes(res.statusCode)) {
          failures.push(`${label}: ${res.statusCode} instead of a refusal`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("workspace A's data is untouched after the attacks", async () => {
    const customer = await ok(await a.request({ method: 'GET', url: `/api/v1/customers/${va.customerId}` }));
    expect(customer).toMatchObject({ firstName: va.firstName, status: 'active', consents: {} });
    expect(customer.timeline.items.filter((e: { type: string }) => e.type === 'note.added')).toHaveLength(1);
    const other = await ok(await a.request({ method: 'GET', url: `/api/v1/customers/${va.otherCustomerId}` }));
    expect(other.status).toBe('active');
    const order = await ok(await a.request({ method: 'GET', url: `/api/v1/orders/${va.orderId}` }));
    expect(order.refundedTotal).toBe('0.00');
    const orders = await ok(await a.request({ method: 'GET', url: '/api/v1/orders' }));
    expect(orders.items).toHaveLength(1);
    const keys = await ok(await a.request({ method: 'GET', url: '/api/v1/api-keys' }));
    expect(keys.items.find((k: { id: string }) => k.id === va.apiKeyId).revokedAt).toBeNull();
    const users = await ok(await a.request({ method: 'GET', url: '/api/v1/users' }));
    expect(users.items.find((u: { id: string }) => u.id === va.userId).role).toBe('agent');
    const products = await ok(await a.request({ method: 'GET', url: '/api/v1/products' }));
    expect(products.items.find((p: { sku: string }) => p.sku === va.productSku).name).toBe(va.productName);
    const settings = await ok(await a.request({ method: 'GET', url: '/api/v1/settings' }));
    expect(settings.name).toBe(va.workspaceName);
    const rules = await ok(await a.request({ method: 'GET', url: '/api/v1/loyalty/rules' }));
    expect(rules.items).toHaveLength(1);
    expect(rules.items[0]).toMatchObject({ id: va.ruleId, points: 5, status: 'active', awards: 1 });
    const referrals = await ok(await a.request({ method: 'GET', url: '/api/v1/loyalty/referrals' }));
    expect(referrals.items.map((r: { id: string }) => r.id)).toEqual([va.referralId]);
    const referralSettings = await ok(await a.request({ method: 'GET', url: '/api/v1/loyalty/referrals/settings' }));
    expect(referralSettings).toMatchObject({ enabled: true, referrerPoints: 20, friendPoints: 10 });
    const contest = await ok(await a.request({ method: 'GET', url: `/api/v1/loyalty/contests/${va.contestId}` }));
    expect(contest).toMatchObject({ status: 'open', entriesCount: 1, result: null });
    const member = await ok(await a.request({ method: 'GET', url: `/api/v1/loyalty/members/${va.customerId}` }));
    expect(member.referralCode).toBe(va.referralCode);
    // 50 given, 10 for the reward, 5 by the rule's event, 1 to enter the draw.
    expect(member.available).toBe(44);
  });

  it("a logged-in user of B cannot reach A's customer either", async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': freshIp() },
      payload: { email: b.ownerEmail, password: b.ownerPassword },
    });
    const session = await ok(login);
    const cookie = `klient_session=${login.cookies.find((c) => c.name === 'klient_session')?.value}`;
    const read = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${va.customerId}`, headers: { cookie } });
    expect(read.statusCode).toBe(404);
    const write = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${va.customerId}`,
      headers: { cookie, 'x-csrf-token': session.csrfToken },
      payload: { firstName: 'נפרץ' },
    });
    expect(write.statusCode).toBe(404);
  });
});

describe('the member portal', () => {
  type Visit = { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object };
  /** A request as the club's page sends it: the portal's header on unsafe ones, the member's cookie when given. */
  const visit = (request: Visit, cookie?: string, extra: Record<string, string> = {}) =>
    t.app.inject({
      ...request,
      headers: {
        'x-forwarded-for': freshIp(),
        ...(request.method === 'GET' ? {} : { 'x-klient-member': '1' }),
        ...(cookie ? { cookie: `klient_member=${cookie}` } : {}),
        ...extra,
      },
    });
  const club = (v: Seeded) => `/api/v1/club/${v.publicKey}`;

  /** The newest sign-in code the workspace's outbox holds for the address, if any. */
  const codeSentTo = async (ws: TestWorkspace, address: string) => {
    const row = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('outbox_messages')
        .select('text_body')
        .where('workspace_id', '=', ws.workspaceId)
        .where('recipient', '=', address)
        .where('purpose', '=', 'loyalty.portal_code')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? (/\b(\d{6})\b/.exec(row.text_body)?.[1] ?? null) : null;
  };

  /** Signs the seeded customer (a member) in on its own club; the session cookie's value. */
  const signIn = async (ws: TestWorkspace, v: Seeded) => {
    await ok(await visit({ method: 'POST', url: `${club(v)}/login`, payload: { email: v.email } }));
    const code = await codeSentTo(ws, v.email);
    expect(code).toMatch(/^\d{6}$/);
    const res = await visit({ method: 'POST', url: `${club(v)}/verify`, payload: { email: v.email, code } });
    await ok(res);
    const cookie = res.cookies.find((c) => c.name === 'klient_member');
    expect(cookie?.path).toBe(club(v));
    return cookie?.value ?? '';
  };

  /** Every route that acts for the signed-in member, on the club `v`. */
  const memberRoutes = (v: Seeded, rewardId: string): Visit[] => [
    { method: 'GET', url: `${club(v)}/me` },
    { method: 'GET', url: `${club(v)}/me/history` },
    { method: 'PUT', url: `${club(v)}/consent`, payload: { messages: true } },
    { method: 'POST', url: `${club(v)}/rewards/${rewardId}/redeem` },
  ];

  const expectSignedOut = (res: LightMyRequestResponse, label: string) => {
    expect(res.statusCode, `${label}: ${res.body}`).toBe(401);
    expect(res.headers['content-type'], label).toContain('application/problem+json');
    expect(res.json().code, label).toBe('LOYALTY.PORTAL_SIGNED_OUT');
  };

  let memberA: string;
  let memberB: string;
  beforeAll(async () => {
    memberA = await signIn(a, va);
    memberB = await signIn(b, vb);
  });

  it("a member's session of club A reads and changes nothing in club B, and B's in nothing of A", async () => {
    const redeem = { 'idempotency-key': randomToken(8) };
    for (const [cookie, from, to] of [
      [memberA, va, vb],
      [memberB, vb, va],
    ] as const) {
      for (const request of [...memberRoutes(to, to.rewardId), ...memberRoutes(to, from.rewardId)]) {
        const res = await visit(request, cookie, redeem);
        const label = `${from.tag}'s member: ${request.method} ${request.url}`;
        expectSignedOut(res, label);
        const leaked = [...markersOf(from), ...markersOf(to)].filter(
          (m) => !request.url.includes(m) && res.body.includes(m),
        );
        expect(leaked, label).toEqual([]);
      }
      // Signing out of the other club with this cookie ends nothing of this member's.
      expect((await visit({ method: 'POST', url: `${club(to)}/logout` }, cookie)).statusCode).toBe(204);
    }
    // Each session still works on its own club, and shows only its own club's member.
    for (const [cookie, own, other] of [
      [memberA, va, vb],
      [memberB, vb, va],
    ] as const) {
      const res = await visit({ method: 'GET', url: `${club(own)}/me` }, cookie);
      const me = await ok(res);
      expect(me.name).toContain(own.firstName);
      expect(me.messagesConsent).toBe(false);
      expect(me.coupons.map((c: { code: string }) => c.code)).toEqual([own.couponCode]);
      expect(markersOf(other).filter((m) => res.body.includes(m))).toEqual([]);
    }
  });

  it("a member redeems only the own club's rewards: A's reward is not found in B", async () => {
    const res = await visit({ method: 'POST', url: `${club(vb)}/rewards/${va.rewardId}/redeem` }, memberB, {
      'idempotency-key': randomToken(8),
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const coupons = await ok(
      await a.request({ method: 'GET', url: `/api/v1/loyalty/members/${va.customerId}/coupons` }),
    );
    expect(JSON.stringify(coupons)).not.toContain(vb.customerId);
  });

  it('without a session of the club, or with a staff key or a forged cookie, the member routes answer 401', async () => {
    for (const request of memberRoutes(va, va.rewardId)) {
      const redeem = { 'idempotency-key': randomToken(8) };
      expectSignedOut(await visit(request, undefined, redeem), `no cookie: ${request.url}`);
      expectSignedOut(await visit(request, randomToken(32), redeem), `forged cookie: ${request.url}`);
      // A staff login is not a member's: B's owner key, and A's own, are no member of A's club.
      for (const ws of [a, b]) {
        const res = await ws.request({
          ...request,
          headers: { 'x-forwarded-for': freshIp(), 'x-klient-member': '1', ...redeem },
        });
        expectSignedOut(res, `staff key: ${request.url}`);
      }
    }
  });

  it("club B's public pages show nothing of club A, and take none of A's codes, members or referrals", async () => {
    const face = await ok(await visit({ method: 'GET', url: club(vb) }));
    expect(markersOf(va).filter((m) => JSON.stringify(face).includes(m))).toEqual([]);
    // A's member asks B's club for a code: the same reply, and nobody is sent one in B.
    const sent = await ok(await visit({ method: 'POST', url: `${club(vb)}/login`, payload: { email: va.email } }));
    expect(sent).toMatchObject({ sent: true });
    expect(await codeSentTo(b, va.email)).toBeNull();
    // A's code for A's member does not sign in on B.
    await ok(await visit({ method: 'POST', url: `${club(va)}/login`, payload: { email: va.email } }));
    const codeOfA = await codeSentTo(a, va.email);
    const wrong = await visit({
      method: 'POST',
      url: `${club(vb)}/verify`,
      payload: { email: va.email, code: codeOfA },
    });
    expect(wrong.statusCode, wrong.body).toBe(401);
    expect(wrong.cookies.find((c) => c.name === 'klient_member')).toBeUndefined();
    // Joining B with A's member's referral code joins B and credits nobody, in B or in A.
    const friend = `friend-${randomToken(6).toLowerCase()}@victim.example`;
    await ok(
      await visit({
        method: 'POST',
        url: `${club(vb)}/join`,
        payload: { firstName: 'חברה', email: friend, acceptTerms: true, ref: va.referralCode },
      }),
      201,
    );
    const referralsB = await ok(await b.request({ method: 'GET', url: '/api/v1/loyalty/referrals' }));
    expect(referralsB.items.map((r: { id: string }) => r.id)).toEqual([vb.referralId]);
    const referralsA = await ok(await a.request({ method: 'GET', url: '/api/v1/loyalty/referrals' }));
    expect(referralsA.items.map((r: { id: string }) => r.id)).toEqual([va.referralId]);
    const customersA = await ok(await a.request({ method: 'GET', url: `/api/v1/customers?q=${friend}` }));
    expect(customersA.items).toEqual([]);
  });
});

describe('keys and roles', () => {
  it('a revoked API key is refused with 401', async () => {
    const created = await ok(
      await a.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'short-lived', role: 'analyst' } }),
      201,
    );
    expect((await a.request({ method: 'GET', url: '/api/v1/customers', key: created.key })).statusCode).toBe(200);
    expect((await a.request({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}` })).statusCode).toBe(204);
    const after = await a.request({ method: 'GET', url: '/api/v1/customers', key: created.key });
    expect(after.statusCode).toBe(401);
    expect(after.headers['content-type']).toContain('application/problem+json');
  });

  it('each role is held to its permissions', async () => {
    const key = {
      analyst: await a.keyFor('analyst'),
      agent: await a.keyFor('agent'),
      shopper: await a.keyFor('shopper'),
      marketer: await a.keyFor('marketer'),
    };
    const expectStatus = async (k: string, request: InjectOptions, status: number) => {
      const res = await a.request({ ...request, key: k });
      expect(res.statusCode, `${request.method} ${request.url}: ${res.body}`).toBe(status);
      if (status === 403) expect(res.json().code).toBe('AUTH.FORBIDDEN');
    };
    const customerUrl = `/api/v1/customers/${va.customerId}`;
    // Analyst reads only.
    await expectStatus(key.analyst, { method: 'GET', url: customerUrl }, 200);
    await expectStatus(key.analyst, { method: 'POST', url: '/api/v1/customers', payload: { firstName: 'x' } }, 403);
    await expectStatus(key.analyst, { method: 'PATCH', url: customerUrl, payload: { firstName: 'x' } }, 403);
    await expectStatus(key.analyst, { method: 'POST', url: `${customerUrl}/notes`, payload: { body: 'x' } }, 403);
    // Agent edits customers but cannot erase, manage keys, users or settings.
    await expectStatus(key.agent, { method: 'POST', url: `${customerUrl}/notes`, payload: { body: 'מהסוכן' } }, 201);
    await expectStatus(key.agent, { method: 'POST', url: `${customerUrl}/erase` }, 403);
    await expectStatus(key.agent, { method: 'GET', url: '/api/v1/api-keys' }, 403);
    await expectStatus(
      key.agent,
      { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'x', role: 'owner' } },
      403,
    );
    await expectStatus(key.agent, { method: 'DELETE', url: `/api/v1/api-keys/${va.apiKeyId}` }, 403);
    await expectStatus(
      key.agent,
      { method: 'PATCH', url: `/api/v1/users/${va.userId}`, payload: { role: 'owner' } },
      403,
    );
    await expectStatus(key.agent, { method: 'PATCH', url: '/api/v1/settings', payload: { name: 'x' } }, 403);
    // Shoppers see no customer data at all.
    await expectStatus(key.shopper, { method: 'GET', url: '/api/v1/customers' }, 403);
    await expectStatus(key.shopper, { method: 'GET', url: customerUrl }, 403);
    await expectStatus(key.shopper, { method: 'GET', url: `${customerUrl}/export` }, 403);
    await expectStatus(key.shopper, { method: 'GET', url: '/api/v1/orders' }, 403);
    await expectStatus(key.shopper, { method: 'GET', url: '/api/v1/audit' }, 403);
    // Marketers import and change consents, but do not edit profiles.
    expect(can('marketer', 'imports.run')).toBe(true);
    await expectStatus(
      key.marketer,
      { method: 'POST', url: `${customerUrl}/consents`, payload: { channel: 'email', status: 'granted', source: 'x' } },
      201,
    );
    await expectStatus(key.marketer, { method: 'PATCH', url: customerUrl, payload: { firstName: 'x' } }, 403);
    // They tag customers (their segments); analysts only read.
    await expectStatus(key.marketer, { method: 'PUT', url: `${customerUrl}/tags`, payload: { tags: ['חג'] } }, 200);
    await expectStatus(key.analyst, { method: 'PUT', url: `${customerUrl}/tags`, payload: { tags: ['x'] } }, 403);
    if (registeredRoutes(t.app).includes('POST /api/v1/imports/preview')) {
      const res = await a.request({ method: 'POST', url: '/api/v1/imports/preview', key: key.marketer, ...csv() });
      expect([401, 403]).not.toContain(res.statusCode);
    }
  });

  it('an API key is stored only as a hash and shown once', async () => {
    const created = await ok(
      await a.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'hashed', role: 'agent' } }),
      201,
    );
    expect(created.key).toMatch(/^kl_/);
    const row = await inWorkspace(t.database.db, a.workspaceId, (trx) =>
      trx.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow(),
    );
    expect(row.key_hash).toBe(sha256(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(created.key.startsWith(row.prefix)).toBe(true);
    const { rows } = await inWorkspace(t.database.db, a.workspaceId, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from audit_log where after::text like ${`%${created.key}%`}`.execute(
        trx,
      ),
    );
    expect(rows[0]?.n).toBe(0);
    const list = await ok(await a.request({ method: 'GET', url: '/api/v1/api-keys' }));
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(list.items.find((k: { id: string }) => k.id === created.id)).not.toHaveProperty('key');
  });

  it('passwords are hashed with argon2id', async () => {
    const rows = await inWorkspace(t.database.db, a.workspaceId, (trx) =>
      trx.selectFrom('users').select(['password_hash']).execute(),
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(rows)).not.toContain(a.ownerPassword);
  });
});

describe('sessions and browsers', () => {
  const login = (email: string, password: string, ip = freshIp()) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': ip },
      payload: { email, password },
    });

  it('the session cookie is HttpOnly and SameSite, and writes need the CSRF token', async () => {
    const res = await login(a.ownerEmail, a.ownerPassword);
    const body = await ok(res);
    const cookie = res.cookies.find((c) => c.name === 'klient_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const header = `klient_session=${cookie?.value}`;
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { cookie: header } });
    expect(read.statusCode).toBe(200);
    const payload = { firstName: 'עם עוגייה' };
    for (const headers of [{ cookie: header }, { cookie: header, 'x-csrf-token': 'wrong-token' }]) {
      const denied = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe('AUTH.CSRF');
    }
    const allowed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { cookie: header, 'x-csrf-token': body.csrfToken },
      payload,
    });
    expect(allowed.statusCode).toBe(201);
  });

  it('five wrong passwords make that address wait, even with the right one', async () => {
    const victim = await createTestWorkspace(t, 'נעילה');
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      const res = await login(victim.ownerEmail, 'wrong password!', ip);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('AUTH.INVALID_CREDENTIALS');
    }
    const locked = await login(victim.ownerEmail, victim.ownerPassword, ip);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.json().code).toBe('AUTH.LOCKED');
    expect(locked.cookies.find((c) => c.name === 'klient_session')).toBeUndefined();
  });

  it('login attempts from one address are rate limited', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await login(`nobody-${i}@nowhere.example`, 'whatever password', ip)).statusCode);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await login(a.ownerEmail, a.ownerPassword, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
  });

  it('answers carry the security headers', async () => {
    for (const url of ['/api/v1/setup', '/healthz']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['referrer-policy']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('audit trail', () => {
  const auditOf = async (entityType: string, entityId: string) =>
    (await ok(await a.request({ method: 'GET', url: `/api/v1/audit?entityType=${entityType}&entityId=${entityId}` })))
      .items as { action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[];

  it('records before and after for customer updates, role changes and API keys', async () => {
    const customer = await ok(
      await a.request({ method: 'POST', url: '/api/v1/customers', payload: { firstName: 'לפני' } }),
      201,
    );
    await ok(
      await a.request({ method: 'PATCH', url: `/api/v1/customers/${customer.id}`, payload: { firstName: 'אחרי' } }),
    );
    const updated = (await auditOf('customer', customer.id)).find((e) => e.action === 'customer.updated');
    expect(updated?.before).toMatchObject({ firstName: 'לפני' });
    expect(updated?.after).toMatchObject({ firstName: 'אחרי' });

    await ok(await a.request({ method: 'PATCH', url: `/api/v1/users/${va.userId}`, payload: { role: 'marketer' } }));
    const roleChange = (await auditOf('user', va.userId)).find((e) => e.action === 'user.updated');
    expect(roleChange?.before).toMatchObject({ role: 'agent' });
    expect(roleChange?.after).toMatchObject({ role: 'marketer' });
    await ok(await a.request({ method: 'PATCH', url: `/api/v1/users/${va.userId}`, payload: { role: 'agent' } }));

    const key = await ok(
      await a.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'audited', role: 'analyst' } }),
      201,
    );
    await a.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}` });
    const keyEntries = await auditOf('api_key', key.id);
    const created = keyEntries.find((e) => e.action === 'api_key.created');
    const revoked = keyEntries.find((e) => e.action === 'api_key.revoked');
    expect(created?.after).toMatchObject({ name: 'audited', role: 'analyst' });
    expect(revoked?.before).toMatchObject({ revokedAt: null });
    expect(revoked?.after).toMatchObject({ revokedAt: expect.any(String) });
  });
});

describe('bad requests', () => {
  it('malformed JSON is a 400 BAD_JSON problem', async () => {
    const res = await a.request({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { 'content-type': 'application/json' },
      payload: '{"firstName": "דנה",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, code: 'BAD_JSON' });
  });

  it('a JSON body over 1 MB is a 413 problem', async () => {
    const res = await a.request({
      method: 'POST',
      url: `/api/v1/customers/${va.customerId}/notes`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ body: 'א'.repeat(600_000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('wrong types are a 400 naming each field, in the body, nested and in the query', async () => {
    const body = await a.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { firstName: 7, tags: 'vip', address: { city: 5 } },
    });
    expect(body.statusCode).toBe(400);
    expect(body.json().code).toBe('VALIDATION');
    const fields = body.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['firstName', 'tags', 'address.city']));
    expect(body.json().detail).toContain('firstName');

    const query = await a.request({ method: 'GET', url: '/api/v1/customers?limit=many' });
    expect(query.statusCode).toBe(400);
    expect(query.json().errors[0].field).toBe('querystring.limit');

    const params = await a.request({ method: 'GET', url: '/api/v1/customers/not-a-uuid' });
    expect(params.statusCode).toBe(400);
    expect(params.json().errors[0].field).toBe('params.id');
  });
});
