import { NumberInput, type NumberInputProps } from '@mantine/core';
import { type ChangeEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { serverFieldError } from './loyalty-format.ts';
import type { NumberValue } from './program-form.ts';

// What the club's forms share: their state with each field's message, and the number inputs they are made of.

/** The keys of a form whose values are a number field's (a number, or '' while empty). */
type NumberKey<F> = { [K in keyof F]-?: NumberValue extends F[K] ? K : never }[keyof F] & string;
/** The keys of a form whose values are free text. */
type TextKey<F> = { [K in keyof F]-?: string extends F[K] ? (F[K] extends string ? K : never) : never }[keyof F] &
  string;

/**
 * A form's values and each field's message, by the server's name for the field (`tiers.1.threshold`): "required"
 * while it is in `missing` (what the form found empty before sending), else the server's message for exactly that
 * field in `serverError`, which `word` may word itself by its code (it answers the server's message otherwise).
 */
export function useLoyaltyForm<F extends object>(
  initial: F | (() => F),
  serverError: unknown,
  word: (hit: { message: string; code: string }) => string = (hit) => hit.message,
) {
  const { t } = useTranslation('shell');
  const [form, setForm] = useState<F>(initial);
  const [missing, setMissing] = useState<string[]>([]);
  const set = <K extends keyof F>(key: K, value: F[K]) => setForm((f) => ({ ...f, [key]: value }));
  const errorOf = (field: string): string | undefined => {
    if (missing.includes(field)) return t('app.required');
    const hit = serverFieldError(serverError, field);
    return hit ? word(hit) : undefined;
  };
  /** A number input's value, change and message; `errorField` where the server names it otherwise (`earnPerAgorot`). */
  const numberField = <K extends NumberKey<F>>(key: K, errorField: string = key) => ({
    value: form[key] as NumberValue,
    onChange: (value: NumberValue) => set(key, value as F[K]),
    error: errorOf(errorField),
  });
  /** A text input's value, change and message. */
  const textField = <K extends TextKey<F>>(key: K) => ({
    value: form[key] as string,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, e.currentTarget.value as F[K]),
    error: errorOf(key),
  });
  return { form, setForm, set, missing, setMissing, errorOf, numberField, textField };
}

/** A sum in shekels as people type it: two decimals, nothing below zero unless `min` says otherwise. */
export function ShekelInput(props: NumberInputProps) {
  return <NumberInput min={0} decimalScale={2} {...props} />;
}

/** A whole number (points, days, a count); `thousands` groups its digits (1,000). */
export function WholeNumberInput({ thousands = false, ...props }: NumberInputProps & { thousands?: boolean }) {
  return <NumberInput allowDecimal={false} {...(thousands ? { thousandSeparator: ',' } : {})} {...props} />;
}
