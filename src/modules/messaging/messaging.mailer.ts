import type { SendMailOptions } from 'nodemailer';
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

/**
 * The mail server, as the worker sees it. `send` sends one, or throws a
 * SendFailure. `sendAll` sends many over a pool of `connections` SMTP
 * connections held open for the call (one connection per message would cost a
 * handshake each): each connection sends one message at a time, and takes its
 * next only once `settled` has recorded the last's outcome, so at any moment
 * at most `connections` messages are with the server and not yet recorded.
 */
export type Mailer = {
  /** The server's host, never its user or password: the outbox screen names it. */
  readonly server: string;
  readonly from: string;
  send(mail: Mail): Promise<void>;
  sendAll(
    mails: readonly Mail[],
    connections: number,
    settled: (mail: Mail, failure: SendFailure | null) => Promise<void>,
  ): Promise<void>;
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
  const smtpUrl = settings.smtpUrl;
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({ url: smtpUrl, ...TIMEOUTS });
  const from = settings.from;
  // The Message-ID's domain: the sender's, so a retried send reads as the same message to the receiving side.
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? url.hostname;
  const envelope = (mail: Mail): SendMailOptions => ({
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
  return {
    server: url.hostname,
    from,
    async send(mail) {
      try {
        await transport.sendMail(envelope(mail));
      } catch (error) {
        throw failureOf(error);
      }
    },
    async sendAll(mails, connections, settled) {
      const width = Math.max(1, Math.min(connections, mails.length));
      const pool = nodemailer.createTransport({
        url: smtpUrl,
        pool: true,
        maxConnections: width,
        maxMessages: Number.POSITIVE_INFINITY,
        ...TIMEOUTS,
      });
      let next = 0;
      const lane = async () => {
        while (next < mails.length) {
          const mail = mails[next++] as Mail;
          let failure: SendFailure | null = null;
          try {
            await pool.sendMail(envelope(mail));
          } catch (error) {
            failure = failureOf(error);
          }
          await settled(mail, failure);
        }
      };
      const lanes = await Promise.allSettled(Array.from({ length: width }, lane));
      pool.close();
      const broken = lanes.find((l) => l.status === 'rejected');
      if (broken) throw broken.reason;
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
