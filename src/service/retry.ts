import { isRetryable } from '../domain/errors.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 20, maxDelayMs: 1_000 };

/** Runs `fn`, retrying only errors that say they are retryable, with exponential backoff and jitter. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }
}

/**
 * Wraps every method of a port so that transient downstream failures are retried. Safe for the
 * ports here because each of their writes is idempotent (the ledger by its idempotency key).
 */
export function retrying<T extends object>(port: T, policy: RetryPolicy = DEFAULT_RETRY_POLICY): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => withRetry(() => Promise.resolve(value.apply(target, args)), policy);
    },
  });
}
