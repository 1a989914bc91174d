import { defineModule } from './module.ts';
import { platformMigrations } from './platform.migrations.ts';
import { platformRoutes } from './platform.routes.ts';

/**
 * The platform as a module: workspaces, users, sessions, API keys, the audit
 * log and the events' bookkeeping, and the error codes every route shares.
 */
export const platformModule = defineModule({
  name: 'platform',
  migrations: platformMigrations,
  permissions: {
    'users.manage': ['owner', 'admin'],
    'apikeys.manage': ['owner', 'admin'],
    'settings.manage': ['owner', 'admin'],
    'audit.read': ['owner', 'admin', 'analyst'],
  },
  errors: {
    VALIDATION: { status: 400, he: 'חלק מהשדות אינם תקינים', en: 'Some fields are not valid' },
    BAD_JSON: { status: 400, he: 'גוף הבקשה אינו JSON תקין', en: 'The request body is not valid JSON' },
    PAYLOAD_TOO_LARGE: { status: 413, he: 'הבקשה או הקובץ גדולים מדי', en: 'The request or file is too large' },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, he: 'סוג התוכן אינו נתמך', en: 'Unsupported content type' },
    NOT_FOUND: { status: 404, he: 'לא נמצא', en: 'Not found' },
    RATE_LIMITED: {
      status: 429,
      he: 'יותר מדי בקשות. נסו שוב בעוד רגע',
      en: 'Too many requests. Try again in a moment',
    },
    CONFLICT: {
      status: 409,
      he: 'הבקשה מתנגשת בנתונים שכבר שמורים',
      en: 'The request conflicts with data already stored',
    },
    'AUTH.UNAUTHENTICATED': { status: 401, he: 'יש להתחבר', en: 'Please log in' },
    'AUTH.FORBIDDEN': { status: 403, he: 'אין לך הרשאה לפעולה הזאת', en: 'You are not allowed to do this' },
    'AUTH.ROLE_ABOVE_OWN': {
      status: 403,
      he: 'אי אפשר לתת תפקיד גבוה מהתפקיד שלך. רק בעלים ממנים בעלים',
      en: 'You cannot grant a role above your own; only an owner makes an owner',
    },
    'AUTH.INVALID_CREDENTIALS': { status: 401, he: 'דוא״ל או סיסמה שגויים', en: 'Wrong email or password' },
    'AUTH.LOCKED': {
      status: 429,
      he: 'יותר מדי סיסמאות שגויות מהכתובת הזאת. המתינו מעט ונסו שוב',
      en: 'Too many wrong passwords from this address. Wait a little and try again',
    },
    'AUTH.CSRF': {
      status: 403,
      he: 'הבקשה נחסמה (אסימון CSRF חסר או שגוי). רעננו את הדף ונסו שוב',
      en: 'Request blocked (missing or wrong CSRF token). Reload the page and try again',
    },
    'AUTH.SETUP_DONE': {
      status: 409,
      he: 'העסק כבר הוגדר. יש להתחבר',
      en: 'The business is already set up. Please log in',
    },
    'AUTH.INVITATION_INVALID': { status: 404, he: 'ההזמנה אינה בתוקף', en: 'This invitation is not valid' },
    'USER.NOT_FOUND': { status: 404, he: 'המשתמש לא נמצא', en: 'User not found' },
    'USER.EMAIL_TAKEN': { status: 409, he: 'כבר יש משתמש עם הדוא״ל הזה', en: 'A user with this email already exists' },
    'USER.LAST_OWNER': {
      status: 409,
      he: 'חייב להישאר לפחות בעלים פעיל אחד',
      en: 'At least one active owner must remain',
    },
    'USER.SELF_CHANGE': {
      status: 403,
      he: 'אי אפשר לשנות את התפקיד או הסטטוס של עצמך. בקשו זאת מבעלים אחר',
      en: 'You cannot change your own role or status; ask another owner',
    },
    'API_KEY.NOT_FOUND': { status: 404, he: 'מפתח ה-API לא נמצא', en: 'API key not found' },
    'IDEMPOTENCY.KEY_REUSED': {
      status: 409,
      he: 'מפתח ה-Idempotency-Key כבר שימש לבקשה אחרת',
      en: 'This Idempotency-Key was already used for a different request',
    },
  },
  routes: async (api, { db, settings }) => {
    await api.register(platformRoutes, { db, secureCookies: settings.secureCookies, publicUrl: settings.publicUrl });
  },
});
