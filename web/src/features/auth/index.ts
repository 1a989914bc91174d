import { createRoute, redirect } from '@tanstack/react-router';
import { queryClient } from '../../query-client.ts';
import { setupNeeded } from '../../route-guards.ts';
import { sessionQuery } from '../../session.ts';
import { defineFeature } from '../feature.ts';
import { authEn } from './auth.en.ts';
import { authHe } from './auth.he.ts';
import { InvitePage } from './invite-page.tsx';
import { LoginPage } from './login-page.tsx';
import { SetupPage } from './setup-page.tsx';

/** Setting up a workspace, signing in and accepting an invitation: the screens outside the layout. */
export const auth = defineFeature({
  name: 'auth',
  translations: { he: authHe, en: authEn },
  publicRoutes: ({ root }) => [
    createRoute({
      getParentRoute: () => root,
      path: '/setup',
      component: SetupPage,
      beforeLoad: async () => {
        if (!(await setupNeeded())) throw redirect({ to: '/login' });
      },
    }),
    createRoute({
      getParentRoute: () => root,
      path: '/login',
      component: LoginPage,
      beforeLoad: async ({ search }) => {
        if (await setupNeeded()) throw redirect({ to: '/setup' });
        const session = queryClient.getQueryData(sessionQuery.queryKey);
        if (session) throw redirect({ to: search.redirect ?? '/' });
      },
      validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
        typeof search.redirect === 'string' && search.redirect.startsWith('/') ? { redirect: search.redirect } : {},
    }),
    createRoute({ getParentRoute: () => root, path: '/invite/$token', component: InvitePage }),
  ],
});
