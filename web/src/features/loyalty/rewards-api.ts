import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { benefitKinds } from '../../../../src/modules/loyalty/loyalty.coupons.schemas.ts';
import type {
  createRewardBody,
  rewardSchema,
  updateRewardBody,
} from '../../../../src/modules/loyalty/loyalty.rewards.schemas.ts';
import type { pageOf } from '../../../../src/platform/replies.ts';
import { api, type Reply } from '../../api.ts';

// The rewards catalog's replies and bodies, as the server's schemas give them.
export type Reward = Reply<typeof rewardSchema>;
export type BenefitKind = (typeof benefitKinds)[number];
type RewardPage = Reply<ReturnType<typeof pageOf<typeof rewardSchema>>>;
export type CreateRewardInput = Reply<typeof createRewardBody>;
export type UpdateRewardInput = Reply<typeof updateRewardBody>;

/** In the order the form offers them. */
export const benefitKindOrder = [
  'percent_discount',
  'amount_discount',
  'gift',
  'free_delivery',
] as const satisfies readonly BenefitKind[];

export type RewardsFilter = 'active' | 'inactive' | 'all';

export const rewardKeys = {
  all: ['loyalty', 'rewards'] as const,
  list: (filter: RewardsFilter) => ['loyalty', 'rewards', filter] as const,
};

export function useRewards(filter: RewardsFilter) {
  return useInfiniteQuery({
    queryKey: rewardKeys.list(filter),
    queryFn: ({ pageParam, signal }) =>
      api<RewardPage>('/loyalty/rewards', {
        query: {
          limit: 50,
          cursor: pageParam,
          active: filter === 'all' ? undefined : filter === 'active' ? 'true' : 'false',
        },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Adds a reward to the catalog, or changes one (`id`). */
export function useSaveReward(id: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateRewardInput) =>
      id
        ? api<Reward>(`/loyalty/rewards/${id}`, { method: 'PATCH', body: body satisfies UpdateRewardInput })
        : api<Reward>('/loyalty/rewards', { method: 'POST', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: rewardKeys.all }),
  });
}
