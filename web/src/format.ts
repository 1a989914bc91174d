import { useTranslation } from 'react-i18next';
import type { customerSchema } from '../../src/modules/customers/customers.schemas.ts';
import type { Reply } from './api.ts';
import { useSession } from './session.ts';

function intlLocale(lang: string): string {
  return lang === 'en' ? 'en-IL' : 'he-IL';
}

export type Formatters = {
  money: (amount: string | number | null | undefined) => string;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  number: (n: number) => string;
};

/** Number, money and date formatting in the UI language and the workspace's currency and time zone. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const session = useSession();
  const locale = intlLocale(i18n.language);
  const currency = session?.workspace.currency || 'ILS';
  const timeZone = session?.workspace.timeZone || 'Asia/Jerusalem';
  const safeTz = (() => {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      return timeZone;
    } catch {
      return 'Asia/Jerusalem';
    }
  })();
  const moneyFmt = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 2 });
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: safeTz });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: safeTz });
  const numberFmt = new Intl.NumberFormat(locale);
  return {
    money: (amount) => {
      if (amount === null || amount === undefined || amount === '') return '—';
      const n = typeof amount === 'number' ? amount : Number(amount);
      return Number.isFinite(n) ? moneyFmt.format(n) : String(amount);
    },
    date: (iso) => {
      if (!iso) return '—';
      // A bare date (a birthday) has no time zone: show it as written.
      if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
        return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
          new Date(`${iso}T00:00:00Z`),
        );
      }
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
    },
    dateTime: (iso) => {
      if (!iso) return '—';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
    },
    number: (n) => numberFmt.format(n),
  };
}

/** The name to show for a customer, in the UI language's script when both exist. */
export function customerName(
  c: Pick<Reply<typeof customerSchema>, 'firstName' | 'lastName' | 'firstNameLatin' | 'lastNameLatin'>,
  lang: string,
): string {
  const hebrew = [c.firstName, c.lastName].filter(Boolean).join(' ');
  const latin = [c.firstNameLatin, c.lastNameLatin].filter(Boolean).join(' ');
  if (lang === 'en') return latin || hebrew;
  return hebrew || latin;
}

/** Phones are stored in E.164; Israelis read them as 050-123-4567. */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const m = /^\+972(\d{1,2})(\d{3})(\d{4})$/.exec(phone);
  if (m) return `0${m[1]}-${m[2]}${m[3]}`;
  return phone;
}

/** Wraps a left-to-right value (email, phone, URL) so it keeps its shape inside a Hebrew sentence. */
export function isolate(value: string): string {
  return `\u2068${value}\u2069`;
}
