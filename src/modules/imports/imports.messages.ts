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
  'column.required': 'חובה: {field} — בחרו את העמודה שמכילה אותו',
  'column.required_customer': 'חובה: {field} — בחרו את העמודה שמכילה מספר לקוח, דוא״ל או טלפון',
  'column.required_price': 'חובה: {field} — בחרו את העמודה שמכילה את מחיר היחידה או את סכום השורה',
  'column.not_in_file': '{field}: אין בקובץ עמודה בשם "{header}" — בחרו אחת מעמודות הקובץ',
  'phone.too_short': '"{value}" קצר מדי למספר טלפון {phoneKind}',
  'phone.too_long': '"{value}" ארוך מדי למספר טלפון {phoneKind}',
  'phone.invalid_country': '"{value}": קידומת המדינה לא מוכרת (כתבו ‎+972… או מספר ישראלי המתחיל ב-0)',
  'phone.not_a_number': '"{value}" אינו מספר טלפון: מותרות ספרות, רווחים, מקפים וסוגריים בלבד',
  'phone.not_valid': '"{value}" אינו מספר טלפון קיים: בדקו את הקידומת',
  'email.not_valid': '"{value}" אינה כתובת דוא״ל תקינה (למשל name@example.com)',
  'date.not_valid': '"{value}" אינו תאריך מוכר: כתבו 31/12/2024 או 2024-12-31',
  'birthday.out_of_range': '"{value}": תאריך לידה צריך להיות בין 1900 להיום',
  'consent.not_valid': '"{value}" אינו ערך הסכמה מוכר: כתבו כן/לא, yes/no או 1/0',
  'number.not_valid': '"{value}" אינו סכום תקין: מספר אפס ומעלה, עד שתי ספרות אחרי הנקודה',
  'quantity.not_valid': '"{value}" אינה כמות תקינה: מספר חיובי',
  'channel.not_valid': '"{value}" אינו ערוץ מוכר: store, web, app, phone, whatsapp (או חנות, אתר, pos)',
  'stage.not_valid': '"{value}" אינו שלב מוכר: lead, customer, repeat, loyal, at_risk, lost',
  'currency.not_valid': '"{value}" אינו קוד מטבע: שלוש אותיות, למשל ILS',
  'text.longer_than': 'הערך ארוך מ-{max} תווים',
  'customer.unreachable':
    'אין בשורה שם, דוא״ל או טלפון: אין דרך לזהות את הלקוח או לפנות אליו. מלאו לפחות אחד מהם או מחקו את השורה',
  'customer.unknown_id': 'אין לקוח עם המספר הזה, ובשורה אין שם, דוא״ל או טלפון כדי ליצור לקוח חדש',
  'customer.contradicts': 'השורה מתארת אחרת את הלקוח של שורה {row} ("{value}"): השאירו אחת מהן או אחדו אותן לשורה אחת',
  'cell.required': 'חובה: {field} — התא ריק בשורה הזאת',
  'order.customer_not_found': 'אין לקוח עם {field} "{value}": ייבאו קודם את קובץ הלקוחות, או תקנו את הערך',
  'order.customer_ambiguous': 'יותר מלקוח אחד עם {field} "{value}": מזגו אותם, או ציינו בקובץ את מספר הלקוח',
  'order.required_field': 'חובה: {field} — השורה הראשונה של ההזמנה ריקה בעמודה הזאת',
  'order.contradicts': 'הערך "{value}" סותר את "{earlier}" בשורה {row} של אותה הזמנה',
  'order.customer_key_required': 'להזמנה אין מספר לקוח, דוא״ל או טלפון באף שורה',
  'order.line_total_mismatch': 'סכום השורה {value} אינו כמות × מחיר יחידה',
  'order.total_below_refunded': 'סכום ההזמנה {value} נמוך ממה שכבר זוכה עליה ({earlier}); ההזמנה לא עודכנה',
  'phone.kind.mobile': 'נייד ישראלי',
  'phone.kind.landline': 'קווי ישראלי',
  'phone.kind.foreign': 'בחו״ל',
  'row.erased': 'הערך נמחק יחד עם המידע האישי של הלקוח (בקשת מחיקה)',
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
  'column.required': 'Required: {field} — choose the column that holds it',
  'column.required_customer': 'Required: {field} — choose the column that holds the customer id, email or phone',
  'column.required_price': 'Required: {field} — choose the column that holds the unit price or the line total',
  'column.not_in_file': '{field}: the file has no column "{header}" — choose one of its columns',
  'phone.too_short': '"{value}" is too short for {phoneKind} phone number',
  'phone.too_long': '"{value}" is too long for {phoneKind} phone number',
  'phone.invalid_country': '"{value}": unknown country code (write +972… or an Israeli number starting with 0)',
  'phone.not_a_number': '"{value}" is not a phone number: only digits, spaces, dashes and brackets',
  'phone.not_valid': '"{value}" is not a phone number in use: check the prefix',
  'email.not_valid': '"{value}" is not a valid email address (like name@example.com)',
  'date.not_valid': '"{value}" is not a date we know: write 31/12/2024 or 2024-12-31',
  'birthday.out_of_range': '"{value}": a birthday is between 1900 and today',
  'consent.not_valid': '"{value}" is not a consent value we know: write yes/no, כן/לא or 1/0',
  'number.not_valid': '"{value}" is not an amount: a number from zero up, at most two decimals',
  'quantity.not_valid': '"{value}" is not a quantity: a positive number',
  'channel.not_valid': '"{value}" is not a channel we know: store, web, app, phone, whatsapp (or pos)',
  'stage.not_valid': '"{value}" is not a lifecycle stage we know: lead, customer, repeat, loyal, at_risk, lost',
  'currency.not_valid': '"{value}" is not a currency code: three letters, like ILS',
  'text.longer_than': 'The value is longer than {max} characters',
  'customer.unreachable':
    'The row has no name, email or phone: nobody could find or reach this customer. Fill in at least one, or delete the row',
  'customer.unknown_id': 'No customer has this id, and the row has no name, email or phone to create one',
  'customer.contradicts':
    'This row describes the customer of row {row} ("{value}") differently: keep one of them, or merge them into one row',
  'cell.required': 'Required: {field} — this row leaves the cell empty',
  'order.customer_not_found':
    'No customer has the {field} "{value}": import the customers file first, or fix the value',
  'order.customer_ambiguous':
    'More than one customer has the {field} "{value}": merge them, or give the customer id in the file',
  'order.required_field': 'Required: {field} — the order’s first row leaves this column empty',
  'order.contradicts': '"{value}" contradicts "{earlier}" on row {row} of the same order',
  'order.customer_key_required': 'No row of the order gives a customer id, email or phone',
  'order.line_total_mismatch': 'The line total {value} is not quantity × unit price',
  'order.total_below_refunded':
    'The order total {value} is less than what it has already been refunded ({earlier}); the order was not changed',
  'phone.kind.mobile': 'an Israeli mobile',
  'phone.kind.landline': 'an Israeli landline',
  'phone.kind.foreign': 'a foreign',
  'row.erased': 'The value was removed with the customer’s personal data (an erasure request)',
  'permission.create': 'Your role may not create customers; the row was not imported',
  'permission.profile':
    'Your role may not change a customer’s details (name, phone, email, address); the row was not imported',
  'permission.tags': 'Your role may not tag customers; the row was not imported',
  'permission.consents': 'Your role may not change marketing consents; the row was not imported',
};

