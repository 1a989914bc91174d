/** The demo business's vocabulary: names, places and a café-bakery's menu, in Hebrew with Latin spellings. */

export type Name = { he: string; latin: string };

export const femaleNames: Name[] = [
  { he: 'נועה', latin: 'Noa' },
  { he: 'מאיה', latin: 'Maya' },
  { he: 'תמר', latin: 'Tamar' },
  { he: 'שירה', latin: 'Shira' },
  { he: 'יעל', latin: 'Yael' },
  { he: 'מיכל', latin: 'Michal' },
  { he: 'אביגיל', latin: 'Avigail' },
  { he: 'רוני', latin: 'Roni' },
  { he: 'הילה', latin: 'Hila' },
  { he: 'עדי', latin: 'Adi' },
  { he: 'ליאור', latin: 'Lior' },
  { he: 'אורית', latin: 'Orit' },
  { he: 'רחל', latin: 'Rachel' },
  { he: 'שרה', latin: 'Sarah' },
  { he: 'אסתר', latin: 'Ester' },
  { he: 'דנה', latin: 'Dana' },
  { he: 'ענבל', latin: 'Inbal' },
  { he: 'קרן', latin: 'Keren' },
  { he: 'סיוון', latin: 'Sivan' },
  { he: 'גלית', latin: 'Galit' },
  { he: 'לאה', latin: 'Leah' },
  { he: 'אלה', latin: 'Ella' },
  { he: 'טליה', latin: 'Talia' },
  { he: 'נגה', latin: 'Noga' },
  { he: 'ריטה', latin: 'Rita' },
  { he: 'סוזן', latin: 'Suzan' },
  { he: 'מרים', latin: 'Miriam' },
  { he: 'חן', latin: 'Chen' },
];

export const maleNames: Name[] = [
  { he: 'דוד', latin: 'David' },
  { he: 'יוסף', latin: 'Yosef' },
  { he: 'איתי', latin: 'Itai' },
  { he: 'אריאל', latin: 'Ariel' },
  { he: 'עומר', latin: 'Omer' },
  { he: 'אורי', latin: 'Uri' },
  { he: 'יונתן', latin: 'Yonatan' },
  { he: 'נועם', latin: 'Noam' },
  { he: 'אליה', latin: 'Eliya' },
  { he: 'משה', latin: 'Moshe' },
  { he: 'אברהם', latin: 'Avraham' },
  { he: 'יצחק', latin: 'Yitzhak' },
  { he: 'דניאל', latin: 'Daniel' },
  { he: 'רון', latin: 'Ron' },
  { he: 'גיא', latin: 'Guy' },
  { he: 'עידו', latin: 'Ido' },
  { he: 'אלון', latin: 'Alon' },
  { he: 'שי', latin: 'Shai' },
  { he: 'תומר', latin: 'Tomer' },
  { he: 'אמיר', latin: 'Amir' },
  { he: 'יואב', latin: 'Yoav' },
  { he: 'מוחמד', latin: 'Muhammad' },
  { he: 'סאמי', latin: 'Sami' },
  { he: 'ולדימיר', latin: 'Vladimir' },
  { he: 'בועז', latin: 'Boaz' },
  { he: 'חיים', latin: 'Haim' },
  { he: 'אליאור', latin: 'Elior' },
];

export const lastNames: Name[] = [
  { he: 'כהן', latin: 'Cohen' },
  { he: 'לוי', latin: 'Levi' },
  { he: 'מזרחי', latin: 'Mizrahi' },
  { he: 'פרץ', latin: 'Peretz' },
  { he: 'ביטון', latin: 'Biton' },
  { he: 'דהן', latin: 'Dahan' },
  { he: 'אברהם', latin: 'Avraham' },
  { he: 'פרידמן', latin: 'Friedman' },
  { he: 'אזולאי', latin: 'Azoulay' },
  { he: 'גבאי', latin: 'Gabay' },
  { he: 'שפירא', latin: 'Shapira' },
  { he: 'מלכה', latin: 'Malka' },
  { he: 'אוחיון', latin: 'Ohayon' },
  { he: 'חדד', latin: 'Hadad' },
  { he: 'עמר', latin: 'Amar' },
  { he: 'יוסף', latin: 'Yosef' },
  { he: 'קליין', latin: 'Klein' },
  { he: 'רוזנברג', latin: 'Rosenberg' },
  { he: 'גולדשטיין', latin: 'Goldstein' },
  { he: 'בן דוד', latin: 'Ben David' },
  { he: 'אלמוג', latin: 'Almog' },
  { he: 'שטרן', latin: 'Stern' },
  { he: 'נחום', latin: 'Nahum' },
  { he: 'סויסה', latin: 'Suissa' },
  { he: 'חזן', latin: 'Hazan' },
  { he: 'קעדאן', latin: 'Kadan' },
  { he: 'איבנוב', latin: 'Ivanov' },
  { he: 'טל', latin: 'Tal' },
  { he: 'ברק', latin: 'Barak' },
  { he: 'וקנין', latin: 'Vaknin' },
];

