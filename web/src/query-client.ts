import { QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, setCsrfToken } from './api.ts';

/** Called when the server says the session is gone, so the app can send the person to the login page. */
let onSignedOut: (() => void) | null = null;

export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error, query) => {
      // A 401 anywhere but the session probe itself means the session expired mid-use.
      if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== 'session') {
        setCsrfToken(null);
        queryClient.setQueryData(['session'], null);
        onSignedOut?.();
      }
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // Client errors (403, 404, 422) will not fix themselves by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});
