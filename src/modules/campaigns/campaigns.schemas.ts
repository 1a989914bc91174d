import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { emailBlock } from './campaigns.templates.ts';

// Templates and campaigns as the API takes and answers them.

const name = z.string().trim().min(1).max(120);

export const createTemplateBody = z.discriminatedUnion('channel', [
  z.strictObject({
    name,
    channel: z.literal('email'),
    subject: z.string().trim().min(1).max(250),
    blocks: z.array(emailBlock).min(1).max(50),
  }),
  z.strictObject({ name, channel: z.literal('sms'), text: z.string().trim().min(1).max(1000) }),
]);
export type CreateTemplateBody = z.output<typeof createTemplateBody>;

export const idParams = z.strictObject({ id: z.uuid() });
export const previewTemplateBody = z.strictObject({ customerId: z.uuid().optional() });

export const templateSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  channel: z.enum(['email', 'sms']),
  subject: z.string().nullable(),
  blocks: z.array(emailBlock),
  text: z.string(),
  createdAt: instant,
  updatedAt: instant,
});

export const templatePreviewSchema = z.strictObject({
  channel: z.enum(['email', 'sms']),
  subject: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string(),
  sms: z
    .strictObject({ encoding: z.enum(['gsm7', 'ucs2']), units: z.number().int(), segments: z.number().int() })
    .nullable(),
});

export const createCampaignBody = z.strictObject({
  name,
  segmentId: z.uuid(),
  emailTemplateId: z.uuid().optional(),
  smsTemplateId: z.uuid().optional(),
  /** One channel for all, or each customer's preferred consented channel, then the next consented one. */
  channelStrategy: z.enum(['email', 'sms', 'preferred']).default('preferred'),
  quietHours: z.boolean().default(true),
});
export type CreateCampaignBody = z.output<typeof createCampaignBody>;

const count = z.number().int();
export const campaignSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  segmentId: z.uuid(),
  emailTemplateId: z.uuid().nullable(),
  smsTemplateId: z.uuid().nullable(),
  channelStrategy: z.enum(['email', 'sms', 'preferred']),
  quietHours: z.boolean(),
  status: z.enum(['draft', 'sending', 'sent', 'cancelled']),
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  createdAt: instant,
  recipients: z.strictObject({ total: count, pending: count, sent: count, skipped: count }),
  skipped: z.partialRecord(z.enum(['no_consent', 'no_address', 'no_template', 'conduct', 'gone']), count),
  byChannel: z.partialRecord(z.enum(['email', 'sms']), count),
  messages: z.partialRecord(z.enum(['queued', 'sending', 'sent', 'failed', 'delivered_locally', 'cancelled']), count),
});

export const unsubscribeParams = z.strictObject({ token: z.string().min(10).max(300) });
