import { type ChangeEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldErrorOf } from './errors.tsx';

/** The messages a form found itself, field by field (a required field left empty). */
export type LocalErrors = Record<string, string | undefined>;

/** The names of V's text values. */
export type TextKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;

/**
 * A form's values and its messages: the ones it found itself before asking the server (a required field left
 * empty) and the server's, field by field (`errorOf`).
 */
export function useForm<V extends object>(initial: V | (() => V)) {
  const { t } = useTranslation();
  const [values, setValues] = useState<V>(initial);
  const [local, setLocal] = useState<LocalErrors>({});
  const set = <K extends keyof V>(key: K, value: V[K]) => setValues((v) => ({ ...v, [key]: value }));
  /** The change handler of a text field; it reads the value at once (the event is gone when the update runs). */
  const text =
    <K extends TextKeys<V>>(key: K) =>
    (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      set(key, e.currentTarget.value as V[K]);
  /** A field's message: the form's own, else the server's in `error` (for `serverField`, if it names it so). */
  const errorOf = (error: unknown, field: string, serverField = field) =>
    fieldErrorOf(error, local, field, serverField);
  return {
    values,
    setValues,
    set,
    text,
    local,
    setLocal,
    errorOf,
    /** A text field's value, change handler and message, to spread on its input. */
    field: <K extends TextKeys<V>>(key: K, error: unknown) => ({
      value: values[key] as string,
      onChange: text(key),
      error: errorOf(error, key),
    }),
    /** Marks each empty value as required and says whether none was (the caller trims what it trims). */
    require: (given: Record<string, string>): boolean => {
      const missing: LocalErrors = {};
      for (const [field, value] of Object.entries(given)) if (!value) missing[field] = t('app.required');
      setLocal(missing);
      return Object.keys(missing).length === 0;
    },
  };
}