/** The import fields by the names the mapping screen gives them, for messages that name a field. */
const fieldLabels: Record<Locale, Record<string, string>> = {
  he: {
    externalId: 'מספר לקוח',
    'orders.externalId': 'מספר הזמנה',
    firstName: 'שם פרטי',
    lastName: 'שם משפחה',
    firstNameLatin: 'שם פרטי באנגלית',
    lastNameLatin: 'שם משפחה באנגלית',
    fullName: 'שם מלא',
    email: 'דוא״ל',
    phone: 'טלפון',
    birthday: 'תאריך לידה',
    street: 'רחוב',
    city: 'עיר',
    zip: 'מיקוד',
    company: 'חברה',
    homeBranch: 'סניף בית',
    note: 'הערה',
    tags: 'תגיות',
    lifecycleStage: 'שלב',
    consentEmail: 'הסכמה לדוא״ל',
    consentSms: 'הסכמה ל-SMS',
    consentWhatsapp: 'הסכמה לוואטסאפ',
    emailOptOut: 'הוסר מדיוור',
    customerExternalId: 'מספר לקוח',
    customerEmail: 'דוא״ל הלקוח',
    customerPhone: 'טלפון הלקוח',
    placedAt: 'תאריך ההזמנה',
    channel: 'ערוץ',
    branch: 'סניף',
    currency: 'מטבע',
    sku: 'מק״ט',
    name: 'שם המוצר',
    quantity: 'כמות',
    unitPrice: 'מחיר יחידה',
    lineTotal: 'סכום השורה',
    shipping: 'משלוח',
    discount: 'הנחה',
    tax: 'מע״מ',
    total: 'סכום ההזמנה',
    refundedAmount: 'סכום שזוכה',
    refundedAt: 'תאריך הזיכוי',
    cancelled: 'בוטלה',
    paymentStatus: 'סטטוס תשלום',
    billingName: 'שם לחיוב',
    billingCompany: 'חברה לחיוב',
    billingAddress1: 'כתובת לחיוב',
    billingAddress2: 'כתובת לחיוב, שורה 2',
    billingCity: 'עיר לחיוב',
    billingZip: 'מיקוד לחיוב',
    billingCountry: 'ארץ לחיוב',
    billingPhone: 'טלפון לחיוב',
    shippingName: 'שם למשלוח',
    shippingCompany: 'חברה למשלוח',
    shippingAddress1: 'כתובת למשלוח',
    shippingAddress2: 'כתובת למשלוח, שורה 2',
    shippingCity: 'עיר למשלוח',
    shippingZip: 'מיקוד למשלוח',
    shippingCountry: 'ארץ למשלוח',
    shippingPhone: 'טלפון למשלוח',
  },
  en: {
    externalId: 'customer id',
    'orders.externalId': 'order number',
    firstName: 'first name',
    lastName: 'last name',
    firstNameLatin: 'first name (English)',
    lastNameLatin: 'last name (English)',
    fullName: 'full name',
    email: 'email',
    phone: 'phone',
    birthday: 'birthday',
    street: 'street',
    city: 'city',
    zip: 'zip code',
    company: 'company',
    homeBranch: 'home branch',
    note: 'note',
    tags: 'tags',
    lifecycleStage: 'lifecycle stage',
    consentEmail: 'email consent',
    consentSms: 'SMS consent',
    consentWhatsapp: 'WhatsApp consent',
    emailOptOut: 'unsubscribed from email',
    customerExternalId: 'customer id',
    customerEmail: 'customer email',
    customerPhone: 'customer phone',
    placedAt: 'order date',
    channel: 'channel',
    branch: 'branch',
    currency: 'currency',
    sku: 'SKU',
    name: 'product name',
    quantity: 'quantity',
    unitPrice: 'unit price',
    lineTotal: 'line total',
    shipping: 'shipping',
    discount: 'discount',
    tax: 'tax',
    total: 'order total',
    refundedAmount: 'refunded amount',
    refundedAt: 'refund date',
    cancelled: 'cancelled',
    paymentStatus: 'payment status',
    billingName: 'billing name',
    billingCompany: 'billing company',
    billingAddress1: 'billing address',
    billingAddress2: 'billing address, line 2',
    billingCity: 'billing city',
    billingZip: 'billing zip code',
    billingCountry: 'billing country',
    billingPhone: 'billing phone',
    shippingName: 'shipping name',
    shippingCompany: 'shipping company',
    shippingAddress1: 'shipping address',
    shippingAddress2: 'shipping address, line 2',
    shippingCity: 'shipping city',
    shippingZip: 'shipping zip code',
    shippingCountry: 'shipping country',
    shippingPhone: 'shipping phone',
  },
};

