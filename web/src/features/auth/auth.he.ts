import type { Messages } from '../../i18n/messages.ts';
import type { authEn } from './auth.en.ts';

export const authHe: Messages<typeof authEn> = {
  auth: {
    setupTitle: 'ברוכים הבאים לקליינט',
    setupIntro: 'מקימים את העסק בדקה. את/ה תהיו הבעלים, ואחר כך אפשר להזמין את הצוות.',
    businessName: 'שם העסק',
    ownerName: 'השם שלך',
    email: 'אימייל',
    password: 'סיסמה',
    passwordHint: 'לפחות 10 תווים.',
    language: 'שפת העסק',
    setupSubmit: 'הקמת העסק',
    loginTitle: 'כניסה לקליינט',
    loginSubmit: 'כניסה',
    badCredentials: 'האימייל או הסיסמה שגויים.',
    lockedOut: 'יותר מדי ניסיונות. כדאי לחכות כמה דקות ולנסות שוב.',
    inviteTitle: 'הצטרפות אל {{workspace}}',
    inviteIntro: 'הוזמנת בתפקיד {{role}} עם האימייל {{email}}. נשאר לבחור שם וסיסמה.',
    inviteSubmit: 'הצטרפות לצוות',
    inviteInvalid: 'ההזמנה כבר לא בתוקף. אפשר לבקש קישור חדש ממי שהזמין אותך.',
    name: 'שם מלא',
  },
};
