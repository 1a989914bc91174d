import type { AnyRoute } from '@tanstack/react-router';
import type { ComponentType } from 'react';
import type { IconName } from '../components/icons.tsx';
import type { Formatters } from '../format.ts';
import type { AppRoute, RootRoute } from '../router.tsx';
import type { Permission } from '../session.ts';
import type { Customer360, TimelineEvent } from './customers/customers-api.ts';

/** The two places a feature's screens hang: outside the signed-in layout (login, setup) or inside it. */
export type RouteParents = { root: RootRoute; app: AppRoute };

/**
 * A translation key with its namespace, e.g. 'customers:nav.customers'. A feature's labels keep their exact
 * strings, and the registry takes only real keys (`buildRegistry`): the keys are derived from the features list,
 * so the Feature type itself cannot name them without referring to itself.
 */
export type LabelKey = `${string}:${string}`;

/** One entry of the main navigation; shown only to roles that have the permission. */
export type NavEntry<Label extends string = LabelKey> = {
  to: string;
  /** A translation key with its namespace, e.g. 'customers:nav.customers'. */
  label: Label;
  icon: IconName;
  permission: Permission;
  testId: string;
};

/** How one timeline event type is shown on the customer page. */
export type TimelineRenderer<Label extends string = LabelKey> = {
  icon: IconName;
  color: string;
  /** A translation key with its namespace, e.g. 'commerce:timeline.types.order_placed'. */
  label: Label;
  Body: ComponentType<{ event: TimelineEvent; fmt: Formatters }>;
};

/** A card on the customer page: the wide column beside the timeline ('main') or the narrow one ('side'). */
export type CustomerPanel = {
  id: string;
  column: 'main' | 'side';
  Panel: ComponentType<{ customer: Customer360 }>;
};

/** A card on the dashboard, below the dashboard's own figures. */
export type DashboardCard = { id: string; permission: Permission; Card: ComponentType };

/**
 * What one feature brings to the web app. `web/src/features/index.ts` lists the features; the router, the
 * navigation, the translations, the customer page and the dashboard are built from that list.
 */
export type Feature<Label extends string = LabelKey> = {
  /** The feature's name, also its i18next namespace. */
  name: string;
  translations: { he: object; en: object };
  /** Screens inside the signed-in layout. */
  routes?: (parents: RouteParents) => readonly AnyRoute[];
  /** Screens outside it (login, setup, an invitation). */
  publicRoutes?: (parents: RouteParents) => readonly AnyRoute[];
  nav?: readonly NavEntry<Label>[];
  /** Keyed by the event's type, e.g. 'order.placed'. */
  timeline?: Readonly<Record<string, TimelineRenderer<Label>>>;
  customerPanels?: readonly CustomerPanel[];
  dashboardCards?: readonly DashboardCard[];
};

/** Checks a feature object's shape and keeps its exact type (the router reads its routes' paths from it). */
export function defineFeature<const F extends Feature>(feature: F): F {
  return feature;
}
