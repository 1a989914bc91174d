import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inSystem, inWorkspace, type Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError, type FieldError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { getWorkspace } from '../../platform/sessions.ts';
import { type CustomerContact, contactsForSending } from '../customers/customers.service.ts';
import { enqueueMessages, messageStatusCounts, type OutgoingMessage } from '../messaging/messaging.service.ts';
import { refreshSegment, segmentMemberIdsQuery } from '../segments/segments.service.ts';
import { nextSendingTime } from './campaigns.quiet.ts';
import type { CreateCampaignBody, CreateTemplateBody } from './campaigns.schemas.ts';
import type { CampaignChannel, MessageTemplateTable, SkipReason } from './campaigns.tables.ts';
import {
  fill,
  type Locale,
  marketingSubject,
  type PersonalValues,
  renderEmailHtml,
  renderEmailText,
  renderSms,
  smsSegments,
  unknownFields,
} from './campaigns.templates.ts';
import { unsubscribeKey, unsubscribeToken } from './campaigns.unsubscribe.ts';

export const DISPATCH_QUEUE = 'campaigns.dispatch';
/** Every minute: a campaign still sending with recipients undecided gets a dispatch run (its last one may have died). */
export const RESUME_QUEUE = 'campaigns.resume';
/**
 * A dispatch run that has not finished in this long is taken to have died
 * with its process, and pg-boss hands the job out again; the resume schedule
 * usually starts a run much sooner. Two runs at once are safe (SKIP LOCKED).
 */
const dispatchOptions = { expireInSeconds: 15 * 60, retryLimit: 5, retryDelay: 30, retryBackoff: true };
/** Recipients decided in one transaction: a crash redoes at most this many, each still sent once (its outbox key). */
const BATCH = 500;

type TemplateRow = Selectable<MessageTemplateTable>;

const templateReplyOf = (r: TemplateRow) => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  subject: r.subject,
  blocks: r.blocks,
  text: r.text_body,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Every personal field a template's texts name must be one Klient fills in. */
function refuseUnknownFields(body: CreateTemplateBody) {
  const errors: FieldError[] = [];
  const check = (value: string | undefined, field: string) => {
    if (value && unknownFields(value).length) errors.push({ field, message: 'template.field_unknown' });
  };
  if (body.channel === 'email') {
    check(body.subject, 'subject');
    body.blocks.forEach((b, i) => {
      if (b.type !== 'divider') check(b.text, `blocks.${i}.text`);
    });
  } else check(body.text, 'text');
  if (errors.length) throw new AppError('VALIDATION', { fields: errors });
}

export async function createTemplate(trx: Trx, ctx: Ctx, body: CreateTemplateBody, now: Date) {
  requirePermission(ctx, 'campaigns.manage');
  refuseUnknownFields(body);
  const row = await trx
    .insertInto('message_templates')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      channel: body.channel,
      subject: body.channel === 'email' ? body.subject : null,
      blocks: JSON.stringify(body.channel === 'email' ? body.blocks : []),
      text_body: body.channel === 'sms' ? body.text : '',
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, {
    action: 'template.created',
    entityType: 'message_template',
    entityId: row.id,
    after: { name: row.name },
  });
  return templateReplyOf(row);
}

/**
 * Replaces a template's content. Its channel stays (campaigns name it for
 * one), and a campaign sending with it keeps it as it is: each dispatch run
 * renders its templates when it starts, so an edit then would split one
 * campaign between two versions.
 */
