import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { dashboardEn } from './dashboard.en.ts';
import { dashboardHe } from './dashboard.he.ts';
import { DashboardPage } from './dashboard-page.tsx';

/** The first screen: how many customers, their stages and consents, the newest ones. */
export const dashboard = defineFeature({
  name: 'dashboard',
  translations: { he: dashboardHe, en: dashboardEn },
  routes: ({ app }) => [createRoute({ getParentRoute: () => app, path: '/', component: DashboardPage })],
  nav: [
    {
      to: '/',
      label: 'dashboard:nav.dashboard',
      icon: 'dashboard',
      permission: 'customers.read',
      testId: 'nav-dashboard',
    },
  ],
});
