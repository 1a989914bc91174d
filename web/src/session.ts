import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../src/platform/permissions.ts';
import type { sessionSchema } from '../../src/platform/platform.schemas.ts';
import { ApiError, api, type Reply, setCsrfToken } from './api.ts';

/** The signed-in session: the user, the workspace, the CSRF token and what the user's role may do and grant. */
export type Session = Reply<typeof sessionSchema>;
export type { Role } from '../../src/platform/roles.ts';

export const sessionKey = ['session'] as const;
export const setupKey = ['setup'] as const;

/** The signed-in session, or null when nobody is logged in. */
export async function fetchSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('/auth/me');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export const sessionQuery = { queryKey: sessionKey, queryFn: fetchSession, staleTime: 60_000, retry: 1 };
export const setupQuery = {
  queryKey: setupKey,
  queryFn: () => api<{ needed: boolean }>('/setup'),
  staleTime: Number.POSITIVE_INFINITY,
  retry: 1,
};

export function useSessionQuery() {
  return useQuery(sessionQuery);
}

export function useSession(): Session | null {
  return useSessionQuery().data ?? null;
}

export function useSetupQuery() {
  return useQuery(setupQuery);
}

/** Call after login, setup or accepting an invitation: keeps the session and its CSRF token. */
export function useAcceptSession(): (session: Session) => void {
  const queryClient = useQueryClient();
  return (session) => {
    setCsrfToken(session.csrfToken);
    queryClient.setQueryData(setupKey, { needed: false });
    queryClient.setQueryData(sessionKey, session);
  };
}

// The server's own grants, as the session carries them: the screen hides exactly what the server would refuse.
export type { Permission } from '../../src/platform/permissions.ts';

export function can(session: Pick<Session, 'permissions'> | null | undefined, permission: Permission): boolean {
  return session?.permissions.includes(permission) ?? false;
}

export function useCan(): (permission: Permission) => boolean {
  const session = useSession();
  return (permission) => can(session, permission);
}
