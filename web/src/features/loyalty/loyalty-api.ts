import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { loyaltyReportSchema } from '../../../../src/modules/loyalty/loyalty.report.ts';
import type {
  ledgerLineSchema,
  memberDetailSchema,
  memberSchema,
  programBody,
  programSchema,
} from '../../../../src/modules/loyalty/loyalty.schemas.ts';
import type { pageOf } from '../../../../src/platform/replies.ts';
import { api, isApiError, type Reply } from '../../api.ts';
import { customerKeys } from '../customers/customers-api.ts';

// The replies the loyalty screens read, as the server's schemas give them.
export type Program = Reply<typeof programSchema>;
export type Tier = Program['tiers'][number];
/** What PUT /loyalty/program takes: every field given, so the screen says exactly what it saves. */
export type ProgramInput = {
  [K in keyof Reply<typeof programBody>]-?: Exclude<Reply<typeof programBody>[K], undefined>;
};
export type Member = Reply<typeof memberSchema>;
export type MemberDetail = Reply<typeof memberDetailSchema>;
export type LedgerLine = Reply<typeof ledgerLineSchema>;
export type LedgerKind = LedgerLine['kind'];
type MemberPage = Reply<ReturnType<typeof pageOf<typeof memberSchema>>>;
type LedgerPage = Reply<ReturnType<typeof pageOf<typeof ledgerLineSchema>>>;
export type LoyaltyReport = Reply<typeof loyaltyReportSchema>;

export const loyaltyKeys = {
  all: ['loyalty'] as const,
  program: ['loyalty', 'program'] as const,
  members: (tierId: string | null) => ['loyalty', 'members', tierId] as const,
  member: (customerId: string) => ['loyalty', 'member', customerId] as const,
  ledger: (customerId: string) => ['loyalty', 'ledger', customerId] as const,
  report: ['loyalty', 'report'] as const,
};

/** The club has not been set up yet: GET /loyalty/program (and every club read) answers this. */
export function isNoProgram(error: unknown): boolean {
  return isApiError(error) && error.code === 'LOYALTY.NO_PROGRAM';
}

export function isNotMember(error: unknown): boolean {
  return isApiError(error) && error.code === 'LOYALTY.NOT_MEMBER';
}

// A 404 that says "no club" or "not a member" is an answer, not a failure worth asking again.
const retryUnlessAnswer = (count: number, error: unknown) => !isNoProgram(error) && !isNotMember(error) && count < 2;

export function useProgram() {
  return useQuery({
    queryKey: loyaltyKeys.program,
    queryFn: () => api<Program>('/loyalty/program'),
    retry: retryUnlessAnswer,
    staleTime: 30_000,
  });
}

export function useSaveProgram() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ProgramInput) => api<Program>('/loyalty/program', { method: 'PUT', body }),
    onSuccess: async (program) => {
      queryClient.setQueryData(loyaltyKeys.program, program);
      await queryClient.invalidateQueries({ queryKey: loyaltyKeys.all });
    },
  });
}

export function useMembers(tierId: string | null) {
  return useInfiniteQuery({
    queryKey: loyaltyKeys.members(tierId),
    queryFn: ({ pageParam, signal }) =>
      api<MemberPage>('/loyalty/members', { query: { limit: 50, cursor: pageParam, tierId }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: retryUnlessAnswer,
  });
}

export function useMember(customerId: string, enabled = true) {
  return useQuery({
    queryKey: loyaltyKeys.member(customerId),
    queryFn: () => api<MemberDetail>(`/loyalty/members/${customerId}`),
    retry: retryUnlessAnswer,
    enabled,
  });
}

/** The member's newest bookings, for the club card. */
export function useRecentLedger(customerId: string, enabled: boolean) {
  return useQuery({
    queryKey: loyaltyKeys.ledger(customerId),
    queryFn: () => api<LedgerPage>(`/loyalty/members/${customerId}/ledger`, { query: { limit: 5 } }),
    enabled,
  });
}

export function useLoyaltyReport(enabled = true) {
  return useQuery({
    queryKey: loyaltyKeys.report,
    queryFn: () => api<LoyaltyReport>('/loyalty/report', { query: { months: 12 } }),
    retry: retryUnlessAnswer,
    staleTime: 30_000,
    enabled,
  });
}

/** After a change to a member: the club's figures and the customer's page (its timeline shows the booking). */
function useMemberChanged(customerId: string) {
  const queryClient = useQueryClient();
  return async (member: MemberDetail) => {
    queryClient.setQueryData(loyaltyKeys.member(customerId), member);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: loyaltyKeys.all }),
      queryClient.invalidateQueries({ queryKey: customerKeys.timeline(customerId) }),
      queryClient.invalidateQueries({ queryKey: customerKeys.one(customerId) }),
    ]);
  };
}

export function useEnroll(customerId: string) {
  const changed = useMemberChanged(customerId);
  return useMutation({
    mutationFn: (messagesConsent: boolean) =>
      api<MemberDetail>('/loyalty/members', { method: 'POST', body: { customerId, messagesConsent } }),
    onSuccess: changed,
  });
}

export function useAdjustPoints(customerId: string) {
  const changed = useMemberChanged(customerId);
  return useMutation({
    mutationFn: (body: { points: number; note: string }) =>
      api<MemberDetail>(`/loyalty/members/${customerId}/adjustments`, { method: 'POST', body }),
    onSuccess: changed,
  });
}
