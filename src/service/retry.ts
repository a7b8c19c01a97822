import { type RetryPolicy, withRetry } from '../domain/retry-policy.js';

export type { RetryPolicy } from '../domain/retry-policy.js';
export { withRetry } from '../domain/retry-policy.js';

/** Ports retried by the service layer: a few quick tries, so that an outage surfaces within a second. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 20, maxDelayMs: 1_000, jitter: 'half' };

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
