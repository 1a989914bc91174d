import { createRootRoute, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router';
import { AppLayout, NotFound, RouteError } from './components/app-layout.tsx';
import { AuditPage } from './features/audit/audit-page.tsx';
import { InvitePage } from './features/auth/invite-page.tsx';
import { LoginPage } from './features/auth/login-page.tsx';
import { SetupPage } from './features/auth/setup-page.tsx';
import { CustomerPage } from './features/customers/customer-page.tsx';
import { parseCustomerSearch } from './features/customers/customer-search.ts';
import { CustomersPage } from './features/customers/customers-page.tsx';
import { DashboardPage } from './features/dashboard/dashboard-page.tsx';
import { ImportPage } from './features/imports/import-page.tsx';
import { SettingsPage } from './features/settings/settings-page.tsx';
import { queryClient } from './query-client.ts';
import { sessionQuery, setupQuery } from './session.ts';

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

// Where a visitor belongs: setup on a fresh install, login without a session, the app with one.
async function setupNeeded(): Promise<boolean> {
  try {
    return (await queryClient.ensureQueryData(setupQuery)).needed;
  } catch {
    return false;
  }
}

async function signedIn(): Promise<boolean> {
  try {
    return (await queryClient.ensureQueryData(sessionQuery)) !== null;
  } catch {
    // The server is unreachable: let the page show the error instead of bouncing around.
    return true;
  }
}

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  component: SetupPage,
  beforeLoad: async () => {
    if (!(await setupNeeded())) throw redirect({ to: '/login' });
  },
});
const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  component: LoginPage,
  beforeLoad: async ({ search }) => {
    if (await setupNeeded()) throw redirect({ to: '/setup' });
    const session = queryClient.getQueryData(sessionQuery.queryKey);
    if (session) throw redirect({ to: search.redirect ?? '/' });
  },
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    typeof search.redirect === 'string' && search.redirect.startsWith('/') ? { redirect: search.redirect } : {},
});
const inviteRoute = createRoute({ getParentRoute: () => rootRoute, path: '/invite/$token', component: InvitePage });

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_app',
  component: AppLayout,
  beforeLoad: async ({ location }) => {
    if (await setupNeeded()) throw redirect({ to: '/setup' });
    if (!(await signedIn())) {
      throw redirect({ to: '/login', search: location.href === '/' ? {} : { redirect: location.href } });
    }
  },
});
const dashboardRoute = createRoute({ getParentRoute: () => appRoute, path: '/', component: DashboardPage });
const customersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/customers',
  component: CustomersPage,
  validateSearch: parseCustomerSearch,
});
const customerRoute = createRoute({ getParentRoute: () => appRoute, path: '/customers/$id', component: CustomerPage });
const importRoute = createRoute({ getParentRoute: () => appRoute, path: '/import', component: ImportPage });
const auditRoute = createRoute({ getParentRoute: () => appRoute, path: '/audit', component: AuditPage });
const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings',
  component: SettingsPage,
  validateSearch: (search: Record<string, unknown>): { tab?: 'business' | 'users' | 'apiKeys' } =>
    search.tab === 'users' || search.tab === 'apiKeys' || search.tab === 'business' ? { tab: search.tab } : {},
});

const routeTree = rootRoute.addChildren([
  setupRoute,
  loginRoute,
  inviteRoute,
  appRoute.addChildren([dashboardRoute, customersRoute, customerRoute, importRoute, auditRoute, settingsRoute]),
]);

export const router = createRouter({
  routeTree,
  defaultPreload: 'intent',
  scrollRestoration: true,
  defaultErrorComponent: RouteError,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
