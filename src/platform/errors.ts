import type { modules } from '../modules/index.ts';
import type { ErrorCodesOf } from './module.ts';
import { errorSpec } from './registry.ts';

/** Every error code a module declares (its `errors`, with status and messages). */
export type ErrorCode = ErrorCodesOf<typeof modules>;

export type FieldError = { field: string; message: MessageKey; params?: Record<string, string | number> };
export type MessageKey = string;

/** The one error type services throw; the HTTP layer maps its code to a status and a translated problem. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[];
  readonly extra: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    options: { fields?: FieldError[]; extra?: Record<string, unknown>; detail?: string } = {},
  ) {
    super(options.detail ?? code);
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields ?? [];
    this.extra = options.extra ?? {};
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}

export function httpStatusOf(code: ErrorCode): number {
  return errorSpec(code).status;
}
