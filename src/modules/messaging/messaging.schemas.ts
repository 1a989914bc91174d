import { z } from 'zod';
import { instant, pageOf } from '../../platform/replies.ts';

export const messageChannels = ['email', 'sms'] as const;
export const messageStatuses = ['queued', 'sending', 'sent', 'failed', 'delivered_locally', 'cancelled'] as const;

/** A phone as the outbox sends to it: E.164, + and 8 to 15 digits. */
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * What a module hands the outbox (enqueueMessage). The idempotency key names
 * the cause, by ids (`loyalty.otp:<challenge id>`), never the person's address:
 * the same key twice is one message.
 */
export const outgoingMessage = z
  .object({
    channel: z.enum(messageChannels),
    to: z.string().trim().min(1).max(320),
    customerId: z.uuid().nullable().optional(),
    subject: z.string().trim().min(1).max(300).optional(),
    text: z.string().min(1).max(100_000),
    html: z.string().min(1).max(500_000).optional(),
    purpose: z
      .string()
      .max(100)
      .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/),
    module: z
      .string()
      .max(50)
      .regex(/^[a-z][a-z0-9_]*$/),
    idempotencyKey: z.string().min(1).max(200),
    /** For marketing: the one-click unsubscribe address (https, or http inside a business's network). */
    unsubscribeUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.channel === 'email') {
      if (!z.email().safeParse(m.to).success) ctx.addIssue({ code: 'custom', path: ['to'], message: 'email.invalid' });
      if (!m.subject) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'required' });
    } else {
      if (!E164.test(m.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'phone.invalid' });
      if (m.html) ctx.addIssue({ code: 'custom', path: ['html'], message: 'invalid' });
    }
  });
export type OutgoingMessage = z.input<typeof outgoingMessage>;

/** The outbox list's filters (GET /messaging/outbox). */
export const outboxQuery = z
  .object({
    status: z.enum(messageStatuses).optional(),
    channel: z.enum(messageChannels).optional(),
    customerId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export type OutboxQuery = z.infer<typeof outboxQuery>;

/** A message as the list shows it: who, what, where it stands, and the start of its text. */
export const outboxMessageSchema = z.strictObject({
  id: z.uuid(),
  channel: z.enum(messageChannels),
  recipient: z.string(),
  customerId: z.uuid().nullable(),
  subject: z.string().nullable(),
  preview: z.string(),
  purpose: z.string(),
  module: z.string(),
  status: z.enum(messageStatuses),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: instant,
  sentAt: instant.nullable(),
  erasedAt: instant.nullable(),
});
export const outboxPageSchema = pageOf(outboxMessageSchema);

/** One message with its whole text (and its HTML, when the sender gave one). */
export const outboxMessageDetailSchema = outboxMessageSchema.extend({
  text: z.string(),
  html: z.string().nullable(),
});

/**
 * How each channel delivers on this server: by its provider, or kept in the
 * outbox for people to read (no mail server set; SMS has no provider yet).
 */
export const messagingChannelsSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      channel: z.enum(messageChannels),
      delivery: z.enum(['provider', 'local']),
      /** The mail server's host (never its password), when there is one. */
      server: z.string().nullable(),
      from: z.string().nullable(),
    }),
  ),
});