export async function updateTemplate(trx: Trx, ctx: Ctx, id: string, body: CreateTemplateBody, now: Date) {
  requirePermission(ctx, 'campaigns.manage');
  const row = await templateRow(trx, ctx, id, true);
  if (body.channel !== row.channel) {
    throw new AppError('VALIDATION', { fields: [{ field: 'channel', message: 'template.channel_fixed' }] });
  }
  refuseUnknownFields(body);
  if (await templateUsedBy(trx, ctx, id, ['sending'])) throw new AppError('TEMPLATE.IN_USE');
  const updated = await trx
    .updateTable('message_templates')
    .set({
      name: body.name,
      subject: body.channel === 'email' ? body.subject : null,
      blocks: JSON.stringify(body.channel === 'email' ? body.blocks : []),
      text_body: body.channel === 'sms' ? body.text : '',
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, {
    action: 'template.updated',
    entityType: 'message_template',
    entityId: id,
    before: { name: row.name },
    after: { name: updated.name },
  });
  return templateReplyOf(updated);
}

/** Deletes a template no campaign names (a sent campaign's report still says what it sent with). */
export async function deleteTemplate(trx: Trx, ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx, 'campaigns.manage');
  const row = await templateRow(trx, ctx, id, true);
  if (await templateUsedBy(trx, ctx, id)) throw new AppError('TEMPLATE.IN_USE');
  await trx.deleteFrom('message_templates').where('workspace_id', '=', ctx.workspaceId).where('id', '=', id).execute();
  await recordAudit(trx, ctx, {
    action: 'template.deleted',
    entityType: 'message_template',
    entityId: id,
    before: { name: row.name },
  });
}

/** Whether a campaign (of these statuses, or any) names the template. */
async function templateUsedBy(trx: Trx, ctx: Ctx, id: string, statuses?: CampaignRow['status'][]): Promise<boolean> {
  const found = await trx
    .selectFrom('campaigns')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where((eb) => eb.or([eb('email_template_id', '=', id), eb('sms_template_id', '=', id)]))
    .$if(statuses !== undefined, (q) => q.where('status', 'in', statuses!))
    .limit(1)
    .executeTakeFirst();
  return found !== undefined;
}

async function templateRow(trx: Trx, ctx: Ctx, id: string, lock = false): Promise<TemplateRow> {
  const row = await trx
    .selectFrom('message_templates')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new AppError('TEMPLATE.NOT_FOUND');
  return row;
}

export async function listTemplates(trx: Trx, ctx: Ctx) {
  requirePermission(ctx, 'campaigns.read');
  const rows = await trx
    .selectFrom('message_templates')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('name')
    .execute();
  return { items: rows.map(templateReplyOf), nextCursor: null };
}

export async function getTemplate(trx: Trx, ctx: Ctx, id: string) {
  requirePermission(ctx, 'campaigns.read');
  return templateReplyOf(await templateRow(trx, ctx, id));
}

/** A template made ready to send once: its HTML rendered by MJML, its texts with the footer the law asks for. */
type Rendered = { channel: CampaignChannel; subject: string; html: string | null; text: string };

async function renderTemplate(row: TemplateRow, locale: Locale, business: string): Promise<Rendered> {
  if (row.channel === 'email') {
    return {
      channel: 'email',
      subject: marketingSubject(row.subject ?? '', locale),
      html: await renderEmailHtml(row.blocks, locale, business),
      text: renderEmailText(row.blocks, locale, business),
    };
  }
  return { channel: 'sms', subject: '', html: null, text: renderSms(row.text_body, locale, business) };
}

const valuesOf = (c: Pick<CustomerContact, 'firstName' | 'lastName'>, business: string): PersonalValues => ({
  firstName: c.firstName ?? '',
  lastName: c.lastName ?? '',
  fullName: [c.firstName, c.lastName].filter(Boolean).join(' '),
  businessName: business,
});

/** The message a customer (or a sample one) would get: subject, HTML, text and, for SMS, its parts. */
export async function previewTemplate(trx: Trx, ctx: Ctx, id: string, customerId?: string) {
  requirePermission(ctx, 'campaigns.read');
  const row = await templateRow(trx, ctx, id);
  const workspace = await getWorkspace(trx, ctx.workspaceId);
  const locale: Locale = workspace.locale === 'en' ? 'en' : 'he';
  const rendered = await renderTemplate(row, locale, workspace.name);
  let person: Pick<CustomerContact, 'firstName' | 'lastName'> = {
    firstName: locale === 'he' ? 'דנה' : 'Dana',
    lastName: locale === 'he' ? 'לוי' : 'Levi',
  };
  if (customerId) {
    const found = (await contactsForSending(trx, ctx, [customerId])).get(customerId);
    if (!found) throw new AppError('VALIDATION', { fields: [{ field: 'customerId', message: 'customer.not_found' }] });
    person = found;
  }
  const values = { ...valuesOf(person, workspace.name) };
  const withLink = (s: string, html: boolean) => fill(s, values, html).replaceAll('{{unsubscribeUrl}}', '#unsubscribe');
  const text = withLink(rendered.text, false);
  return {
    channel: rendered.channel,
    subject: rendered.channel === 'email' ? fill(rendered.subject, values) : null,
    html: rendered.html ? withLink(rendered.html, true) : null,
    text,
    sms: rendered.channel === 'sms' ? smsSegments(text) : null,
  };
}

