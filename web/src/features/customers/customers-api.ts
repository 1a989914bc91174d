import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type {
  customer360Schema,
  customerPageSchema,
  customerSchema,
  tagCountSchema,
  timelineEventSchema,
  timelinePageSchema,
} from '../../../../src/modules/customers/customers.schemas.ts';
import type { branchSchema } from '../../../../src/modules/locations/locations.schemas.ts';
import { api, type Reply } from '../../api.ts';
import type { CustomerSearch } from './customer-search.ts';

// The replies the customers feature reads, as the server's schemas give them.
export type Customer = Reply<typeof customerSchema>;
export type CustomerPage = Reply<typeof customerPageSchema>;
export type Customer360 = Reply<typeof customer360Schema>;
export type TimelineEvent = Reply<typeof timelineEventSchema>;
export type TimelinePage = Reply<typeof timelinePageSchema>;
export type Branch = Reply<typeof branchSchema>;
export type TagCount = Reply<typeof tagCountSchema>;
export type LifecycleStage = Customer['lifecycleStage'];
export type ConductFlag = NonNullable<Customer['conductFlag']>;
export type Channel = keyof Customer['consents'];

/** Every member of the union U, each once (the lists below are the screens' order; the server's schemas say what they hold). */
type Exactly<U, L extends readonly U[]> = [U] extends [L[number]] ? L : never;
const every =
  <U>() =>
  <const L extends readonly U[]>(list: Exactly<U, L>): readonly U[] =>
    list;

export const lifecycleStages = every<LifecycleStage>()(['lead', 'customer', 'repeat', 'loyal', 'at_risk', 'lost']);
export const channels = every<Channel>()(['email', 'sms', 'whatsapp', 'phone']);
export const conductFlags = every<ConductFlag>()(['warning', 'restricted', 'banned']);

export const customerKeys = {
  all: ['customers'] as const,
  list: (search: CustomerSearch) => ['customers', 'list', search] as const,
  one: (id: string) => ['customers', 'one', id] as const,
  timeline: (id: string) => ['customers', 'timeline', id] as const,
  duplicates: (id: string) => ['customers', 'duplicates', id] as const,
};

const pageSize = 25;

export function useCustomerList(search: CustomerSearch) {
  return useInfiniteQuery({
    queryKey: customerKeys.list(search),
    queryFn: ({ pageParam, signal }) =>
      api<CustomerPage>('/customers', { query: { ...search, limit: pageSize, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(id: string) {
  return useQuery({ queryKey: customerKeys.one(id), queryFn: () => api<Customer360>(`/customers/${id}`) });
}

export function useTimeline(id: string) {
  return useInfiniteQuery({
    queryKey: customerKeys.timeline(id),
    queryFn: ({ pageParam }) => api<TimelinePage>(`/customers/${id}/timeline`, { query: { cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useBranches() {
  return useQuery({ queryKey: ['branches'], queryFn: () => api<{ items: Branch[] }>('/branches'), staleTime: 300_000 });
}

export function useTags() {
  return useQuery({ queryKey: ['tags'], queryFn: () => api<{ items: TagCount[] }>('/tags'), staleTime: 60_000 });
}
