import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { createTestWorkspace, getTestApp, noJobs, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { call, type Json, newCustomer } from '../customers/customers.test-helpers.ts';
import { isQuiet, nextSendingTime } from './campaigns.quiet.ts';
import { type DispatchJob, dispatchCampaign, resumeCampaigns, sendCampaign } from './campaigns.service.ts';
import { smsSegments } from './campaigns.templates.ts';

// Templates and campaigns: what a customer gets, on which channel, what the law asks of it, and the way out.

let t: TestApp;
let ws: TestWorkspace;
let ctx: Ctx;
const PUBLIC = 'https://klient.example.co.il';
// A Tuesday at noon in Israel: no quiet hours.
const tuesdayNoon = new Date('2026-12-08T10:00:00Z');

const granted = (channel: string) => ({ channel, status: 'granted', source: 'טופס באתר' });
const customers = {} as Record<'email' | 'sms' | 'none' | 'noAddress' | 'prefersSms', Json>;

const emailTemplate = {
  name: 'חנוכה',
  channel: 'email',
  subject: 'סופגניות לחנוכה, {{firstName}}',
  blocks: [
    { type: 'heading', text: 'שלום {{firstName}}!' },
    { type: 'text', text: 'השבוע סופגנייה שנייה חינם\nבכל הסניפים.' },
    { type: 'button', text: 'לתפריט', url: 'https://cafe.example.co.il/menu?a=1&b=2' },
  ],
};
const smsTemplate = { name: 'חנוכה SMS', channel: 'sms', text: 'שלום {{firstName}}, סופגנייה שנייה חינם השבוע!' };

/** Outbox messages of a campaign, with what the mail server will be handed. */
const messagesOf = (campaignId: string) =>
  inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    trx
      .selectFrom('outbox_messages')
      .select(['customer_id', 'channel', 'recipient', 'subject', 'text_body', 'html_body', 'unsubscribe_url'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('idempotency_key', 'like', `campaign:${campaignId}:%`)
      .execute(),
  );

/** A campaign started without its job (the test dispatches it itself, at a time it chooses). */
async function started(body: object) {
  const campaign = await call(ws, 'POST', '/api/v1/campaigns', body, 201);
  await inWorkspace(t.database.db, ws.workspaceId, (trx) => sendCampaign(trx, ctx, noJobs, campaign.id, tuesdayNoon));
  return campaign.id as string;
}

let segmentId: string;
let emailId: string;
let smsId: string;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'הקפה של נועה');
  ctx = { workspaceId: ws.workspaceId, actor: { type: 'system', id: null, role: 'owner', name: 'test' } };
  const tag = ['חנוכה'];
  customers.email = await newCustomer(ws, {
    firstName: '<b>דנה</b>',
    email: 'dana@example.co.il',
    tags: tag,
    consents: [granted('email')],
  });
  customers.sms = await newCustomer(ws, {
    firstName: 'יוסי',
    phone: '050-1234567',
    tags: tag,
    consents: [granted('sms')],
  });
  customers.none = await newCustomer(ws, { firstName: 'נועה', email: 'noa@example.co.il', tags: tag });
  customers.noAddress = await newCustomer(ws, {
    firstName: 'רון',
    phone: '052-7654321',
    tags: tag,
    consents: [granted('email')],
  });
  customers.prefersSms = await newCustomer(ws, {
    firstName: 'מיכל',
    email: 'michal@example.co.il',
    phone: '054-1112233',
    preferredChannel: 'sms',
    tags: tag,
    consents: [granted('email'), granted('sms')],
  });
  const segment = await call(
    ws,
    'POST',
    '/api/v1/segments',
    { name: 'חנוכה', rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: tag }] } },
    201,
  );
  segmentId = segment.id;
  emailId = (await call(ws, 'POST', '/api/v1/templates', emailTemplate, 201)).id;
  smsId = (await call(ws, 'POST', '/api/v1/templates', smsTemplate, 201)).id;
});

