import { isRetryable } from './errors.js';

/**
 * The one retry policy of the code base: exponential backoff from `baseDelayMs`, doubling per
 * attempt up to `maxDelayMs`, with or without jitter, and the sleep between attempts. Every adapter
 * and service that retries (the PostgreSQL runner, the retrying ports, the brokers' redelivery
 * delays and reconnects, lock polling) takes its delays from here, so "who retries, how often, how
 * long" has one answer. Pure apart from timers: no I/O, hence in `domain/`, importable by every layer.
 */
export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * `half`: a delay drawn from the upper half of the step (clients that failed together do not
   * retry together); `none`: exactly the step, for delays that must come from a small fixed set
   * (RabbitMQ has one retry queue per distinct delay).
   */
  readonly jitter: 'half' | 'none';
}

export interface RetryPolicy extends Backoff {
  /** Tries in all, the first included. */
  readonly attempts: number;
}

/** The delay before retry number `attempt` (1 = after the first failure). */
export function backoffDelayMs(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const step = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return backoff.jitter === 'none' ? step : step / 2 + random() * (step / 2);
}

/** A delay function of `attempt`, as broker options and reconnect loops take it. */
export function backoffSchedule(backoff: Backoff): (attempt: number) => number {
  return (attempt) => backoffDelayMs(backoff, attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Runs `fn`; a failure that `retryable` accepts (by default an error whose verdict says so, see
 * `domain/errors.ts`) is retried after the policy's backoff until `attempts` tries were made.
 * `mapError` turns an adapter's raw failure into a typed one first (e.g. pg codes into verdicts).
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  options: { readonly retryable?: (error: unknown) => boolean; readonly mapError?: (error: unknown) => unknown } = {},
): Promise<T> {
  const retryable = options.retryable ?? isRetryable;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (cause) {
      const error = options.mapError ? options.mapError(cause) : cause;
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      await sleep(backoffDelayMs(policy, attempt));
    }
  }
}
