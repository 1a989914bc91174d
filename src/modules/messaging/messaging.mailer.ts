import nodemailer from 'nodemailer';
import type { MailSettings } from '../../platform/module.ts';

/** One email as the outbox hands it to the mail server. */
export type Mail = {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** A marketing message's one-click unsubscribe (RFC 8058): List-Unsubscribe with List-Unsubscribe-Post. */
  unsubscribeUrl?: string | null;
};

/** The mail server, as the worker sees it: it sends, or throws a SendFailure. */
export type Mailer = {
  /** The server's host, never its user or password: the outbox screen names it. */
  readonly server: string;
  readonly from: string;
  send(mail: Mail): Promise<void>;
};

/**
 * A send the mail server refused or could not take. `permanent` when its
 * answer was a 5xx (no such mailbox, sender refused): trying again would
 * only be refused again. `summary` is what the outbox keeps: the server's
 * reply, without the SMTP transcript.
 */
export class SendFailure extends Error {
  override name = 'SendFailure';
  constructor(
    readonly summary: string,
    readonly permanent: boolean,
  ) {
    super(summary);
  }
}

// Long enough for a slow relay, short enough to end well inside the job's lease (messaging.delivery.ts).
const TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 };

/** The SMTP mailer of these settings, or null when none is set (mail then stays in the outbox). */
export function smtpMailer(settings: MailSettings): Mailer | null {
  if (!settings.smtpUrl || !settings.from) return null;
  const url = new URL(settings.smtpUrl);
  const transport = nodemailer.createTransport({ url: settings.smtpUrl, ...TIMEOUTS });
  const from = settings.from;
  // The Message-ID's domain: the sender's, so a retried send reads as the same message to the receiving side.
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? url.hostname;
  return {
    server: url.hostname,
    from,
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          messageId: `<${mail.messageId}@${domain}>`,
          ...(mail.unsubscribeUrl
            ? {
                list: { unsubscribe: { url: mail.unsubscribeUrl, comment: 'Unsubscribe' } },
                headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
              }
            : {}),
        });
      } catch (error) {
        throw failureOf(error);
      }
    },
  };
}

function failureOf(error: unknown): SendFailure {
  const e = error as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown } | null;
  const status = typeof e?.responseCode === 'number' ? e.responseCode : null;
  const reply = typeof e?.response === 'string' ? e.response : typeof e?.message === 'string' ? e.message : 'unknown';
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  return new SendFailure(`${code}${reply}`.slice(0, 1000), status !== null && status >= 500 && status < 600);
}