describe('templates', () => {
  it('render an email right to left with "פרסומת", the sender and the way out, a name never as markup', async () => {
    const preview = await call(
      ws,
      'POST',
      `/api/v1/templates/${emailId}/preview`,
      { customerId: customers.email.id },
      200,
    );
    expect(preview.subject).toBe('פרסומת: סופגניות לחנוכה, <b>דנה</b>');
    expect(preview.html).toContain('dir="rtl"');
    expect(preview.html).toContain('שלום &lt;b&gt;דנה&lt;/b&gt;!');
    expect(preview.html).not.toContain('<b>דנה</b>');
    expect(preview.html).toContain('נשלח על ידי הקפה של נועה');
    expect(preview.html).toContain('https://cafe.example.co.il/menu?a=1&amp;b=2');
    expect(preview.text).toContain('לתפריט: https://cafe.example.co.il/menu?a=1&b=2');
    expect(preview.text).toContain('להסרה מרשימת התפוצה');
  });

  it('count an SMS in the parts a phone company bills', async () => {
    const preview = await call(ws, 'POST', `/api/v1/templates/${smsId}/preview`, {}, 200);
    expect(preview.text.startsWith('פרסומת הקפה של נועה: שלום דנה')).toBe(true);
    expect(preview.sms.encoding).toBe('ucs2');
    expect(preview.sms.segments).toBe(Math.ceil(preview.text.length / 67));
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('ש'.repeat(70)).segments).toBe(1);
    expect(smsSegments('ש'.repeat(71)).segments).toBe(2);
  });

  it('refuse a personal field Klient does not know, naming where it is', async () => {
    const res = await ws.request({
      method: 'POST',
      url: '/api/v1/templates',
      payload: { ...emailTemplate, blocks: [{ type: 'text', text: 'שלום {{shoeSize}}' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toMatchObject([{ field: 'blocks.0.text', code: 'template.field_unknown' }]);
  });
});

describe('editing', () => {
  it('changes and deletes a draft, never one that went out, and keeps a template a campaign names', async () => {
    const template = await call(ws, 'POST', '/api/v1/templates', { ...emailTemplate, name: 'טיוטה' }, 201);
    const body = { name: 'טיוטה', segmentId, emailTemplateId: template.id, channelStrategy: 'email' };
    const draft = await call(ws, 'POST', '/api/v1/campaigns', body, 201);
    const changed = await call(
      ws,
      'PUT',
      `/api/v1/campaigns/${draft.id}`,
      { ...body, name: 'טיוטה מתוקנת', quietHours: false },
      200,
    );
    expect(changed).toMatchObject({ name: 'טיוטה מתוקנת', quietHours: false, status: 'draft' });
    // The same checks as making one: an SMS template where an email one goes is refused, naming the field.
    const wrong = await ws.request({
      method: 'PUT',
      url: `/api/v1/campaigns/${draft.id}`,
      payload: { ...body, emailTemplateId: smsId },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors).toMatchObject([{ field: 'emailTemplateId', code: 'template.wrong_channel' }]);

    // A template a campaign names is kept; its text may change, its channel not.
    const kept = await ws.request({ method: 'DELETE', url: `/api/v1/templates/${template.id}` });
    expect(kept.statusCode).toBe(409);
    expect(kept.json().code).toBe('TEMPLATE.IN_USE');
    const edited = await call(
      ws,
      'PUT',
      `/api/v1/templates/${template.id}`,
      { ...emailTemplate, name: 'טיוטה', subject: 'נושא חדש, {{firstName}}' },
      200,
    );
    expect(edited.subject).toBe('נושא חדש, {{firstName}}');
    const moved = await ws.request({
      method: 'PUT',
      url: `/api/v1/templates/${template.id}`,
      payload: { name: 'טיוטה', channel: 'sms', text: 'שלום' },
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().errors).toMatchObject([{ field: 'channel', code: 'template.channel_fixed' }]);

    // While a campaign sends with it, the template stays as it is; once sent, the campaign stays as it went out.
    await inWorkspace(t.database.db, ws.workspaceId, (trx) => sendCampaign(trx, ctx, noJobs, draft.id, tuesdayNoon));
    const busy = await ws.request({
      method: 'PUT',
      url: `/api/v1/templates/${template.id}`,
      payload: { ...emailTemplate, name: 'טיוטה' },
    });
    expect(busy.statusCode).toBe(409);
    for (const request of [
      { method: 'PUT' as const, url: `/api/v1/campaigns/${draft.id}`, payload: body },
      { method: 'DELETE' as const, url: `/api/v1/campaigns/${draft.id}` },
    ]) {
      const res = await ws.request(request);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('CAMPAIGN.NOT_DRAFT');
    }

    const other = await call(ws, 'POST', '/api/v1/campaigns', { ...body, name: 'למחיקה' }, 201);
    expect((await ws.request({ method: 'DELETE', url: `/api/v1/campaigns/${other.id}` })).statusCode).toBe(204);
    expect((await ws.request({ method: 'GET', url: `/api/v1/campaigns/${other.id}` })).statusCode).toBe(404);
    const unused = await call(ws, 'POST', '/api/v1/templates', { ...emailTemplate, name: 'ללא שימוש' }, 201);
    expect((await ws.request({ method: 'DELETE', url: `/api/v1/templates/${unused.id}` })).statusCode).toBe(204);
    expect((await ws.request({ method: 'GET', url: `/api/v1/templates/${unused.id}` })).statusCode).toBe(404);
  });
});

describe('a campaign', () => {
  it('reaches each member on a consented channel, the preferred first, and says why the others got nothing', async () => {
    const id = await started({
      name: 'חנוכה 2026',
      segmentId,
      emailTemplateId: emailId,
      smsTemplateId: smsId,
      channelStrategy: 'preferred',
    });
    const run = await dispatchCampaign(
      t.database.db,
      noJobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => tuesdayNoon,
    );
    expect(run.decided).toBe(5);
    const report = await call(ws, 'GET', `/api/v1/campaigns/${id}/report`, undefined, 200);
    expect(report).toMatchObject({
      status: 'sent',
      recipients: { total: 5, sent: 3, skipped: 2, pending: 0 },
      skipped: { no_consent: 1, no_address: 1 },
      byChannel: { email: 1, sms: 2 },
    });
    const messages = await messagesOf(id);
    const of = (key: keyof typeof customers) => messages.find((m) => m.customer_id === customers[key]?.id);
    expect(of('prefersSms')?.channel).toBe('sms');
    expect(of('sms')?.recipient).toBe('+972501234567');
    expect(of('none')).toBeUndefined();
    const email = of('email')!;
    expect(email.subject).toBe('פרסומת: סופגניות לחנוכה, <b>דנה</b>');
    expect(email.unsubscribe_url).toMatch(new RegExp(`^${PUBLIC}/api/v1/unsubscribe/`));
    expect(email.text_body).toContain(email.unsubscribe_url);
    expect(email.html_body).toContain(email.unsubscribe_url);
    // The customer's timeline shows the message and where it stands, not its text.
    const timeline = await call(ws, 'GET', `/api/v1/customers/${customers.email?.id}/timeline`, undefined, 200);
    const sent = timeline.items.find((e: { type: string }) => e.type === 'message.sent');
    expect(sent).toMatchObject({
      data: { channel: 'email', subject: email.subject, purpose: 'campaigns.marketing', status: 'queued' },
    });
    expect(JSON.stringify(sent)).not.toContain(email.unsubscribe_url);
    // Run again (a retried job, a restart): nothing is sent twice.
    await dispatchCampaign(
      t.database.db,
      noJobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => tuesdayNoon,
    );
    expect(await messagesOf(id)).toHaveLength(3);
  });

  it('reads consent when it sends: a customer who unsubscribed after the start gets nothing', async () => {
    const id = await started({ name: 'חנוכה אימייל', segmentId, emailTemplateId: emailId, channelStrategy: 'email' });
    await call(
      ws,
      'POST',
      `/api/v1/customers/${customers.prefersSms.id}/consents`,
      { channel: 'email', status: 'revoked', source: 'שיחת טלפון' },
      201,
    );
    await dispatchCampaign(
      t.database.db,
      noJobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => tuesdayNoon,
    );
    const report = await call(ws, 'GET', `/api/v1/campaigns/${id}`, undefined, 200);
    expect(report.recipients).toMatchObject({ sent: 1, skipped: 4 });
    expect((await messagesOf(id)).map((m) => m.customer_id)).toEqual([customers.email.id]);
  });

  it('waits out quiet hours (Shabbat, nights) and goes on when they end', async () => {
    const tz = 'Asia/Jerusalem';
    expect(isQuiet(new Date('2026-12-11T13:00:00Z'), tz)).toBe(true); // Friday 15:00
    expect(nextSendingTime(new Date('2026-12-11T13:00:00Z'), tz)).toEqual(new Date('2026-12-12T18:00:00Z')); // Saturday 20:00
    expect(nextSendingTime(new Date('2026-12-08T21:10:00Z'), tz)).toEqual(new Date('2026-12-09T06:00:00Z')); // 08:00
    expect(isQuiet(tuesdayNoon, tz)).toBe(false);
    const id = await started({ name: 'שבת שלום', segmentId, smsTemplateId: smsId, channelStrategy: 'sms' });
    const later: { startAfter?: unknown }[] = [];
    const jobs = {
      ...noJobs,
      send: async (_q: string, _d: object, o?: object) => {
        later.push(o ?? {});
        return null;
      },
    };
    const friday = await dispatchCampaign(
      t.database.db,
      jobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => new Date('2026-12-11T13:00:00Z'),
    );
    expect(friday).toEqual({ decided: 0, resumeAt: new Date('2026-12-12T18:00:00Z') });
    expect(later).toEqual([expect.objectContaining({ startAfter: new Date('2026-12-12T18:00:00Z') })]);
    expect(await messagesOf(id)).toHaveLength(0);
    const saturday = await dispatchCampaign(
      t.database.db,
      jobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => new Date('2026-12-12T18:00:00Z'),
    );
    expect(saturday.decided).toBe(5);
  });

  it('is taken up again within a minute when its dispatch died, but not in its quiet hours, nor once decided', async () => {
    const id = await started({ name: 'אחרי נפילה', segmentId, smsTemplateId: smsId, channelStrategy: 'sms' });
    const resumed: { data: DispatchJob; options: Record<string, unknown> }[] = [];
    const jobs = {
      send: async (_q: string, data: object, options?: object) => {
        resumed.push({ data: data as DispatchJob, options: (options ?? {}) as Record<string, unknown> });
        return 'job';
      },
    };
    const mine = () => resumed.filter((r) => r.data.campaignId === id);
    await resumeCampaigns(t.database.db, jobs, () => new Date('2026-12-11T13:00:00Z')); // Friday 15:00
    expect(mine()).toHaveLength(0);
    await resumeCampaigns(t.database.db, jobs, () => tuesdayNoon);
    expect(mine()).toEqual([
      {
        data: { workspaceId: ws.workspaceId, campaignId: id },
        options: expect.objectContaining({ singletonKey: `resume:${id}`, singletonSeconds: 60 }),
      },
    ]);
    await dispatchCampaign(
      t.database.db,
      noJobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => tuesdayNoon,
    );
    resumed.length = 0;
    await resumeCampaigns(t.database.db, jobs, () => tuesdayNoon);
    expect(mine()).toHaveLength(0);
  });

  it('sends through the API and its job, only for those allowed to', async () => {
    const body = {
      name: 'דרך ה-API',
      segmentId,
      emailTemplateId: emailId,
      channelStrategy: 'email',
      quietHours: false,
    };
    const analyst = await ws.keyFor('analyst');
    expect(
      (await ws.request({ method: 'POST', url: '/api/v1/campaigns', payload: body, key: analyst })).statusCode,
    ).toBe(403);
    const agent = await ws.keyFor('agent');
    expect((await ws.request({ method: 'GET', url: '/api/v1/campaigns', key: agent })).statusCode).toBe(403);
    const campaign = await call(ws, 'POST', '/api/v1/campaigns', body, 201);
    expect(
      (await ws.request({ method: 'POST', url: `/api/v1/campaigns/${campaign.id}/send`, key: analyst })).statusCode,
    ).toBe(403);
    const sending = await call(ws, 'POST', `/api/v1/campaigns/${campaign.id}/send`, undefined, 200);
    expect(sending.status).toMatch(/sending|sent/);
    // Sending again is the same campaign, not a second one.
    await call(ws, 'POST', `/api/v1/campaigns/${campaign.id}/send`, undefined, 200);
    let report: Json = sending;
    for (let i = 0; i < 100 && report.status !== 'sent'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      report = await call(ws, 'GET', `/api/v1/campaigns/${campaign.id}`, undefined, 200);
    }
    expect(report.status).toBe('sent');
    expect(report.recipients.total).toBe(5);
  });

  it('refuses another workspace’s segment and templates', async () => {
    const other = await createTestWorkspace(t, 'עסק אחר');
    const res = await other.request({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: 'גניבה', segmentId, emailTemplateId: emailId, channelStrategy: 'email' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toMatchObject([{ field: 'emailTemplateId', code: 'reference.not_found' }]);
    await call(other, 'GET', `/api/v1/templates/${emailId}`, undefined, 404);
  });
});

describe('the way out', () => {
  it('asks, then unsubscribes at once in one click, records it, and takes no forged link', async () => {
    const id = await started({ name: 'יציאה', segmentId, emailTemplateId: emailId, channelStrategy: 'email' });
    await dispatchCampaign(
      t.database.db,
      noJobs,
      PUBLIC,
      { workspaceId: ws.workspaceId, campaignId: id },
      () => tuesdayNoon,
    );
    const message = (await messagesOf(id)).find((m) => m.customer_id === customers.email.id)!;
    const path = new URL(message.unsubscribe_url!).pathname;
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode, `${page.body} ${path}`).toBe(200);
    expect(page.body).toContain('dir="rtl"');
    expect(page.body).toContain('<form method="post"');
    // A page view changes nothing (a mail scanner follows links).
    expect((await call(ws, 'GET', `/api/v1/customers/${customers.email.id}`, undefined, 200)).consents.email).toBe(
      true,
    );
    // RFC 8058: the mail program's own button posts List-Unsubscribe=One-Click.
    const oneClick = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.body).toContain('הוסרת');
    const after = await call(ws, 'GET', `/api/v1/customers/${customers.email.id}`, undefined, 200);
    expect(after.consents.email).toBe(false);
    const history = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
      trx
        .selectFrom('consent_events')
        .select(['status', 'source'])
        .where('workspace_id', '=', ws.workspaceId)
        .where('customer_id', '=', customers.email.id)
        .orderBy('occurred_at', 'desc')
        .executeTakeFirstOrThrow(),
    );
    expect(history).toEqual({ status: 'revoked', source: 'unsubscribe-link' });
    // Again: nothing more to change.
    expect((await t.app.inject({ method: 'POST', url: path })).statusCode).toBe(200);
    // Another customer's id under this signature, or a changed signature: not found, nothing changed.
    const forged = path.replace(customers.email!.id.replaceAll('-', ''), customers.prefersSms!.id.replaceAll('-', ''));
    expect((await t.app.inject({ method: 'POST', url: forged })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `${path.slice(0, -2)}xx` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/unsubscribe/not-a-token-at-all' })).statusCode).toBe(
      404,
    );
  });
});