type CampaignRow = Selectable<DB['campaigns']>;

async function campaignRow(trx: Trx, ctx: Ctx, id: string, lock = false): Promise<CampaignRow> {
  const row = await trx
    .selectFrom('campaigns')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new AppError('CAMPAIGN.NOT_FOUND');
  return row;
}

/** What a campaign's screen shows: its settings, and where each recipient stands (and why one got nothing). */
async function campaignReply(trx: Trx, ctx: Ctx, row: CampaignRow) {
  const counts = await trx
    .selectFrom('campaign_recipients')
    .select(['status', 'skip_reason', 'channel', (eb) => eb.fn.countAll<string>().as('n')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('campaign_id', '=', row.id)
    .groupBy(['status', 'skip_reason', 'channel'])
    .execute();
  const recipients = { total: 0, pending: 0, sent: 0, skipped: 0 };
  const skipped: Partial<Record<SkipReason, number>> = {};
  const byChannel: Partial<Record<CampaignChannel, number>> = {};
  for (const c of counts) {
    const n = Number(c.n);
    recipients.total += n;
    recipients[c.status] += n;
    if (c.skip_reason) skipped[c.skip_reason] = (skipped[c.skip_reason] ?? 0) + n;
    if (c.status === 'sent' && c.channel) byChannel[c.channel] = (byChannel[c.channel] ?? 0) + n;
  }
  return {
    id: row.id,
    name: row.name,
    segmentId: row.segment_id,
    emailTemplateId: row.email_template_id,
    smsTemplateId: row.sms_template_id,
    channelStrategy: row.channel_strategy,
    quietHours: row.quiet_hours,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
    recipients,
    skipped,
    byChannel,
    messages: await messageStatusCounts(trx, ctx, `campaign:${row.id}:`),
  };
}

export async function createCampaign(trx: Trx, ctx: Ctx, body: CreateCampaignBody, now: Date) {
  requirePermission(ctx, 'campaigns.manage');
  await checkCampaignBody(trx, ctx, body);
  const row = await trx
    .insertInto('campaigns')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      segment_id: body.segmentId,
      email_template_id: body.emailTemplateId ?? null,
      sms_template_id: body.smsTemplateId ?? null,
      channel_strategy: body.channelStrategy,
      quiet_hours: body.quietHours,
      created_by: ctx.actor.type === 'user' ? ctx.actor.id : null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, { action: 'campaign.created', entityType: 'campaign', entityId: row.id, after: body });
  return campaignReply(trx, ctx, row);
}

/** A campaign's templates are the workspace's and of their channels, one for each channel it may send on; its segment the workspace's. */
async function checkCampaignBody(trx: Trx, ctx: Ctx, body: CreateCampaignBody): Promise<void> {
  const errors: FieldError[] = [];
  for (const [field, channel] of [
    ['emailTemplateId', 'email'],
    ['smsTemplateId', 'sms'],
  ] as const) {
    const id = body[field];
    if (!id) continue;
    const found = await trx
      .selectFrom('message_templates')
      .select('channel')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) errors.push({ field, message: 'reference.not_found' });
    else if (found.channel !== channel) errors.push({ field, message: 'template.wrong_channel' });
  }
  if (!body.emailTemplateId && !body.smsTemplateId) errors.push({ field: 'emailTemplateId', message: 'required' });
  if (body.channelStrategy === 'email' && !body.emailTemplateId)
    errors.push({ field: 'emailTemplateId', message: 'required' });
  if (body.channelStrategy === 'sms' && !body.smsTemplateId)
    errors.push({ field: 'smsTemplateId', message: 'required' });
  if (errors.length) throw new AppError('VALIDATION', { fields: errors });
  // The segment is the workspace's (its own 404 otherwise).
  await segmentMemberIdsQuery(trx, ctx, body.segmentId);
}

