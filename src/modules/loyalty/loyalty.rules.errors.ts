import type { ErrorSpec } from '../../platform/module.ts';

/** Why an earning rule or an event is refused, in Hebrew and English. Part of the loyalty module's `errors`. */
export const rulesErrors = {
  'LOYALTY.RULE_NOT_FOUND': { status: 404, he: 'כלל הצבירה לא נמצא', en: 'The earning rule was not found' },
  'LOYALTY.RULE_INVALID': {
    status: 400,
    he: 'כלל הצבירה אינו שלם או אינו תקין',
    en: 'The earning rule is incomplete or not valid',
  },
} as const satisfies Record<string, ErrorSpec>;
