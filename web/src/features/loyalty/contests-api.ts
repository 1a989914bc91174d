import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  contestDetailSchema,
  contestEntrySchema,
  contestSchema,
  contestVerificationSchema,
  createContestBody,
} from '../../../../src/modules/loyalty/loyalty.contests.schemas.ts';
import type { pageOf } from '../../../../src/platform/replies.ts';
import { api, type Reply } from '../../api.ts';

// The club's contests, as the server's schemas give them.
export type Contest = Reply<typeof contestSchema>;
export type ContestDetail = Reply<typeof contestDetailSchema>;
export type ContestEntry = Reply<typeof contestEntrySchema>;
export type ContestVerification = Reply<typeof contestVerificationSchema>;
export type CreateContestInput = Reply<typeof createContestBody>;
type ContestPage = Reply<ReturnType<typeof pageOf<typeof contestSchema>>>;

export const contestKeys = {
  all: ['loyalty', 'contests'] as const,
  list: ['loyalty', 'contests', 'list'] as const,
  one: (id: string) => ['loyalty', 'contests', 'one', id] as const,
  entries: (id: string) => ['loyalty', 'contests', 'entries', id] as const,
};

export function useContests() {
  return useInfiniteQuery({
    queryKey: contestKeys.list,
    queryFn: ({ pageParam, signal }) =>
      api<ContestPage>('/loyalty/contests', { query: { limit: 50, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useContest(id: string) {
  return useQuery({
    queryKey: contestKeys.one(id),
    queryFn: ({ signal }) => api<ContestDetail>(`/loyalty/contests/${id}`, { signal }),
  });
}

export function useContestEntries(id: string, enabled: boolean) {
  return useQuery({
    queryKey: contestKeys.entries(id),
    queryFn: ({ signal }) =>
      api<{ items: ContestEntry[] }>(`/loyalty/contests/${id}/entries`, { query: { limit: 500 }, signal }),
    enabled,
  });
}

export function useCreateContest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateContestInput) => api<Contest>('/loyalty/contests', { method: 'POST', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: contestKeys.all }),
  });
}

/** Draws a chance contest's winners (once), or judges a skill contest's (`winners` with a note each). */
export function useDecideContest(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (winners: { customerId: string; note: string }[] | null) =>
      winners
        ? api<ContestDetail>(`/loyalty/contests/${id}/judge`, { method: 'POST', body: { winners } })
        : api<ContestDetail>(`/loyalty/contests/${id}/draw`, { method: 'POST' }),
    onSuccess: (contest) => {
      queryClient.setQueryData(contestKeys.one(id), contest);
      return queryClient.invalidateQueries({ queryKey: contestKeys.list });
    },
  });
}

export function useVerifyContest(id: string) {
  return useMutation({
    mutationFn: () => api<ContestVerification>(`/loyalty/contests/${id}/verify`, { method: 'POST' }),
  });
}

export function useSetContestStatus(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (status: 'open' | 'closed') =>
      api<ContestDetail>(`/loyalty/contests/${id}`, { method: 'PATCH', body: { status } }),
    onSuccess: (contest) => {
      queryClient.setQueryData(contestKeys.one(id), contest);
      return queryClient.invalidateQueries({ queryKey: contestKeys.list });
    },
  });
}
