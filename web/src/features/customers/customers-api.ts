import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../api.ts';
import type { Branch, Customer360, CustomerPage, Page, TagCount, TimelineEvent } from '../../types.ts';
import type { CustomerSearch } from './customer-search.ts';

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
    queryFn: ({ pageParam }) => api<Page<TimelineEvent>>(`/customers/${id}/timeline`, { query: { cursor: pageParam } }),
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
