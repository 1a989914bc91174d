import { type AnyRoute, createRootRoute, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { AppLayout, NotFound, RouteError } from './components/app-layout.tsx';
import type { RouteParents } from './features/feature.ts';
import { buildRegistry, FeatureRegistryProvider } from './features/feature-registry.tsx';
import { features } from './features/index.ts';
import { setupNeeded, signedIn } from './route-guards.ts';

const registry = buildRegistry(features);

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

function SignedInLayout() {
  return <AppLayout navigation={registry.nav} />;
}

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_app',
  component: SignedInLayout,
  beforeLoad: async ({ location }) => {
    if (await setupNeeded()) throw redirect({ to: '/setup' });
    if (!(await signedIn())) {
      throw redirect({ to: '/login', search: location.href === '/' ? {} : { redirect: location.href } });
    }
  },
});

export type RootRoute = typeof rootRoute;
export type AppRoute = typeof appRoute;

const parents: RouteParents = { root: rootRoute, app: appRoute };

type Listed = (typeof features)[number];
// The routes' exact types (their paths, params and search) carry into the router, so links stay checked.
type RoutesOf<K extends 'routes' | 'publicRoutes'> = Listed extends infer F
  ? F extends { [P in K]: (parents: RouteParents) => infer R extends readonly AnyRoute[] }
    ? R[number]
    : never
  : never;

// Every screen comes from a feature: the ones outside the layout hang on the root, the others inside the layout.
const routeTree = rootRoute.addChildren([
  ...features.flatMap<RoutesOf<'publicRoutes'>>((f) => ('publicRoutes' in f ? f.publicRoutes(parents) : [])),
  appRoute.addChildren(features.flatMap<RoutesOf<'routes'>>((f) => ('routes' in f ? f.routes(parents) : []))),
]);

export const router = createRouter({
  routeTree,
  defaultPreload: 'intent',
  scrollRestoration: true,
  defaultErrorComponent: RouteError,
  Wrap: ({ children }: { children: ReactNode }) => (
    <FeatureRegistryProvider registry={registry}>{children}</FeatureRegistryProvider>
  ),
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
