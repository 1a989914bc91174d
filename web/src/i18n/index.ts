import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { workspaceSchema } from '../../../src/platform/platform.schemas.ts';
import { type Reply, setApiLanguage } from '../api.ts';
import type { Feature } from '../features/feature.ts';
import { en } from './en.ts';
import { he } from './he.ts';

/** A language of the UI and of a workspace. */
export type Locale = Reply<typeof workspaceSchema>['locale'];

const storageKey = 'klient.lang';

export function storedLanguage(): Locale | null {
  try {
    const value = localStorage.getItem(storageKey);
    return value === 'en' || value === 'he' ? value : null;
  } catch {
    return null;
  }
}

function applyToDocument(lang: string): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'he' ? 'rtl' : 'ltr';
  setApiLanguage(lang);
}

/** The shell's own words are namespace 'shell' (the default); each feature's are the namespace of its name. */
export function initI18n(features: readonly Feature[]): typeof i18next {
  const lng = storedLanguage() ?? 'he';
  applyToDocument(lng);
  const resources = {
    he: { shell: he, ...Object.fromEntries(features.map((f) => [f.name, f.translations.he])) },
    en: { shell: en, ...Object.fromEntries(features.map((f) => [f.name, f.translations.en])) },
  };
  void i18next.use(initReactI18next).init({
    resources,
    ns: ['shell', ...features.map((f) => f.name)],
    defaultNS: 'shell',
    lng,
    fallbackLng: 'he',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  i18next.on('languageChanged', applyToDocument);
  return i18next;
}

/** Switches the UI language and remembers the choice on this device. */
export function setLanguage(lang: Locale): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Private mode: the choice lasts for this visit only.
  }
  void i18next.changeLanguage(lang);
}

export function currentLanguage(): Locale {
  return i18next.language === 'en' ? 'en' : 'he';
}
