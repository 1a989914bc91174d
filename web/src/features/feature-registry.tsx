import { createContext, type ReactNode, useContext } from 'react';
import type { NamespacedKey } from '../i18n/keys.ts';
import type { CustomerPanel, DashboardCard, Feature, NavEntry, TimelineRenderer } from './feature.ts';

/**
 * The features' contributions, collected once from the list, for the screens that show other features' parts.
 * Their labels are translation keys of any namespace ('commerce:timeline.types.order_placed').
 */
export type FeatureRegistry<Label extends string = NamespacedKey> = {
  nav: readonly NavEntry<Label>[];
  timeline: ReadonlyMap<string, TimelineRenderer<Label>>;
  customerPanels: readonly CustomerPanel[];
  dashboardCards: readonly DashboardCard[];
};

/**
 * Collects in list order; two features rendering the same timeline event type is a mistake caught at start.
 * A label that is no translation key (a typo, a key the English file lacks) fails the typecheck here.
 */
export function buildRegistry<Label extends NamespacedKey>(
  features: readonly Feature<Label>[],
): FeatureRegistry<Label> {
  const timeline = new Map<string, TimelineRenderer<Label>>();
  const owner = new Map<string, string>();
  for (const feature of features) {
    for (const [type, renderer] of Object.entries(feature.timeline ?? {})) {
      const previous = owner.get(type);
      if (previous) throw new Error(`Timeline event ${type} is rendered by both ${previous} and ${feature.name}`);
      owner.set(type, feature.name);
      timeline.set(type, renderer);
    }
  }
  return {
    nav: features.flatMap((f) => f.nav ?? []),
    timeline,
    customerPanels: features.flatMap((f) => f.customerPanels ?? []),
    dashboardCards: features.flatMap((f) => f.dashboardCards ?? []),
  };
}

const RegistryContext = createContext<FeatureRegistry | null>(null);

export function FeatureRegistryProvider({ registry, children }: { registry: FeatureRegistry; children: ReactNode }) {
  return <RegistryContext.Provider value={registry}>{children}</RegistryContext.Provider>;
}

export function useFeatureRegistry(): FeatureRegistry {
  const registry = useContext(RegistryContext);
  if (!registry) throw new Error('useFeatureRegistry outside FeatureRegistryProvider');
  return registry;
}
