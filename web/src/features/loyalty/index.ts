import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { LoyaltyContestPage } from './contests-detail-page.tsx';
import { LoyaltyContestsPage } from './contests-page.tsx';
import { LoyaltyDashboardCard } from './dashboard-card.tsx';
import { loyaltyEn } from './loyalty.en.ts';
import { loyaltyHe } from './loyalty.he.ts';
import { loyaltyTimeline } from './loyalty-timeline.tsx';
import { LoyaltyPanel } from './member-panel.tsx';
import { LoyaltyMembersPage } from './members-page.tsx';
import { PortalJoinPage } from './portal-join-page.tsx';
import { PortalPage } from './portal-page.tsx';
import { LoyaltyReferralsPage } from './referrals-page.tsx';
import { LoyaltyReportPage } from './report-page.tsx';
import { LoyaltyRewardsPage } from './rewards-page.tsx';
import { LoyaltyRulesPage } from './rules-page.tsx';
import { LoyaltySettingsPage } from './settings-page.tsx';

/** The loyalty club: its members, settings and tiers, rewards catalog and report, the club card on a customer's page. */
export const loyalty = defineFeature({
  name: 'loyalty',
  translations: { he: loyaltyHe, en: loyaltyEn },
  // The club's public pages, outside the staff layout: the join page and the member area (no staff login).
  publicRoutes: ({ root }) => [
    createRoute({
      getParentRoute: () => root,
      path: '/club/$publicKey/join',
      component: PortalJoinPage,
      validateSearch: (search: Record<string, unknown>): { ref?: string } =>
        typeof search.ref === 'string' && search.ref ? { ref: search.ref } : {},
    }),
    createRoute({ getParentRoute: () => root, path: '/club/$publicKey', component: PortalPage }),
  ],
  routes: ({ app }) => [
    createRoute({ getParentRoute: () => app, path: '/loyalty', component: LoyaltyMembersPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/settings', component: LoyaltySettingsPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/report', component: LoyaltyReportPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/rewards', component: LoyaltyRewardsPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/rules', component: LoyaltyRulesPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/contests', component: LoyaltyContestsPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/contests/$id', component: LoyaltyContestPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/referrals', component: LoyaltyReferralsPage }),
  ],
  nav: [
    {
      to: '/loyalty',
      label: 'loyalty:nav.club',
      icon: 'star',
      permission: 'loyalty.read',
      testId: 'nav-loyalty',
    },
  ],
  timeline: loyaltyTimeline,
  customerPanels: [{ id: 'loyalty', column: 'side', Panel: LoyaltyPanel }],
  dashboardCards: [{ id: 'loyalty', permission: 'loyalty.read', Card: LoyaltyDashboardCard }],
});
