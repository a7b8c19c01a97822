import { ApiError, api, setBearerToken } from './api.js';

const STORAGE_KEY = 'strategy-center.console.token';

export interface Session {
  /** Empty when the server is open (auth off, no admin token configured). */
  token: string;
  /** False for the read-only token: the console then shows no write control. */
  canWrite: boolean;
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  setBearerToken(undefined);
}

/**
 * Checks the token against a read route, then learns whether it may write with a write that
 * cannot succeed: a rollout without a body is refused by validation (400) for a writer, and by
 * scope (403) for the read token, before anything is touched.
 */
export async function signIn(token: string): Promise<Session> {
  setBearerToken(token);
  try {
    await api('GET', '/v1/activities');
    const canWrite = await api('PUT', '/v1/activities/console-write-probe/rollout', {}).then(
      () => true,
      (error: unknown) => !(error instanceof ApiError && (error.status === 403 || error.status === 401)),
    );
    sessionStorage.setItem(STORAGE_KEY, token);
    return { token, canWrite };
  } catch (error) {
    setBearerToken(undefined);
    throw error;
  }
}
