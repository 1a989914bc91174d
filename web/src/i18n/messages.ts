import type { en } from './en.ts';

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

/**
 * The shape a translation must fill: the English file's keys, any strings. A Hebrew file typed with it fails the
 * typecheck when it lacks a key of the English one, or has one the English lacks.
 */
export type Messages<T = typeof en> = Widen<T>;
