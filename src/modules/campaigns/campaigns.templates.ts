import mjml2html from 'mjml';
import { z } from 'zod';

/*
 * Message templates: an email is a list of blocks (heading, text, button,
 * divider) rendered through MJML into HTML that mail programs show alike,
 * right to left in Hebrew, with a plain-text part made from the same blocks;
 * an SMS is its text, counted in the segments a phone company bills. Personal
 * fields ({{firstName}}) are filled in per recipient, HTML-escaped in HTML.
 * Every marketing message gets what the law asks (Israeli Communications
 * Law §30A): the word "פרסומת" first, who sends it, and a way out that works
 * at once.
 */

const text = z.string().trim().min(1).max(5000);
export const emailBlock = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('heading'), text: text.max(300) }),
  z.strictObject({ type: z.literal('text'), text }),
  z.strictObject({
    type: z.literal('button'),
    text: text.max(100),
    url: z.url({ protocol: /^https?$/ }).max(2000),
  }),
  z.strictObject({ type: z.literal('divider') }),
]);
export type EmailBlock = z.infer<typeof emailBlock>;

/** The personal fields a template may use, and what each reads. */
export const personalFields = ['firstName', 'lastName', 'fullName', 'businessName'] as const;
export type PersonalField = (typeof personalFields)[number];
export type PersonalValues = Record<PersonalField, string>;

const FIELD = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** The fields a text names that are not personal fields (a template with one is refused, naming it). */
export function unknownFields(source: string): string[] {
  return [...source.matchAll(FIELD)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(personalFields as readonly string[]).includes(name));
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Fills the personal fields in; `html` escapes each value (a name is never markup). */
export function fill(source: string, values: PersonalValues, html = false): string {
  // A name that is no personal field (the unsubscribe address, filled in later) is left as it is.
  return source.replace(FIELD, (whole, name: string) => {
    const value = values[name as PersonalField];
    if (value === undefined) return whole;
    return html ? escapeHtml(value) : value;
  });
}

export type Locale = 'he' | 'en';

const words = {
  he: { ad: 'פרסומת', unsubscribe: 'להסרה מרשימת התפוצה', from: 'נשלח על ידי', smsStop: 'להסרה' },
  en: { ad: 'Advertisement', unsubscribe: 'Unsubscribe', from: 'Sent by', smsStop: 'To unsubscribe' },
} as const;

/** The subject as the law has it start: "פרסומת" first. */
export function marketingSubject(subject: string, locale: Locale): string {
  return `${words[locale].ad}: ${subject}`;
}

/**
 * The email's HTML with its fields still to fill ({{firstName}}) and the
 * unsubscribe address as {{unsubscribeUrl}}: rendered by MJML once per
 * campaign, filled per recipient. Text is escaped before MJML sees it.
 */
export async function renderEmailHtml(blocks: EmailBlock[], locale: Locale, businessName: string): Promise<string> {
  const dir = locale === 'he' ? 'rtl' : 'ltr';
  const align = locale === 'he' ? 'right' : 'left';
  const body = blocks
    .map((b) => {
      switch (b.type) {
        case 'heading':
          return `<mj-text font-size="22px" font-weight="700" align="${align}">${escapeHtml(b.text)}</mj-text>`;
        case 'text':
          return `<mj-text font-size="16px" line-height="1.6" align="${align}">${escapeHtml(b.text).replace(/\n/g, '<br />')}</mj-text>`;
        case 'button':
          return `<mj-button href="${escapeHtml(b.url)}" background-color="#1c64d4" align="${align}">${escapeHtml(b.text)}</mj-button>`;
        default:
          return '<mj-divider border-color="#d0d7de" border-width="1px" />';
      }
    })
    .join('\n');
  const w = words[locale];
  const source = `<mjml lang="${locale}" dir="${dir}">
  <mj-head>
    <mj-attributes><mj-all font-family="Arial, Helvetica, sans-serif" /><mj-text color="#1f2328" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f6f8fa">
    <mj-section background-color="#ffffff" direction="${dir}"><mj-column>
${body}
    </mj-column></mj-section>
    <mj-section direction="${dir}"><mj-column>
      <mj-text font-size="12px" color="#57606a" align="${align}">${w.ad} · ${w.from} ${escapeHtml(businessName)} · <a href="{{unsubscribeUrl}}" style="color:#57606a">${w.unsubscribe}</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>`;
  const result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
  if (result.errors.length) throw new Error(`MJML: ${result.errors.map((e) => e.formattedMessage).join('; ')}`);
  // MJML writes dir only on some elements; the document's own direction makes the whole message read right to left.
  return result.html.replace('<html ', `<html dir="${dir}" `);
}

/** The email's text part: the same blocks, the button as its address, and the same footer. */
export function renderEmailText(blocks: EmailBlock[], locale: Locale, businessName: string): string {
  const w = words[locale];
  const lines = blocks.map((b) => (b.type === 'divider' ? '—' : b.type === 'button' ? `${b.text}: ${b.url}` : b.text));
  return `${lines.join('\n\n')}\n\n—\n${w.ad} · ${w.from} ${businessName}\n${w.unsubscribe}: {{unsubscribeUrl}}\n`;
}

/** An SMS as sent: "פרסומת", the sender, the text, and the way out. */
export function renderSms(body: string, locale: Locale, businessName: string): string {
  const w = words[locale];
  return `${w.ad} ${businessName}: ${body}\n${w.smsStop}: {{unsubscribeUrl}}`;
}

// GSM 03.38: the basic set (one unit each) and the extension set (two units: escape + the character).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

/**
 * How a phone company counts an SMS: in GSM's 7-bit alphabet 160 characters
 * for one message and 153 per part when it is split; anything else (Hebrew,
 * emoji) goes as UCS-2, 70 for one and 67 per part, counted in UTF-16 units.
 */
export function smsSegments(message: string): { encoding: 'gsm7' | 'ucs2'; units: number; segments: number } {
  let gsm = true;
  let units = 0;
  for (const ch of message) {
    if (GSM_BASIC.includes(ch)) units += 1;
    else if (GSM_EXTENDED.includes(ch)) units += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'gsm7', units, segments: units <= 160 ? 1 : Math.ceil(units / 153) };
  const ucs = message.length;
  return { encoding: 'ucs2', units: ucs, segments: ucs <= 70 ? 1 : Math.ceil(ucs / 67) };
}
