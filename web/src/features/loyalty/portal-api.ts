import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { couponSchema } from '../../../../src/modules/loyalty/loyalty.coupons.schemas.ts';
import type {
  clubSchema,
  codeSentSchema,
  consentReplySchema,
  historySchema,
  joinReplySchema,
  portalMeSchema,
  signedInSchema,
} from '../../../../src/modules/loyalty/loyalty.portal.schemas.ts';
import { ApiError, apiUrl, type ProblemBody, type Reply } from '../../api.ts';
import { currentLanguage } from '../../i18n/index.ts';

// The member portal and the public join page talk to /api/v1/club/:publicKey, with no staff login: the member's
// session is its own httpOnly cookie, and every unsafe request carries the portal's header (the server's CSRF
// wall: a cross-site form cannot set it).

export type Club = Reply<typeof clubSchema>;
export type PortalMe = Reply<typeof portalMeSchema>;
export type PortalReward = PortalMe['rewards'][number];
export type PortalLine = Reply<typeof historySchema>['items'][number];
export type PortalCoupon = Reply<typeof couponSchema>;

type Method = 'GET' | 'POST' | 'PUT';

async function portal<T>(
  publicKey: string,
  path: string,
  options: { method?: Method; body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    accept: 'application/json',
    'accept-language': currentLanguage(),
    ...options.headers,
  };
  if (method !== 'GET') headers['x-klient-member'] = '1';
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(apiUrl(`/club/${encodeURIComponent(publicKey)}${path}`, options.query), init);
  if (!res.ok) {
    let body: ProblemBody = { status: res.status, title: res.statusText };
    try {
      body = (await res.json()) as ProblemBody;
    } catch {
      // Not JSON: keep the status.
    }
    throw new ApiError(res.status, body);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The member is not signed in (no session, or it ended). */
export const isSignedOut = (error: unknown) => error instanceof ApiError && error.status === 401;

const keys = {
  club: (k: string) => ['club', k, 'face', currentLanguage()] as const,
  me: (k: string) => ['club', k, 'me'] as const,
  history: (k: string) => ['club', k, 'history'] as const,
};

export function useClub(publicKey: string) {
  return useQuery({
    queryKey: keys.club(publicKey),
    queryFn: () => portal<Club>(publicKey, ''),
    retry: false,
  });
}

export type JoinInput = {
  firstName: string;
  lastName?: string;
  email?: string;
  phone?: string;
  acceptTerms: boolean;
  messagesConsent: boolean;
  ref?: string;
};

export function useJoin(publicKey: string) {
  return useMutation({
    mutationFn: (body: JoinInput) =>
      portal<Reply<typeof joinReplySchema>>(publicKey, '/join', { method: 'POST', body }),
  });
}

export type ContactInput = { email?: string; phone?: string };

export function useRequestCode(publicKey: string) {
  return useMutation({
    mutationFn: (body: ContactInput) =>
      portal<Reply<typeof codeSentSchema>>(publicKey, '/login', { method: 'POST', body }),
  });
}

export function useVerifyCode(publicKey: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactInput & { code: string }) =>
      portal<Reply<typeof signedInSchema>>(publicKey, '/verify', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['club', publicKey] }),
  });
}

/**
 * The signed-in member's home, or null while nobody is signed in. Signed out is an answer here, not an error:
 * the app's query cache takes any 401 for the staff session's end and sends the page to the staff login.
 */
export function usePortalMe(publicKey: string) {
  return useQuery({
    queryKey: keys.me(publicKey),
    queryFn: async () => {
      try {
        return await portal<PortalMe>(publicKey, '/me');
      } catch (error) {
        if (isSignedOut(error)) return null;
        throw error;
      }
    },
    retry: 1,
  });
}

/** More of the member's history, after the lines the home page came with. */
export function usePortalHistory(publicKey: string, firstCursor: string | null) {
  return useInfiniteQuery({
    queryKey: [...keys.history(publicKey), firstCursor],
    enabled: false,
    initialPageParam: firstCursor,
    queryFn: async ({ pageParam }) => {
      try {
        return await portal<Reply<typeof historySchema>>(publicKey, '/me/history', {
          query: pageParam ? { cursor: pageParam } : {},
        });
      } catch (error) {
        // Not a 401 for the query cache, which would take it for the staff session's end (see usePortalMe).
        if (isSignedOut(error)) throw new Error(error instanceof Error ? error.message : 'signed out');
        throw error;
      }
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useRedeem(publicKey: string) {
  const client = useQueryClient();
  return useMutation({
    // One key per press: a retry of the same press (the network failed) is redeemed once.
    mutationFn: ({ rewardId, idempotencyKey }: { rewardId: string; idempotencyKey: string }) =>
      portal<PortalCoupon>(publicKey, `/rewards/${rewardId}/redeem`, {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.me(publicKey) }),
  });
}

export function useConsent(publicKey: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (messages: boolean) =>
      portal<Reply<typeof consentReplySchema>>(publicKey, '/consent', { method: 'PUT', body: { messages } }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.me(publicKey) }),
  });
}

export function usePortalLogout(publicKey: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => portal<void>(publicKey, '/logout', { method: 'POST' }),
    onSettled: () => client.resetQueries({ queryKey: ['club', publicKey] }),
  });
}
