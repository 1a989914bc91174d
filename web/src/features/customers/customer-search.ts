import { type Channel, channels, type LifecycleStage, lifecycleStages } from './customers-api.ts';

export const customerSorts = [
  '-createdAt',
  'createdAt',
  'name',
  '-name',
  '-totalSpent',
  'totalSpent',
  '-lastOrderAt',
  'lastOrderAt',
] as const;
export type CustomerSort = (typeof customerSorts)[number];

export type CustomerSearch = {
  q?: string;
  tag?: string;
  stage?: LifecycleStage;
  consent?: Channel;
  branch?: string;
  sort?: CustomerSort;
};

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/** The list's filters live in the URL, so Back from a customer returns to the same list. */
export function parseCustomerSearch(search: Record<string, unknown>): CustomerSearch {
  const out: CustomerSearch = {};
  // A typed URL such as ?q=0501234567 arrives as a number; it is still a search for text.
  const q = typeof search.q === 'number' ? String(search.q) : search.q;
  if (typeof q === 'string' && q.trim()) out.q = q.slice(0, 100);
  if (typeof search.tag === 'string' && search.tag) out.tag = search.tag.slice(0, 50);
  if (isOneOf(lifecycleStages, search.stage)) out.stage = search.stage;
  if (isOneOf(channels, search.consent)) out.consent = search.consent;
  if (typeof search.branch === 'string' && search.branch) out.branch = search.branch;
  if (isOneOf(customerSorts, search.sort)) out.sort = search.sort;
  return out;
}
