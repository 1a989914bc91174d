import type { ErrorSpec } from '../../platform/module.ts';

/** Why a contest cannot be created, entered, drawn, judged or verified, in Hebrew and English. */
export const contestErrors = {
  'LOYALTY.CONTEST_NOT_FOUND': { status: 404, he: 'התחרות לא נמצאה', en: 'Contest not found' },
  'LOYALTY.CONTEST_INVALID': { status: 400, he: 'פרטי התחרות אינם תקינים', en: 'The contest’s details are not valid' },
  'LOYALTY.CONTEST_NOT_OPEN': {
    status: 409,
    he: 'התחרות אינה פתוחה כעת',
    en: 'The contest is not open now',
  },
  'LOYALTY.CONTEST_ALREADY_DRAWN': {
    status: 409,
    he: 'הזוכים בתחרות כבר נקבעו: אי אפשר להגריל או לשפוט שוב',
    en: 'The contest’s winners are already decided: it cannot be drawn or judged again',
  },
  'LOYALTY.CONTEST_NOT_DRAWN': {
    status: 409,
    he: 'בתחרות הזו עוד לא נערכה הגרלה',
    en: 'This contest has not been drawn yet',
  },
  'LOYALTY.CONTEST_WRONG_KIND': {
    status: 409,
    he: 'הפעולה אינה מתאימה לסוג התחרות (הגרלה או תחרות ידע ושיפוט)',
    en: 'This action does not fit the contest’s kind (draw or skill contest)',
  },
  'LOYALTY.CONTEST_NOT_ELIGIBLE': {
    status: 422,
    he: 'החבר אינו עומד בתנאי ההשתתפות בתחרות',
    en: 'The member does not meet the contest’s conditions',
  },
  'LOYALTY.CONTEST_ALREADY_ENTERED': {
    status: 409,
    he: 'החבר כבר משתתף בתחרות',
    en: 'The member has already entered the contest',
  },
  'LOYALTY.CONTEST_NO_ENTRANTS': {
    status: 409,
    he: 'אין משתתפים בתחרות',
    en: 'The contest has no entrants',
  },
} as const satisfies Record<string, ErrorSpec>;