/** Changes a draft: what it sends, to whom and how. One sending or sent stays as it went out. */
export async function updateCampaign(trx: Trx, ctx: Ctx, id: string, body: CreateCampaignBody, now: Date) {
  requirePermission(ctx, 'campaigns.manage');
  const row = await campaignRow(trx, ctx, id, true);
  if (row.status !== 'draft') throw new AppError('CAMPAIGN.NOT_DRAFT');
  await checkCampaignBody(trx, ctx, body);
  const updated = await trx
    .updateTable('campaigns')
    .set({
      name: body.name,
      segment_id: body.segmentId,
      email_template_id: body.emailTemplateId ?? null,
      sms_template_id: body.smsTemplateId ?? null,
      channel_strategy: body.channelStrategy,
      quiet_hours: body.quietHours,
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, { action: 'campaign.updated', entityType: 'campaign', entityId: id, after: body });
  return campaignReply(trx, ctx, updated);
}

/** Deletes a draft. A campaign that went out is kept: its report is the record of what was sent. */
export async function deleteCampaign(trx: Trx, ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx, 'campaigns.manage');
  const row = await campaignRow(trx, ctx, id, true);
  if (row.status !== 'draft') throw new AppError('CAMPAIGN.NOT_DRAFT');
  await trx.deleteFrom('campaigns').where('workspace_id', '=', ctx.workspaceId).where('id', '=', id).execute();
  await recordAudit(trx, ctx, {
    action: 'campaign.deleted',
    entityType: 'campaign',
    entityId: id,
    before: { name: row.name },
  });
}

export async function listCampaigns(trx: Trx, ctx: Ctx) {
  requirePermission(ctx, 'campaigns.read');
  const rows = await trx
    .selectFrom('campaigns')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('created_at', 'desc')
    .execute();
  const items = [];
  for (const row of rows) items.push(await campaignReply(trx, ctx, row));
  return { items, nextCursor: null };
}

export async function getCampaign(trx: Trx, ctx: Ctx, id: string) {
  requirePermission(ctx, 'campaigns.read');
  return campaignReply(trx, ctx, await campaignRow(trx, ctx, id));
}

/**
 * Starts sending: the segment is refreshed, its members become the campaign's
 * recipients (once each, however often this is called), and the dispatch job
 * is enqueued in this transaction. Only a draft starts; a campaign sending or
 * sent answers as it is.
 */
