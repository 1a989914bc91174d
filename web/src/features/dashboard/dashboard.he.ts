import type { Messages } from '../../i18n/messages.ts';
import type { dashboardEn } from './dashboard.en.ts';

export const dashboardHe: Messages<typeof dashboardEn> = {
  nav: {
    dashboard: 'מבט על',
  },
  dashboard: {
    title: 'מבט על',
    totalCustomers: 'לקוחות',
    withConsent: 'הסכמה לדיוור',
    byStage: 'לקוחות לפי שלב',
    byConsent: 'הסכמה לפי ערוץ',
    recent: 'נוספו לאחרונה',
    emptyTitle: 'עוד אין לקוחות',
    emptyText: 'אפשר לייבא את רשימת הלקוחות מקובץ CSV או אקסל, או להוסיף את הלקוח הראשון ידנית.',
    allCustomers: 'לכל הלקוחות',
  },
};
