export type ErrorCode =
  | 'VALIDATION'
  | 'BAD_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'AUTH.UNAUTHENTICATED'
  | 'AUTH.FORBIDDEN'
  | 'AUTH.ROLE_ABOVE_OWN'
  | 'AUTH.INVALID_CREDENTIALS'
  | 'AUTH.LOCKED'
  | 'AUTH.CSRF'
  | 'AUTH.SETUP_DONE'
  | 'AUTH.INVITATION_INVALID'
  | 'USER.NOT_FOUND'
  | 'USER.EMAIL_TAKEN'
  | 'USER.LAST_OWNER'
  | 'USER.SELF_CHANGE'
  | 'API_KEY.NOT_FOUND'
  | 'CUSTOMER.NOT_FOUND'
  | 'CUSTOMER.DUPLICATE'
  | 'CUSTOMER.MERGE_SELF'
  | 'CUSTOMER.NOT_ACTIVE'
  | 'ORDER.NOT_FOUND'
  | 'ORDER.CUSTOMER_NOT_FOUND'
  | 'ORDER.REFUND_EXCEEDS_TOTAL'
  | 'ORDER.REFUND_ID_TAKEN'
  | 'IMPORT.NOT_FOUND'
  | 'IMPORT.BAD_FILE'
  | 'IMPORT.MISSING_COLUMNS'
  | 'IDEMPOTENCY.KEY_REUSED';

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
  switch (code) {
    case 'VALIDATION':
    case 'BAD_JSON':
    case 'IMPORT.BAD_FILE':
    case 'IMPORT.MISSING_COLUMNS':
    case 'CUSTOMER.MERGE_SELF':
    case 'ORDER.CUSTOMER_NOT_FOUND':
      return 400;
    case 'AUTH.UNAUTHENTICATED':
    case 'AUTH.INVALID_CREDENTIALS':
      return 401;
    case 'AUTH.FORBIDDEN':
    case 'AUTH.ROLE_ABOVE_OWN':
    case 'AUTH.CSRF':
    case 'USER.SELF_CHANGE':
      return 403;
    case 'NOT_FOUND':
    case 'USER.NOT_FOUND':
    case 'API_KEY.NOT_FOUND':
    case 'CUSTOMER.NOT_FOUND':
    case 'ORDER.NOT_FOUND':
    case 'IMPORT.NOT_FOUND':
    case 'AUTH.INVITATION_INVALID':
      return 404;
    case 'AUTH.SETUP_DONE':
    case 'USER.EMAIL_TAKEN':
    case 'USER.LAST_OWNER':
    case 'CUSTOMER.DUPLICATE':
    case 'CUSTOMER.NOT_ACTIVE':
    case 'IDEMPOTENCY.KEY_REUSED':
    case 'CONFLICT':
    case 'ORDER.REFUND_ID_TAKEN':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'ORDER.REFUND_EXCEEDS_TOTAL':
      return 422;
    case 'AUTH.LOCKED':
    case 'RATE_LIMITED':
      return 429;
    default:
      return assertUnreachable(code);
  }
}
