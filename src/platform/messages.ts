import type { ErrorCode } from './errors.ts';

export type Locale = 'he' | 'en';

type Dictionary = { errors: Record<ErrorCode, string>; fields: Record<string, string> };

const he: Dictionary = {
  errors: {
    VALIDATION: 'חלק מהשדות אינם תקינים',
    BAD_JSON: 'גוף הבקשה אינו JSON תקין',
    PAYLOAD_TOO_LARGE: 'הבקשה או הקובץ גדולים מדי',
    UNSUPPORTED_MEDIA_TYPE: 'סוג התוכן אינו נתמך',
    NOT_FOUND: 'לא נמצא',
    RATE_LIMITED: 'יותר מדי בקשות. נסו שוב בעוד רגע',
    CONFLICT: 'הבקשה מתנגשת בנתונים שכבר שמורים',
    'AUTH.UNAUTHENTICATED': 'יש להתחבר',
    'AUTH.FORBIDDEN': 'אין לך הרשאה לפעולה הזאת',
    'AUTH.INVALID_CREDENTIALS': 'דוא״ל או סיסמה שגויים',
    'AUTH.ROLE_ABOVE_OWN': 'אי אפשר לתת תפקיד גבוה מהתפקיד שלך. רק בעלים ממנים בעלים',
    'AUTH.LOCKED': 'יותר מדי סיסמאות שגויות מהכתובת הזאת. המתינו מעט ונסו שוב',
    'AUTH.CSRF': 'הבקשה נחסמה (אסימון CSRF חסר או שגוי). רעננו את הדף ונסו שוב',
    'AUTH.SETUP_DONE': 'העסק כבר הוגדר. יש להתחבר',
    'AUTH.INVITATION_INVALID': 'ההזמנה אינה בתוקף',
    'USER.NOT_FOUND': 'המשתמש לא נמצא',
    'USER.EMAIL_TAKEN': 'כבר יש משתמש עם הדוא״ל הזה',
    'USER.LAST_OWNER': 'חייב להישאר לפחות בעלים פעיל אחד',
    'USER.SELF_CHANGE': 'אי אפשר לשנות את התפקיד או הסטטוס של עצמך. בקשו זאת מבעלים אחר',
    'API_KEY.NOT_FOUND': 'מפתח ה-API לא נמצא',
    'CUSTOMER.NOT_FOUND': 'הלקוח לא נמצא',
    'CUSTOMER.DUPLICATE': 'כבר קיים לקוח עם אותו טלפון או דוא״ל',
    'CUSTOMER.MERGE_SELF': 'אי אפשר למזג לקוח עם עצמו',
    'CUSTOMER.NOT_ACTIVE': 'הלקוח מוזג, נמחק או הועבר לארכיון',
    'ORDER.NOT_FOUND': 'ההזמנה לא נמצאה',
    'ORDER.CUSTOMER_NOT_FOUND': 'הלקוח של ההזמנה לא נמצא',
    'ORDER.REFUND_EXCEEDS_TOTAL': 'סכום הזיכוי גדול מהיתרה שלא זוכתה בהזמנה',
    'ORDER.REFUND_ID_TAKEN': 'מזהה הזיכוי כבר שימש לזיכוי בהזמנה אחרת',
    'IMPORT.NOT_FOUND': 'הייבוא לא נמצא',
    'IMPORT.BAD_FILE': 'לא ניתן לקרוא את הקובץ',
    'IMPORT.MISSING_COLUMNS': 'חסרות עמודות חובה בקובץ',
    'IDEMPOTENCY.KEY_REUSED': 'מפתח ה-Idempotency-Key כבר שימש לבקשה אחרת',
  },
  fields: {
    required: 'שדה חובה',
    invalid_type: 'ערך מסוג שגוי',
    too_small: 'הערך קצר או קטן מדי',
    too_big: 'הערך ארוך או גדול מדי',
    invalid_format: 'הפורמט אינו תקין',
    invalid_value: 'ערך לא מוכר',
    unrecognized_keys: 'שדה לא מוכר',
    invalid: 'ערך לא תקין',
    'email.invalid': 'כתובת דוא״ל לא תקינה',
    'phone.invalid': 'מספר טלפון לא תקין',
    'date.invalid': 'תאריך לא תקין',
    'number.invalid': 'מספר לא תקין',
    'password.weak': 'הסיסמה צריכה להכיל לפחות 10 תווים',
    'name.required': 'יש למלא שם פרטי, שם משפחה, טלפון או דוא״ל',
    'customer.not_found': 'לקוח לא נמצא',
    'customer.ambiguous': 'נמצא יותר מלקוח אחד מתאים',
    'channel.invalid': 'ערוץ לא מוכר (store, web, app, phone, whatsapp)',
    'stage.invalid': 'שלב לא מוכר',
    'branch.not_found': 'סניף לא מוכר',
    'column.missing': 'העמודה חסרה בקובץ',
    'row.conflict': 'השורה סותרת שורה קודמת עם אותו מזהה',
    'role.above_own': 'התפקיד גבוה מהתפקיד שלך',
    'cursor.invalid': 'הסמן אינו של הרשימה הזאת או שאינו תקין. התחילו מהעמוד הראשון',
    'text.unsafe': 'הטקסט מכיל תו שאי אפשר לשמור (תו NUL או תו Unicode שבור)',
    'value.taken': 'הערך כבר שייך לרשומה אחרת',
    'reference.not_found': 'הרשומה שאליה הערך מפנה לא נמצאה',
    'still.referenced': 'רשומות אחרות עדיין מפנות לרשומה הזאת',
    'date.out_of_range': 'התאריך מחוץ לטווח האפשרי (1900 עד 2999)',
    'birthday.out_of_range': 'תאריך הלידה צריך להיות בין 1900 להיום',
  },
};

