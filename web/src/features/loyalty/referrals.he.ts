import type { Messages } from '../../i18n/messages.ts';
import type { referralsEn } from './referrals.en.ts';

/** The referrals' words in Hebrew (under 'loyalty:referrals'). */
export const referralsHe: Messages<typeof referralsEn> = {
  title: 'הפניות חברים',
  back: 'חברי המועדון',
  intro:
    'חברים מביאים חברים: מי שמצטרף למועדון עם הקוד או הקישור של חבר, הופנה על ידו. כשהקנייה הראשונה של החבר החדש עוברת את תקופת ההחזרות, שניהם מקבלים נקודות.',
  link: 'הפניות',
  filterLabel: 'הצגת הפניות',
  filters: {
    all: 'הכול',
    pending: 'ממתינות לקנייה',
    qualified: 'אושרו',
    refused: 'לא נספרו',
  },
  statuses: {
    pending: 'ממתינה לקנייה ראשונה',
    qualified: 'אושרה',
    refused: 'לא נספרה',
  },
  reasons: {
    self_referral: 'אותו אדם (אותו לקוח, דוא״ל או טלפון)',
    already_member: 'כבר היה חבר מועדון',
    already_referred: 'כבר הופנה בעבר',
    referrals_off: 'ההפניות היו כבויות',
    merged: 'נספרה אצל הלקוח השני של מיזוג',
  },
  referrer: 'החבר שהפנה',
  friend: 'החבר החדש',
  status: 'מצב',
  referredAt: 'הופנה',
  qualifiedAt: 'אושרה',
  rewards: 'נקודות (מפנה / חבר חדש)',
  unnamed: 'ללא שם',
  erased: 'נמחק',
  loadMore: 'עוד הפניות',
  empty: 'עוד אין הפניות',
  emptyFiltered: 'אין הפניות במצב הזה',
  emptyText:
    'הפניה נוצרת כשחבר חדש מצטרף למועדון עם הקוד של חבר: בדף הלקוח של החבר החדש, דרך ה־API (השדה \u2066referralCode\u2069 בבקשה \u2066POST /api/v1/loyalty/members\u2069), או מקישור השיתוף של החבר. הקוד והקישור של כל חבר מופיעים בכרטיס המועדון בדף הלקוח שלו.',
  settings: {
    title: 'הטבות על הפניה',
    enabled: 'חברים יכולים להפנות חברים',
    referrerPoints: 'נקודות לחבר שהפנה',
    friendPoints: 'נקודות לחבר החדש',
    help: 'ניתנות כשהקנייה הראשונה של החבר החדש עברה את תקופת ההחזרות ולא הוחזרה במלואה.',
    save: 'שמירה',
    saved: 'ההטבות על הפניה נשמרו',
    off: 'ההפניות כבויות: מי שמצטרף עם קוד לא נספר.',
    summary: '{{referrer}} לחבר שהפנה, {{friend}} לחבר החדש',
  },
  card: {
    title: 'הזמנת חבר',
    code: 'קוד הפניה',
    linkLabel: 'קישור לשיתוף',
    whatsApp: 'שיתוף בוואטסאפ',
    invitation: 'היי! אני חבר/ה ב{{club}} ונראה לי שגם לך יתאים. אפשר להצטרף בקישור שלי: {{link}}',
    invitationCode: 'היי! אני חבר/ה ב{{club}} ונראה לי שגם לך יתאים. בהצטרפות כדאי למסור את הקוד שלי: {{code}}',
    rewards: 'כשהקנייה הראשונה של החבר החדש תאושר: {{referrer}} לחבר הזה, {{friend}} לחבר החדש.',
  },
  enroll: {
    code: 'קוד הפניה (לא חובה)',
    help: 'הקוד של החבר שהזמין את הלקוח.',
    referred: 'הצטרף בהפניה של חבר: שניהם יקבלו נקודות אחרי הקנייה הראשונה.',
    refused: 'הצטרף. ההפניה לא נספרת: {{reason}}',
  },
  timeline: {
    referral: 'הפניה',
    referral_qualified: 'הפניה אושרה',
    referredFriend: 'הפנה חבר חדש למועדון',
    wasReferred: 'הצטרף למועדון בהפניה של חבר',
    qualified: 'הקנייה הראשונה של החבר החדש אישרה את ההפניה: {{points}}',
    open: 'לדף הלקוח השני',
  },
};
