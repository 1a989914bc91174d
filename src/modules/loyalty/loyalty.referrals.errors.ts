import type { ErrorSpec } from '../../platform/module.ts';

/** Why a referral code cannot be used, in Hebrew and English. Part of the loyalty module's `errors`. */
export const referralErrors = {
  'LOYALTY.REFERRAL_CODE_UNKNOWN': {
    status: 422,
    he: 'קוד ההפניה אינו מוכר: אין חבר מועדון פעיל עם הקוד הזה',
    en: 'Unknown referral code: no active club member has this code',
  },
} as const satisfies Record<string, ErrorSpec>;
