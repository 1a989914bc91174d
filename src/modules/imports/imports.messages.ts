import { fieldMessage, type Locale } from '../../platform/messages.ts';

/** Reasons the import writes into its row-level error report and file problems, in both languages. */
const he: Record<string, string> = {
  'file.empty': 'הקובץ ריק או שאין בו שורת כותרות',
  'file.binary': 'הקובץ אינו קובץ טקסט (CSV) או Excel (XLSX) תקין',
  'file.csv_invalid': 'לא ניתן לפענח את קובץ ה-CSV (מרכאות לא סגורות?)',
  'file.xlsx_invalid': 'לא ניתן לקרוא את קובץ ה-Excel',
  'file.xls_unsupported': 'קובצי XLS ישנים אינם נתמכים. שמרו את הקובץ כ-XLSX או CSV',
  'file.no_rows': 'אין בקובץ שורות נתונים',
  'file.not_text_table':
    'הקובץ אינו טבלת טקסט (CSV) או חוברת Excel (XLSX): נראה שזה קובץ מסוג אחר (תמונה, PDF, ארכיון) ששמו שונה',
  'file.too_many_rows': 'בקובץ יותר מ-{limit} שורות, המספר המרבי לייבוא אחד. פצלו אותו לקבצים של עד {limit} שורות',
  'file.xlsx_too_large': 'קובץ ה-Excel נפרש ליותר מ-{limit} MB. שמרו אותו כ-CSV או פצלו אותו',
  'file.header_unreadable': 'בשורת הכותרות יש תווים לא תקינים. שמרו את הקובץ כ-CSV UTF-8 ונסו שוב',
  'row.invalid_characters': 'בשורה יש תווים לא תקינים (בתים שאינם UTF-8); תקנו אותה ושמרו את הקובץ כ-CSV UTF-8',
  'header.duplicate': 'שתי עמודות בקובץ נושאות אותה כותרת',
  'consent.invalid': 'ערך הסכמה לא מוכר (כן/לא, yes/no, 1/0)',
  'quantity.invalid': 'כמות חייבת להיות מספר חיובי',
  'price.invalid': 'מחיר חייב להיות מספר אפס ומעלה, עד שתי ספרות אחרי הנקודה',
  'text.too_long': 'הערך ארוך מדי',
  'order.rejected': 'ההזמנה לא יובאה כי שורה אחרת שלה שגויה',
  'customer.key_required': 'חסר מזהה לקוח: מספר לקוח, דוא״ל או טלפון',
  'tags.too_many': 'יותר מדי תגיות (עד 50)',
  'refund.exceeds_total': 'סכום הזיכוי גדול מסכום ההזמנה',
  'refund.below_recorded': 'סכום הזיכוי קטן ממה שכבר זוכה על ההזמנה; זיכוי לא מבוטל בייבוא',
  'permission.create': 'לתפקיד שלך אין הרשאה ליצור לקוחות חדשים; השורה לא יובאה',
  'permission.profile': 'לתפקיד שלך אין הרשאה לשנות פרטי לקוח (שם, טלפון, דוא״ל, כתובת); השורה לא יובאה',
  'permission.tags': 'לתפקיד שלך אין הרשאה לתייג לקוחות; השורה לא יובאה',
  'permission.consents': 'לתפקיד שלך אין הרשאה לשנות הסכמות דיוור; השורה לא יובאה',
};

const en: Record<string, string> = {
  'file.empty': 'The file is empty or has no header row',
  'file.binary': 'The file is not a valid text (CSV) or Excel (XLSX) file',
  'file.csv_invalid': 'The CSV file cannot be parsed (an unclosed quote?)',
  'file.xlsx_invalid': 'The Excel file cannot be read',
  'file.xls_unsupported': 'Old XLS files are not supported. Save the file as XLSX or CSV',
  'file.no_rows': 'The file has no data rows',
  'file.not_text_table':
    'The file is not a text table (CSV) or an Excel workbook (XLSX): it looks like another kind of file (an image, a PDF, an archive) renamed',
  'file.too_many_rows':
    'The file has more than {limit} rows, the most one import takes. Split it into files of up to {limit} rows',
  'file.xlsx_too_large': 'The Excel file unpacks to more than {limit} MB. Save it as CSV or split it',
  'file.header_unreadable': 'The header row has invalid characters. Save the file as CSV UTF-8 and try again',
  'row.invalid_characters':
    'The row has invalid characters (bytes that are not UTF-8); fix it and save the file as CSV UTF-8',
  'header.duplicate': 'Two columns in the file have the same header',
  'consent.invalid': 'Unknown consent value (yes/no, כן/לא, 1/0)',
  'quantity.invalid': 'The quantity must be a positive number',
  'price.invalid': 'The price must be a number from zero up, with at most two decimals',
  'text.too_long': 'The value is too long',
  'order.rejected': 'The order was not imported because another of its rows is invalid',
  'customer.key_required': 'No customer key: customer id, email or phone',
  'tags.too_many': 'Too many tags (at most 50)',
  'refund.exceeds_total': 'The refunded amount is more than the order’s total',
  'refund.below_recorded':
    'The refunded amount is less than what the order has already been refunded; an import does not undo refunds',
  'permission.create': 'Your role may not create customers; the row was not imported',
  'permission.profile':
    'Your role may not change a customer’s details (name, phone, email, address); the row was not imported',
  'permission.tags': 'Your role may not tag customers; the row was not imported',
  'permission.consents': 'Your role may not change marketing consents; the row was not imported',
};

export function importMessage(key: string, locale: Locale): string {
  return (locale === 'he' ? he : en)[key] ?? fieldMessage(key, locale);
}
