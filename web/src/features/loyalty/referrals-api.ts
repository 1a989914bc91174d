import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  enrolledMemberSchema,
  referralLinkSchema,
  referralListItemSchema,
  referralSettingsBody,
  referralSettingsSchema,
} from '../../../../src/modules/loyalty/loyalty.referrals.schemas.ts';
import type { pageOf } from '../../../../src/platform/replies.ts';
import { api, type Reply } from '../../api.ts';
import { customerKeys } from '../customers/customers-api.ts';
import { loyaltyKeys } from './loyalty-api.ts';

// The referrals' replies and bodies, as the server's schemas give them.
export type ReferralItem = Reply<typeof referralListItemSchema>;
export type ReferralStatus = ReferralItem['status'];
export type ReferralReason = NonNullable<ReferralItem['reason']>;
export type ReferralSettings = Reply<typeof referralSettingsSchema>;
export type ReferralSettingsInput = Reply<typeof referralSettingsBody>;
export type ReferralLink = Reply<typeof referralLinkSchema>;
export type EnrolledMember = Reply<typeof enrolledMemberSchema>;
type ReferralPage = Reply<ReturnType<typeof pageOf<typeof referralListItemSchema>>>;

export type ReferralsFilter = ReferralStatus | 'all';

export const referralKeys = {
  all: ['loyalty', 'referrals'] as const,
  list: (filter: ReferralsFilter) => ['loyalty', 'referrals', 'list', filter] as const,
  settings: ['loyalty', 'referrals', 'settings'] as const,
  link: (customerId: string) => ['loyalty', 'referrals', 'link', customerId] as const,
};

export function useReferrals(filter: ReferralsFilter) {
  return useInfiniteQuery({
    queryKey: referralKeys.list(filter),
    queryFn: ({ pageParam, signal }) =>
      api<ReferralPage>('/loyalty/referrals', {
        query: { limit: 50, cursor: pageParam, status: filter === 'all' ? undefined : filter },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useReferralSettings() {
  return useQuery({
    queryKey: referralKeys.settings,
    queryFn: () => api<ReferralSettings>('/loyalty/referrals/settings'),
    staleTime: 30_000,
  });
}

export function useSaveReferralSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ReferralSettingsInput) =>
      api<ReferralSettings>('/loyalty/referrals/settings', { method: 'PUT', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: referralKeys.all }),
  });
}

/** A member's code and share link (the link is null while the club has no public join page). */
export function useReferralLink(customerId: string, enabled: boolean) {
  return useQuery({
    queryKey: referralKeys.link(customerId),
    queryFn: () => api<ReferralLink>(`/loyalty/members/${customerId}/referral-link`),
    enabled,
    staleTime: 60_000,
  });
}

/** WhatsApp's share address: the member picks whom to send the invitation to; the business sends nothing. */
export function whatsAppShareUrl(text: string): string {
  return `https://wa.me/?text=${encodeURIComponent(text)}`;
}

/** Enrols the customer, with the referral code the customer gave (if any): the member and the referral it made. */
export function useEnrollReferred(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ messagesConsent, referralCode }: { messagesConsent: boolean; referralCode: string }) =>
      api<EnrolledMember>('/loyalty/members', {
        method: 'POST',
        body: { customerId, messagesConsent, ...(referralCode.trim() ? { referralCode: referralCode.trim() } : {}) },
      }),
    onSuccess: async ({ referral: _, ...member }) => {
      queryClient.setQueryData(loyaltyKeys.member(customerId), member);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: loyaltyKeys.all }),
        queryClient.invalidateQueries({ queryKey: customerKeys.timeline(customerId) }),
        queryClient.invalidateQueries({ queryKey: customerKeys.one(customerId) }),
      ]);
    },
  });
}
