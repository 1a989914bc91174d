/** What every row check shares: reading a cell as the mapping says, recording a problem, and the contact fields. */
import { validatePhoneNumberLength } from 'libphonenumber-js';
import { normaliseEmail, normalisePhone } from '../customers/customers.service.ts';
import type { ColumnIndex, ImportField } from './imports.mapping.ts';
import type { MessageParams } from './imports.messages.ts';
import type { SheetRow } from './imports.sheet.ts';
import { unguard } from './imports.values.ts';

/** A row-level problem before translation: the file's row, the field it concerns, a message key and its values. */
export type RowProblem = { row: number; field: ImportField | null; key: string; params?: MessageParams };

export type Reader = {
  cell(field: ImportField): string | undefined;
  problem(field: ImportField | null, key: string, params?: MessageParams): void;
};

export function readerFor(row: SheetRow, columns: ColumnIndex, problems: RowProblem[]): Reader {
  return {
    cell(field) {
      const at = columns[field];
      if (at === undefined) return undefined;
      if (typeof at === 'object') return at.value;
      const raw = row.cells[at]?.trim();
      const value = raw ? unguard(raw) : raw;
      return value ? value : undefined;
    },
    problem(field, key, params) {
      problems.push(params ? { row: row.row, field, key, params } : { row: row.row, field, key });
    },
  };
}

export function text(r: Reader, field: ImportField, max: number): string | undefined {
  const value = r.cell(field);
  if (value !== undefined && value.length > max) {
    r.problem(field, 'text.longer_than', { max });
    return undefined;
  }
  return value;
}

/**
 * Why a phone was refused, in words a person can act on: libphonenumber-js
 * tells too short from too long and an unknown country code.
 */
export function phoneProblem(raw: string): { key: string; params: MessageParams } {
  const value = raw.trim();
  if (!/^[\d\s\-+().]+$/.test(value)) return { key: 'phone.not_a_number', params: { value } };
  const input = value.startsWith('00') ? `+${value.slice(2)}` : value;
  const digits = input.replace(/[^\d+]/g, '');
  const phoneKind =
    digits.startsWith('+') && !digits.startsWith('+972')
      ? 'foreign'
      : /^(\+9725|05)/.test(digits)
        ? 'mobile'
        : 'landline';
  switch (validatePhoneNumberLength(input, 'IL')) {
    case 'TOO_SHORT':
      return { key: 'phone.too_short', params: { value, phoneKind } };
    case 'TOO_LONG':
      return { key: 'phone.too_long', params: { value, phoneKind } };
    case 'INVALID_COUNTRY':
      return { key: 'phone.invalid_country', params: { value } };
    case 'NOT_A_NUMBER':
      return { key: 'phone.not_a_number', params: { value } };
    default:
      return { key: 'phone.not_valid', params: { value } };
  }
}

export function phone(r: Reader, field: ImportField): string | undefined {
  const value = r.cell(field);
  if (value === undefined) return undefined;
  const normalised = normalisePhone(value);
  if (normalised) return normalised;
  const { key, params } = phoneProblem(value);
  r.problem(field, key, params);
  return undefined;
}

export function email(r: Reader, field: ImportField): string | undefined {
  const value = r.cell(field);
  if (value === undefined) return undefined;
  const normalised = normaliseEmail(value);
  if (normalised) return normalised;
  r.problem(field, 'email.not_valid', { value });
  return undefined;
}
