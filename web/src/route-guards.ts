import { queryClient } from './query-client.ts';
import { sessionQuery, setupQuery } from './session.ts';

// Where a visitor belongs: setup on a fresh install, login without a session, the app with one.
export async function setupNeeded(): Promise<boolean> {
  try {
    return (await queryClient.ensureQueryData(setupQuery)).needed;
  } catch {
    return false;
  }
}

export async function signedIn(): Promise<boolean> {
  try {
    return (await queryClient.ensureQueryData(sessionQuery)) !== null;
  } catch {
    // The server is unreachable: let the page show the error instead of bouncing around.
    return true;
  }
}
