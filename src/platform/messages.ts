import type { ErrorCode } from './errors.ts';
import { errorSpec } from './registry.ts';

export type Locale = 'he' | 'en';

/** The words shared by every module: field-level problems. Each error code's title comes with its module's declaration. */
type Dictionary = { fields: Record<string, string> };

const he: Dictionary = {
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
    'segment.field_unknown': 'אין שדה כזה לכללי קהל',
    'segment.operator_invalid': 'הפעולה הזאת לא מתאימה לשדה',
    'segment.period_not_allowed': 'לשדה הזה אי אפשר לבחור תקופה',
    'segment.range_reversed': 'תחילת הטווח צריכה להיות לפני סופו',
    'template.field_unknown': 'שדה אישי לא מוכר (אפשר: firstName, lastName, fullName, businessName)',
    'template.wrong_channel': 'התבנית שייכת לערוץ אחר',
    'template.channel_fixed': 'אי אפשר להעביר תבנית לערוץ אחר: צרו תבנית חדשה',
  },
};

const en: Dictionary = {
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
    'segment.field_unknown': 'No such field for segment rules',
    'segment.operator_invalid': 'This operator does not fit the field',
    'segment.period_not_allowed': 'This field takes no period',
    'segment.range_reversed': 'The start of the range must come before its end',
    'template.field_unknown': 'Unknown personal field (use firstName, lastName, fullName, businessName)',
    'template.wrong_channel': 'The template is for another channel',
    'template.channel_fixed': 'A template cannot move to another channel: make a new one',
  },
};

const dictionaries: Record<Locale, Dictionary> = { he, en };

export function errorTitle(code: ErrorCode, locale: Locale): string {
  return errorSpec(code)[locale];
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
