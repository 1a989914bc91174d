import type { en } from './en.ts';

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

/** The shape every language file must fill: the English keys, any strings. */
export type Messages = Widen<typeof en>;