export type DemoBranch = { name: string; cities: string[] };

export const branches: DemoBranch[] = [
  { name: 'תל אביב', cities: ['תל אביב', 'תל אביב', 'רמת גן', 'גבעתיים', 'חולון', 'בת ים', 'הרצליה'] },
  { name: 'חיפה', cities: ['חיפה', 'חיפה', 'קריית ביאליק', 'קריית מוצקין', 'נשר', 'טירת כרמל'] },
  { name: 'באר שבע', cities: ['באר שבע', 'באר שבע', 'עומר', 'מיתר', 'אופקים', 'להבים'] },
];

export type DemoProduct = {
  sku: string;
  name: string;
  price: number;
  category: 'coffee' | 'bakery' | 'kitchen' | 'gift';
};

export const products: DemoProduct[] = [
  { sku: 'COF-ESP', name: 'אספרסו קצר', price: 9, category: 'coffee' },
  { sku: 'COF-CAP', name: 'קפוצ׳ינו', price: 14, category: 'coffee' },
  { sku: 'COF-HAF', name: 'קפה הפוך גדול', price: 16, category: 'coffee' },
  { sku: 'COF-AMR', name: 'אמריקנו', price: 12, category: 'coffee' },
  { sku: 'COF-ICE', name: 'אייס קפה', price: 17, category: 'coffee' },
  { sku: 'TEA-NAN', name: 'תה עם נענע', price: 10, category: 'coffee' },
  { sku: 'JUC-ORG', name: 'מיץ תפוזים סחוט', price: 16, category: 'coffee' },
  { sku: 'BAK-CRO', name: 'קרואסון חמאה', price: 12, category: 'bakery' },
  { sku: 'BAK-CRA', name: 'קרואסון שקדים', price: 16, category: 'bakery' },
  { sku: 'BAK-RUG', name: 'רוגלך שוקולד (100 גרם)', price: 14, category: 'bakery' },
  { sku: 'BAK-BUG', name: 'בורקס גבינה', price: 13, category: 'bakery' },
  { sku: 'BAK-BUP', name: 'בורקס תפוחי אדמה', price: 12, category: 'bakery' },
  { sku: 'BRD-SOU', name: 'לחם מחמצת כפרי', price: 28, category: 'bakery' },
  { sku: 'BRD-CHA', name: 'חלה מתוקה', price: 18, category: 'bakery' },
  { sku: 'BRD-RYE', name: 'לחם שיפון מלא', price: 24, category: 'bakery' },
  { sku: 'CAK-CHS', name: 'עוגת גבינה (פרוסה)', price: 22, category: 'bakery' },
  { sku: 'CAK-CHO', name: 'עוגת שוקולד (פרוסה)', price: 21, category: 'bakery' },
  { sku: 'CAK-YEA', name: 'עוגת שמרים שלמה', price: 45, category: 'bakery' },
  { sku: 'CAK-BDY', name: 'עוגת יום הולדת בהזמנה', price: 180, category: 'bakery' },
  { sku: 'KIT-SHK', name: 'שקשוקה עם לחם', price: 52, category: 'kitchen' },
  { sku: 'KIT-BRK', name: 'ארוחת בוקר ישראלית', price: 68, category: 'kitchen' },
  { sku: 'KIT-SAL', name: 'סלט יווני', price: 48, category: 'kitchen' },
  { sku: 'KIT-TUN', name: 'כריך טונה בבגט', price: 34, category: 'kitchen' },
  { sku: 'KIT-SAB', name: 'סביח בלחמניה', price: 36, category: 'kitchen' },
  { sku: 'GFT-BOX', name: 'מארז עוגיות חמאה', price: 39, category: 'gift' },
  { sku: 'GFT-CRD', name: 'כרטיס מתנה', price: 100, category: 'gift' },
];

export const tags = ['מועדון לקוחות', 'VIP', 'ללא גלוטן', 'טבעוני', 'אירועים', 'לקוח עסקי', 'רגיש לאגוזים'];

export const emailDomains = [
  'gmail.com',
  'gmail.com',
  'gmail.com',
  'walla.co.il',
  'hotmail.com',
  'yahoo.com',
  'icloud.com',
];

export const notes = [
  'ביקשה שנזכיר לה על סדנת האפייה לילדים בחנוכה.',
  'מזמין עוגות יום הולדת למשרד כמעט כל חודש — לתאם איתו מראש.',
  'רגישה לאגוזים. לסמן בכל הזמנה טלפונית.',
  'התלונן על המתנה ארוכה בסניף ביום שישי; קיבל קפה על חשבון הבית.',
  'מעדיפה שנחזור אליה בוואטסאפ ולא בטלפון.',
  'לקוח עסקי: מזמין מגשי מאפים לישיבות צוות, חשבונית על שם החברה.',
  'שאלה אם אפשר להכין עוגת שמרים ללא סוכר. העברנו לקונדיטורית.',
  'ביקש לעדכן אותו כשחוזר לחם השיפון למדפים בחיפה.',
];