export async function sendCampaign(trx: Trx, ctx: Ctx, jobs: Pick<Jobs, 'sendWithin'>, id: string, now: Date) {
  requirePermission(ctx, 'campaigns.send');
  const row = await campaignRow(trx, ctx, id, true);
  if (row.status === 'cancelled') throw new AppError('CAMPAIGN.CANCELLED');
  if (row.status !== 'draft') return campaignReply(trx, ctx, row);
  await refreshSegment(trx, ctx, row.segment_id, now);
  const members = await segmentMemberIdsQuery(trx, ctx, row.segment_id);
  await trx
    .insertInto('campaign_recipients')
    .columns(['workspace_id', 'campaign_id', 'customer_id'])
    .expression(
      members.select([
        sql<string>`${ctx.workspaceId}::uuid`.as('workspace_id'),
        sql<string>`${row.id}::uuid`.as('campaign_id'),
        'sm.customer_id',
      ]),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  const started = await trx
    .updateTable('campaigns')
    .set({ status: 'sending', started_at: now, updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await jobs.sendWithin(trx, DISPATCH_QUEUE, { workspaceId: ctx.workspaceId, campaignId: row.id }, dispatchOptions);
  await recordAudit(trx, ctx, { action: 'campaign.sent', entityType: 'campaign', entityId: row.id, after: {} });
  return campaignReply(trx, ctx, started);
}

/** Stops a campaign: recipients not yet decided get nothing; messages already in the outbox go on. */
export async function cancelCampaign(trx: Trx, ctx: Ctx, id: string, now: Date) {
  requirePermission(ctx, 'campaigns.send');
  const row = await campaignRow(trx, ctx, id, true);
  if (row.status === 'sent') throw new AppError('CAMPAIGN.ALREADY_SENT');
  const cancelled = await trx
    .updateTable('campaigns')
    .set({ status: 'cancelled', finished_at: now, updated_at: now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, { action: 'campaign.cancelled', entityType: 'campaign', entityId: id, after: {} });
  return campaignReply(trx, ctx, cancelled);
}

/** The channels to try for a customer, in order: the campaign's one, or the customer's preferred then the rest. */
function channelsFor(strategy: CampaignRow['channel_strategy'], contact: CustomerContact): CampaignChannel[] {
  if (strategy !== 'preferred') return [strategy];
  const preferred =
    contact.preferredChannel === 'email' || contact.preferredChannel === 'sms' ? [contact.preferredChannel] : [];
  return [...new Set<CampaignChannel>([...preferred, 'email', 'sms'])];
}

/** The channel a recipient is reached on, or why none: consent first (the law), then an address, then a template. */
function decide(
  row: CampaignRow,
  contact: CustomerContact | undefined,
  templates: Partial<Record<CampaignChannel, Rendered>>,
): { channel: CampaignChannel; to: string } | { reason: SkipReason } {
  if (!contact) return { reason: 'gone' };
  if (contact.conductFlag === 'banned') return { reason: 'conduct' };
  let reason: SkipReason = 'no_consent';
  for (const channel of channelsFor(row.channel_strategy, contact)) {
    if (contact.consents[channel] !== true) continue;
    const to = channel === 'email' ? contact.email : contact.phone;
    if (!to) {
      reason = 'no_address';
      continue;
    }
    if (!templates[channel]) {
      if (reason !== 'no_address') reason = 'no_template';
      continue;
    }
    return { channel, to };
  }
  return { reason };
}

export type DispatchJob = { workspaceId: string; campaignId: string };

/**
 * The dispatch job: decides the campaign's pending recipients a batch at a
 * time, each in a transaction of its own — consent read at that moment (an
 * unsubscribe mid-campaign stops what is not yet decided), each message into
 * the outbox under the key `campaign:<id>:<customer>` (a batch redone after a
 * crash sends nothing twice). In quiet hours it stops and comes back when
 * they end. Safe to run twice at once: batches take their rows with SKIP LOCKED.
 */
export async function dispatchCampaign(
  db: Kysely<DB>,
  jobs: Pick<Jobs, 'send' | 'sendWithin'>,
  publicUrl: string,
  job: DispatchJob,
  clock: () => Date = () => new Date(),
): Promise<{ decided: number; resumeAt: Date | null }> {
  const ctx: Ctx = {
    workspaceId: job.workspaceId,
    actor: { type: 'system', id: null, role: 'owner', name: 'campaigns' },
  };
  const setup = await inWorkspace(db, job.workspaceId, async (trx) => {
    const row = await campaignRow(trx, ctx, job.campaignId);
    if (row.status !== 'sending') return null;
    const workspace = await getWorkspace(trx, job.workspaceId);
    const locale: Locale = workspace.locale === 'en' ? 'en' : 'he';
    const templates: Partial<Record<CampaignChannel, Rendered>> = {};
    for (const id of [row.email_template_id, row.sms_template_id]) {
      if (!id) continue;
      const t = await templateRow(trx, ctx, id);
      templates[t.channel] = await renderTemplate(t, locale, workspace.name);
    }
    return { row, workspace, templates, key: await unsubscribeKey(trx, ctx) };
  });
  if (!setup) return { decided: 0, resumeAt: null };
  const { row, workspace, templates, key } = setup;
  let decided = 0;
  for (;;) {
    const now = clock();
    if (row.quiet_hours) {
      const resumeAt = nextSendingTime(now, workspace.timeZone);
      if (resumeAt > now) {
        await jobs.send(DISPATCH_QUEUE, job, { ...dispatchOptions, startAfter: resumeAt });
        return { decided, resumeAt };
      }
    }
    const done = await inWorkspace(db, job.workspaceId, async (trx) => {
      const current = await campaignRow(trx, ctx, job.campaignId);
      if (current.status !== 'sending') return true;
      const pending = await trx
        .selectFrom('campaign_recipients')
        .select('customer_id')
        .where('workspace_id', '=', job.workspaceId)
        .where('campaign_id', '=', job.campaignId)
        .where('status', '=', 'pending')
        .orderBy('customer_id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      if (pending.length === 0) {
        const left = await trx
          .selectFrom('campaign_recipients')
          .select('customer_id')
          .where('workspace_id', '=', job.workspaceId)
          .where('campaign_id', '=', job.campaignId)
          .where('status', '=', 'pending')
          .limit(1)
          .executeTakeFirst();
        // Another run holds the last batch: it finishes the campaign.
        if (left) return true;
        await trx
          .updateTable('campaigns')
          .set({ status: 'sent', finished_at: now, updated_at: now })
          .where('workspace_id', '=', job.workspaceId)
          .where('id', '=', job.campaignId)
          .where('status', '=', 'sending')
          .execute();
        return true;
      }
      const contacts = await contactsForSending(
        trx,
        ctx,
        pending.map((p) => p.customer_id),
      );
      const skipped: { customerId: string; reason: string }[] = [];
      const sending: { customerId: string; channel: CampaignChannel; message: OutgoingMessage }[] = [];
      for (const { customer_id: customerId } of pending) {
        const contact = contacts.get(customerId);
        const choice = decide(row, contact, templates);
        if ('reason' in choice || !contact) {
          skipped.push({ customerId, reason: 'reason' in choice ? choice.reason : 'gone' });
          continue;
        }
        const rendered = templates[choice.channel]!;
        const url = `${publicUrl}/api/v1/unsubscribe/${unsubscribeToken(key, job.workspaceId, customerId, choice.channel)}`;
        const values = valuesOf(contact, workspace.name);
        const personal = (s: string, html: boolean) =>
          fill(s, values, html).replaceAll('{{unsubscribeUrl}}', html ? url.replaceAll('&', '&amp;') : url);
        sending.push({
          customerId,
          channel: choice.channel,
          message: {
            channel: choice.channel,
            to: choice.to,
            customerId,
            ...(choice.channel === 'email' ? { subject: fill(rendered.subject, values) } : {}),
            text: personal(rendered.text, false),
            ...(rendered.html ? { html: personal(rendered.html, true) } : {}),
            purpose: 'campaigns.marketing',
            module: 'campaigns',
            idempotencyKey: `campaign:${job.campaignId}:${customerId}`,
            ...(choice.channel === 'email' ? { unsubscribeUrl: url } : {}),
          },
        });
      }
      const enqueued = await enqueueMessages(
        trx,
        ctx,
        jobs,
        sending.map((s) => s.message),
      );
      await markRecipients(trx, job.workspaceId, job.campaignId, now, [
        ...skipped.map((s) => ({
          customerId: s.customerId,
          status: 'skipped' as const,
          reason: s.reason,
          channel: null,
          messageId: null,
        })),
        ...sending.map((s, i) => ({
          customerId: s.customerId,
          status: 'sent' as const,
          reason: null,
          channel: s.channel,
          messageId: enqueued[i]!.id,
        })),
      ]);
      decided += pending.length;
      return false;
    });
    if (done) return { decided, resumeAt: null };
  }
}

/**
 * The resume job (every minute): each campaign that is sending and still has
 * undecided recipients, outside its quiet hours, gets a dispatch run — at
 * most one a minute each (pg-boss's singleton). A server killed mid-campaign
 * so goes on within a minute of starting again; a live run beside it is
 * harmless, each takes its own batches. Returns the campaigns it started.
 */
export async function resumeCampaigns(
  db: Kysely<DB>,
  jobs: Pick<Jobs, 'send'>,
  clock: () => Date = () => new Date(),
): Promise<number> {
  const sending = await inSystem(db, (trx) =>
    trx
      .selectFrom('campaigns as k')
      .select(['k.workspace_id', 'k.id', 'k.quiet_hours'])
      .where('k.status', '=', 'sending')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('campaign_recipients as r')
            .select('r.customer_id')
            .whereRef('r.workspace_id', '=', 'k.workspace_id')
            .whereRef('r.campaign_id', '=', 'k.id')
            .where('r.status', '=', 'pending'),
        ),
      )
      .execute(),
  );
  const now = clock();
  let started = 0;
  for (const c of sending) {
    if (c.quiet_hours) {
      const { timeZone } = await inWorkspace(db, c.workspace_id, (trx) => getWorkspace(trx, c.workspace_id));
      if (nextSendingTime(now, timeZone) > now) continue;
    }
    const id = await jobs.send<DispatchJob>(
      DISPATCH_QUEUE,
      { workspaceId: c.workspace_id, campaignId: c.id },
      { ...dispatchOptions, singletonKey: `resume:${c.id}`, singletonSeconds: 60 },
    );
    if (id) started++;
  }
  return started;
}

/** Writes what was decided for a batch of recipients, in one statement. */
async function markRecipients(
  trx: Trx,
  workspaceId: string,
  campaignId: string,
  now: Date,
  rows: {
    customerId: string;
    status: 'sent' | 'skipped';
    reason: string | null;
    channel: CampaignChannel | null;
    messageId: string | null;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    update campaign_recipients r
       set status = d.status, skip_reason = d.reason, channel = d.channel, message_id = d.message_id, decided_at = ${now}
      from unnest(${rows.map((r) => r.customerId)}::uuid[], ${rows.map((r) => r.status)}::text[],
                  ${rows.map((r) => r.reason)}::text[], ${rows.map((r) => r.channel)}::text[],
                  ${rows.map((r) => r.messageId)}::uuid[]) as d(customer_id, status, reason, channel, message_id)
     where r.workspace_id = ${workspaceId} and r.campaign_id = ${campaignId} and r.customer_id = d.customer_id`.execute(
    trx,
  );
}

/** A customer's part in campaigns: merge moves it (once per campaign), erase removes it, export lists it. */
export const campaignsCustomerHooks = {
  async merge(trx: Trx, ctx: Ctx, { survivorId, mergedId }: { survivorId: string; mergedId: string }) {
    await trx
      .updateTable('campaign_recipients as r')
      .set({ customer_id: survivorId })
      .where('r.workspace_id', '=', ctx.workspaceId)
      .where('r.customer_id', '=', mergedId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('campaign_recipients as s')
              .select('s.customer_id')
              .whereRef('s.workspace_id', '=', 'r.workspace_id')
              .whereRef('s.campaign_id', '=', 'r.campaign_id')
              .where('s.customer_id', '=', survivorId),
          ),
        ),
      )
      .execute();
    await trx
      .deleteFrom('campaign_recipients')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', mergedId)
      .execute();
  },
  async export(trx: Trx, ctx: Ctx, customerId: string) {
    const rows = await trx
      .selectFrom('campaign_recipients as r')
      .innerJoin('campaigns as k', (j) =>
        j.onRef('k.workspace_id', '=', 'r.workspace_id').onRef('k.id', '=', 'r.campaign_id'),
      )
      .select(['k.name', 'r.status', 'r.channel', 'r.skip_reason', 'r.decided_at'])
      .where('r.workspace_id', '=', ctx.workspaceId)
      .where('r.customer_id', '=', customerId)
      .orderBy('r.decided_at')
      .execute();
    return {
      campaigns: rows.map((r) => ({
        campaign: r.name,
        status: r.status,
        channel: r.channel,
        skipReason: r.skip_reason,
        decidedAt: r.decided_at,
      })),
    };
  },
  async erase(trx: Trx, ctx: Ctx, customerId: string) {
    await trx
      .deleteFrom('campaign_recipients')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', customerId)
      .execute();
  },
};
