import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api.ts';
import { isolate, useFormat } from '../../format.ts';
import { useSession } from '../../session.ts';

/** Agorot (the API's unit of money) as shekels, the unit people type and read. */
export const shekels = (agorot: number) => agorot / 100;
export const agorot = (shekelAmount: number) => Math.round(shekelAmount * 100);

/**
 * Points and money as the club's screens show them, in the UI language: a change of points with its sign
 * ("+120", "‎-40"), a sum in shekels, a month ("מאי 2026"). Each is isolated so it keeps its shape inside a
 * sentence of the other direction.
 */
export function useLoyaltyFormat() {
  const fmt = useFormat();
  const { i18n } = useTranslation();
  const session = useSession();
  const locale = i18n.language === 'en' ? 'en-IL' : 'he-IL';
  const currency = session?.workspace.currency || 'ILS';
  const currencySymbol =
    new Intl.NumberFormat(locale, { style: 'currency', currency })
      .formatToParts(0)
      .find((part) => part.type === 'currency')?.value ?? currency;
  const monthFmt = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return {
    ...fmt,
    /** A change of points with its sign: +120, -40 (0 without one). */
    signed: (points: number) => (points > 0 ? `+${fmt.number(points)}` : fmt.number(points)),
    /** Agorot as money in the workspace's currency. */
    agorot: (value: number) => fmt.money(shekels(value)),
    /** A value to put inside a sentence: its own direction, whatever the sentence's. */
    inline: (value: string) => isolate(value),
    /** 'YYYY-MM' as the month's name and year. */
    month: (month: string) => {
      const at = new Date(`${month}-01T00:00:00Z`);
      return Number.isNaN(at.getTime()) ? month : monthFmt.format(at);
    },
    currencySymbol,
  };
}

export type LoyaltyFormat = ReturnType<typeof useLoyaltyFormat>;

const tierColors = ['gray', 'yellow', 'grape', 'indigo', 'teal', 'orange', 'cyan', 'pink', 'lime', 'red'] as const;

/** A tier's badge colour by its rank: the entry tier gray, then gold, then platinum's violet, …. */
export function tierColor(rank: number): string {
  return tierColors[(Math.max(rank, 1) - 1) % tierColors.length] ?? 'gray';
}

/**
 * The server's message for exactly this field (`tiers.1.threshold`, which the service names
 * `body.tiers.1.threshold`), not for every field that ends the same way (the club's `name` is not a tier's).
 * The server gives its message in the UI language; its `code` says which it is, for the ones this screen words itself.
 */
export function serverFieldError(error: unknown, field: string): { message: string; code: string } | undefined {
  if (!isApiError(error)) return undefined;
  const hit = error.errors.find((e) => e.field === field || e.field === `body.${field}`);
  if (!hit) return undefined;
  const code = (hit as { code?: unknown }).code;
  return { message: hit.message, code: typeof code === 'string' ? code : '' };
}
