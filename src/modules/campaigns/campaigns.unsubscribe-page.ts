import type { Unsubscribe } from './campaigns.unsubscribe.ts';

/*
 * The page an unsubscribe link opens: plain HTML, no script, right to left in
 * Hebrew, readable on a phone. It asks first (so a mail scanner that follows
 * links changes nothing), and one button does it.
 */

const text = {
  he: {
    title: 'הסרה מרשימת התפוצה',
    ask: 'להפסיק לקבל מאיתנו הודעות פרסומת בערוץ הזה?',
    button: 'כן, להסיר אותי',
    done: (business: string, channel: string) => `הוסרת. ${business} לא ישלח לך עוד הודעות פרסומת ב${channel}.`,
    invalid: 'הקישור אינו תקין או שפג תוקפו.',
    channels: { email: 'אימייל', sms: 'SMS' } as Record<string, string>,
  },
  en: {
    title: 'Unsubscribe',
    ask: 'Stop receiving our marketing messages on this channel?',
    button: 'Yes, unsubscribe me',
    done: (business: string, channel: string) =>
      `You are unsubscribed. ${business} will send you no more marketing by ${channel}.`,
    invalid: 'This link is not valid.',
    channels: { email: 'email', sms: 'SMS' } as Record<string, string>,
  },
};

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function unsubscribePage(
  locale: 'he' | 'en',
  state: 'ask' | 'done' | 'invalid',
  action?: string,
  done?: Unsubscribe & { business: string },
): string {
  const t = text[locale];
  const body =
    state === 'ask'
      ? `<p>${t.ask}</p><form method="post" action="${escapeHtml(action ?? '')}"><button type="submit">${t.button}</button></form>`
      : state === 'done' && done
        ? `<p role="status">${escapeHtml(t.done(done.business, t.channels[done.channel] ?? done.channel))}</p>`
        : `<p role="alert">${t.invalid}</p>`;
  return `<!doctype html>
<html lang="${locale}" dir="${locale === 'he' ? 'rtl' : 'ltr'}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${t.title}</title>
<style>body{font-family:Arial,Helvetica,sans-serif;background:#f6f8fa;color:#1f2328;margin:0;padding:2rem 1rem}
main{max-width:28rem;margin:auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5rem}
h1{font-size:1.4rem;margin-top:0}button{font-size:1rem;padding:.6rem 1.2rem;background:#1c64d4;color:#fff;border:0;border-radius:6px;cursor:pointer}
button:focus-visible{outline:3px solid #0b3d91;outline-offset:2px}</style></head>
<body><main><h1>${t.title}</h1>${body}</main></body></html>`;
}
