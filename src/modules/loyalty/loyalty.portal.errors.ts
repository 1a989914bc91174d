import type { ErrorSpec } from '../../platform/module.ts';

/**
 * What the public join page and the member portal refuse, in Hebrew and
 * English. Part of the loyalty module's `errors`.
 */
export const portalErrors = {
  'LOYALTY.CLUB_NOT_FOUND': { status: 404, he: 'המועדון לא נמצא', en: 'The club was not found' },
  'LOYALTY.PORTAL_CONTACT_REQUIRED': {
    status: 400,
    he: 'יש למלא כתובת דוא״ל או מספר טלפון',
    en: 'Give an email address or a phone number',
  },
  'LOYALTY.PORTAL_TERMS_REQUIRED': {
    status: 400,
    he: 'כדי להצטרף יש לאשר את תקנון המועדון',
    en: 'To join, accept the club’s terms',
  },
  'LOYALTY.PORTAL_CODE_WRONG': {
    status: 401,
    he: 'הקוד שגוי. בדקו את הקוד שקיבלתם ונסו שוב',
    en: 'The code is wrong. Check the code you received and try again',
  },
  'LOYALTY.PORTAL_CODE_EXPIRED': {
    status: 401,
    he: 'תוקף הקוד פג. בקשו קוד חדש',
    en: 'The code has expired. Ask for a new one',
  },
  'LOYALTY.PORTAL_CODE_LOCKED': {
    status: 429,
    he: 'יותר מדי ניסיונות עם הקוד הזה. בקשו קוד חדש',
    en: 'Too many tries with this code. Ask for a new one',
  },
  'LOYALTY.PORTAL_TOO_MANY_CODES': {
    status: 429,
    he: 'נשלחו יותר מדי קודים לכתובת הזו. נסו שוב בעוד שעה',
    en: 'Too many codes were sent to this address. Try again in an hour',
  },
  'LOYALTY.PORTAL_SIGNED_OUT': {
    status: 401,
    he: 'יש להתחבר לאזור האישי של המועדון',
    en: 'Sign in to the club’s member area',
  },
  'LOYALTY.PORTAL_HEADER_REQUIRED': {
    status: 403,
    he: 'הבקשה נדחתה: היא לא נשלחה מדף המועדון',
    en: 'Refused: the request did not come from the club’s page',
  },
} as const satisfies Record<string, ErrorSpec>;