/** A field's name for people, in the locale; orders' externalId is the order number. */
export function fieldLabel(field: string, locale: Locale, kind?: 'customers' | 'orders'): string {
  const labels = fieldLabels[locale];
  return (kind === 'orders' ? labels[`orders.${field}`] : undefined) ?? labels[field] ?? field;
}

/** Values a message fills in: {value}, {field} (a field, named in the locale), {phoneKind}, {row}… */
export type MessageParams = Record<string, string | number>;

export function importMessage(key: string, locale: Locale, params?: MessageParams): string {
  const text = (locale === 'he' ? he : en)[key] ?? fieldMessage(key, locale);
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (name === 'field')
      return fieldLabel(String(value), locale, params.importKind === 'orders' ? 'orders' : undefined);
    if (name === 'phoneKind') return importMessage(`phone.kind.${value}`, locale);
    return String(value);
  });
}

/**
 * A stored row error in the reader's language: the job writes the reason in the language of whoever
 * started it, and keeps the message key and its values so that GET /imports/:id answers in the
 * language of each request's Accept-Language.
 */
export function localiseRowError<E extends { reason: string }>(error: E, locale: Locale): E {
  const { code, params } = error as E & { code?: string; params?: MessageParams };
  return code ? { ...error, reason: importMessage(code, locale, params) } : error;
}

/** The problems of a mapping (resolveMapping), each naming the field it needs, in the request's language. */
export function mappingProblemFields(
  problems: { field: string; key: string; header?: string }[],
  kind: 'customers' | 'orders',
  locale: Locale,
): { field: string; message: string; code: string }[] {
  return problems.map((p) => ({
    field: p.field,
    code: p.key,
    message: importMessage(p.key, locale, {
      field: p.field,
      importKind: kind,
      ...(p.header ? { header: p.header } : {}),
    }),
  }));
}