const en: Dictionary = {
  errors: {
    VALIDATION: 'Some fields are not valid',
    BAD_JSON: 'The request body is not valid JSON',
    PAYLOAD_TOO_LARGE: 'The request or file is too large',
    UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
    NOT_FOUND: 'Not found',
    RATE_LIMITED: 'Too many requests. Try again in a moment',
    CONFLICT: 'The request conflicts with data already stored',
    'AUTH.UNAUTHENTICATED': 'Please log in',
    'AUTH.FORBIDDEN': 'You are not allowed to do this',
    'AUTH.INVALID_CREDENTIALS': 'Wrong email or password',
    'AUTH.ROLE_ABOVE_OWN': 'You cannot grant a role above your own; only an owner makes an owner',
    'AUTH.LOCKED': 'Too many wrong passwords from this address. Wait a little and try again',
    'AUTH.CSRF': 'Request blocked (missing or wrong CSRF token). Reload the page and try again',
    'AUTH.SETUP_DONE': 'The business is already set up. Please log in',
    'AUTH.INVITATION_INVALID': 'This invitation is not valid',
    'USER.NOT_FOUND': 'User not found',
    'USER.EMAIL_TAKEN': 'A user with this email already exists',
    'USER.LAST_OWNER': 'At least one active owner must remain',
    'USER.SELF_CHANGE': 'You cannot change your own role or status; ask another owner',
    'API_KEY.NOT_FOUND': 'API key not found',
    'CUSTOMER.NOT_FOUND': 'Customer not found',
    'CUSTOMER.DUPLICATE': 'A customer with the same phone or email already exists',
    'CUSTOMER.MERGE_SELF': 'A customer cannot be merged with itself',
    'CUSTOMER.NOT_ACTIVE': 'The customer was merged, erased or archived',
    'ORDER.NOT_FOUND': 'Order not found',
    'ORDER.CUSTOMER_NOT_FOUND': "The order's customer was not found",
    'ORDER.REFUND_EXCEEDS_TOTAL': 'The refund is larger than what is left to refund on the order',
    'ORDER.REFUND_ID_TAKEN': 'This refund id was already used for a refund on another order',
    'IMPORT.NOT_FOUND': 'Import not found',
    'IMPORT.BAD_FILE': 'The file cannot be read',
    'IMPORT.MISSING_COLUMNS': 'Required columns are missing from the file',
    'IDEMPOTENCY.KEY_REUSED': 'This Idempotency-Key was already used for a different request',
  },
  fields: {
    required: 'Required',
    invalid_type: 'Wrong type of value',
    too_small: 'Too short or too small',
    too_big: 'Too long or too large',
    invalid_format: 'Invalid format',
    invalid_value: 'Unknown value',
    unrecognized_keys: 'Unknown field',
    invalid: 'Invalid value',
    'email.invalid': 'Invalid email address',
    'phone.invalid': 'Invalid phone number',
    'date.invalid': 'Invalid date',
    'number.invalid': 'Invalid number',
    'password.weak': 'The password needs at least 10 characters',
    'name.required': 'Give a first name, last name, phone or email',
    'customer.not_found': 'Customer not found',
    'customer.ambiguous': 'More than one customer matches',
    'channel.invalid': 'Unknown channel (store, web, app, phone, whatsapp)',
    'stage.invalid': 'Unknown lifecycle stage',
    'branch.not_found': 'Unknown branch',
    'column.missing': 'The column is missing from the file',
    'row.conflict': 'The row contradicts an earlier row with the same id',
    'role.above_own': 'This role is above your own',
    'cursor.invalid': 'The cursor is not valid for this list. Start again from the first page',
    'text.unsafe': 'The text holds a character that cannot be stored (a NUL or a broken Unicode character)',
    'value.taken': 'This value already belongs to another record',
    'reference.not_found': 'The record this value points to was not found',
    'still.referenced': 'Other records still point to this one',
    'date.out_of_range': 'The date is out of range (1900 to 2999)',
    'birthday.out_of_range': 'The birthday must be between 1900 and today',
  },
};

const dictionaries: Record<Locale, Dictionary> = { he, en };

export function errorTitle(code: ErrorCode, locale: Locale): string {
  return dictionaries[locale].errors[code];
}

export function fieldMessage(key: string, locale: Locale): string {
  return dictionaries[locale].fields[key] ?? dictionaries[locale].fields.invalid ?? key;
}

/** Picks he or en from an Accept-Language header; Hebrew is the default. */
export function localeFromHeader(header: string | undefined): Locale {
  if (!header) return 'he';
  for (const part of header.split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'he' || tag === 'iw') return 'he';
    if (tag === 'en') return 'en';
  }
  return 'he';
}
