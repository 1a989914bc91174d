import type { features } from '../features/index.ts';
import type { en } from './en.ts';

type Listed = (typeof features)[number];

/** Each feature's words under its name (its namespace), the shell's under 'shell': the English files are the keys. */
export type Resources = { shell: typeof en } & { [F in Listed as F['name']]: F['translations']['en'] };

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'shell';
    resources: Resources;
    returnNull: false;
    strictKeyChecks: true;
  }
}
