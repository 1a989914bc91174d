import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { segmentRulesSchema } from '../../../../src/modules/segments/segments.rules.ts';
import type {
  segmentCustomerSchema,
  segmentFieldsSchema,
  segmentPreviewSchema,
  segmentSchedules,
  segmentSchema,
} from '../../../../src/modules/segments/segments.schemas.ts';
import type { SegmentOperator } from '../../../../src/platform/segment-fields.ts';
import { api, type Reply } from '../../api.ts';

// The replies and bodies the segments screens read and send, as the server's schemas give them.
export type Segment = Reply<typeof segmentSchema>;
export type SegmentRules = Reply<typeof segmentRulesSchema>;
export type SegmentField = Reply<typeof segmentFieldsSchema>['items'][number];
export type SegmentFieldType = SegmentField['type'];
export type SegmentPreview = Reply<typeof segmentPreviewSchema>;
export type SegmentCustomer = Reply<typeof segmentCustomerSchema>;
export type SegmentSchedule = (typeof segmentSchedules)[number];
export type Operator = SegmentOperator;
type SegmentList = { items: Segment[]; nextCursor: string | null };
type MemberPage = { items: SegmentCustomer[]; nextCursor: string | null };
/** What POST /segments and PATCH /segments/:id take from the editor: the whole segment. */
export type SegmentInput = { name: string; description: string | null; rules: SegmentRules; schedule: SegmentSchedule };

/** The schedules in the order the editor offers them. */
export const schedules = ['manual', 'hourly', 'daily'] as const satisfies readonly SegmentSchedule[];

export const segmentKeys = {
  all: ['segments'] as const,
  list: ['segments', 'list'] as const,
  fields: ['segments', 'fields'] as const,
  one: (id: string) => ['segments', 'one', id] as const,
  members: (id: string) => ['segments', 'members', id] as const,
  preview: (rules: string) => ['segments', 'preview', rules] as const,
};

export function useSegments() {
  return useQuery({ queryKey: segmentKeys.list, queryFn: ({ signal }) => api<SegmentList>('/segments', { signal }) });
}

/** The fields rules may test, with their operators and values; the workspace's own options (tiers, branches) among them. */
export function useSegmentFields() {
  return useQuery({
    queryKey: segmentKeys.fields,
    queryFn: ({ signal }) => api<{ items: SegmentField[] }>('/segments/fields', { signal }),
    staleTime: 60_000,
  });
}

export function useSegment(id: string) {
  return useQuery({
    queryKey: segmentKeys.one(id),
    queryFn: ({ signal }) => api<Segment>(`/segments/${id}`, { signal }),
  });
}

const memberPageSize = 50;

/** A saved segment's members as of its last refresh, a page at a time. */
export function useSegmentMembers(id: string) {
  return useInfiniteQuery({
    queryKey: segmentKeys.members(id),
    queryFn: ({ pageParam, signal }) =>
      api<MemberPage>(`/segments/${id}/customers`, { query: { limit: memberPageSize, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/**
 * The live count of `rules` (already debounced by the caller) and the newest customers they match. The previous
 * answer stays on screen while the next one loads, so the count does not blink as rules change.
 */
export function useSegmentPreview(rules: SegmentRules, enabled: boolean) {
  const key = JSON.stringify(rules);
  return useQuery({
    queryKey: segmentKeys.preview(key),
    queryFn: ({ signal }) => api<SegmentPreview>('/segments/preview', { method: 'POST', body: { rules }, signal }),
    enabled,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 10_000,
  });
}

/** Creates a segment, or changes one (`id`): new rules refresh its members at once. */
export function useSaveSegment(id: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SegmentInput) =>
      id
        ? api<Segment>(`/segments/${id}`, { method: 'PATCH', body })
        : api<Segment>('/segments', { method: 'POST', body }),
    onSuccess: (segment) => {
      queryClient.setQueryData(segmentKeys.one(segment.id), segment);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: segmentKeys.list }),
        queryClient.invalidateQueries({ queryKey: segmentKeys.members(segment.id) }),
      ]);
    },
  });
}

/** Works a saved segment's members out again now. */
export function useRefreshSegment(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<Segment>(`/segments/${id}/refresh`, { method: 'POST' }),
    onSuccess: (segment) => {
      queryClient.setQueryData(segmentKeys.one(id), segment);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: segmentKeys.list }),
        queryClient.invalidateQueries({ queryKey: segmentKeys.members(id) }),
      ]);
    },
  });
}

export function useDeleteSegment(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>(`/segments/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: segmentKeys.one(id) });
      queryClient.removeQueries({ queryKey: segmentKeys.members(id) });
      return queryClient.invalidateQueries({ queryKey: segmentKeys.list });
    },
  });
}

/** The workspace's tags (with how many customers have each), offered as values for a tags field. */
export function useWorkspaceTags(enabled: boolean) {
  return useQuery({
    queryKey: ['tags'],
    queryFn: ({ signal }) => api<{ items: { tag: string; count: number }[] }>('/tags', { signal }),
    enabled,
    staleTime: 60_000,
  });
}
