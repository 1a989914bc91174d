import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { settingsEn } from './settings.en.ts';
import { settingsHe } from './settings.he.ts';
import { SettingsPage } from './settings-page.tsx';

/** The business's settings, its team and its API keys. */
export const settings = defineFeature({
  name: 'settings',
  translations: { he: settingsHe, en: settingsEn },
  routes: ({ app }) => [
    createRoute({
      getParentRoute: () => app,
      path: '/settings',
      component: SettingsPage,
      validateSearch: (search: Record<string, unknown>): { tab?: 'business' | 'users' | 'apiKeys' } =>
        search.tab === 'users' || search.tab === 'apiKeys' || search.tab === 'business' ? { tab: search.tab } : {},
    }),
  ],
  nav: [
    {
      to: '/settings',
      label: 'settings:nav.settings',
      icon: 'settings',
      permission: 'settings.manage',
      testId: 'nav-settings',
    },
  ],
});
