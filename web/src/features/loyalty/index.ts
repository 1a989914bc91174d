import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { loyaltyEn } from './loyalty.en.ts';
import { loyaltyHe } from './loyalty.he.ts';
import { LoyaltyMembersPage } from './members-page.tsx';
import { LoyaltySettingsPage } from './settings-page.tsx';

/** The loyalty club: its members, its settings and tiers. */
export const loyalty = defineFeature({
  name: 'loyalty',
  translations: { he: loyaltyHe, en: loyaltyEn },
  routes: ({ app }) => [
    createRoute({ getParentRoute: () => app, path: '/loyalty', component: LoyaltyMembersPage }),
    createRoute({ getParentRoute: () => app, path: '/loyalty/settings', component: LoyaltySettingsPage }),
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
});
