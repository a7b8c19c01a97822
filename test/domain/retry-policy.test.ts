import { describe, expect, it } from 'vitest';
import { InvalidInputError, TransientError } from '../../src/domain/errors.js';
import { backoffDelayMs, backoffSchedule, withRetry } from '../../src/domain/retry-policy.js';

describe('the retry policy', () => {
  it('doubles from the base up to the cap; without jitter the delays are exact', () => {
    const schedule = backoffSchedule({ baseDelayMs: 100, maxDelayMs: 5_000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6, 7, 12].map(schedule)).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
  });

  it('with jitter draws from the upper half of each step', () => {
    const backoff = { baseDelayMs: 100, maxDelayMs: 1_000, jitter: 'half' } as const;
    expect(backoffDelayMs(backoff, 3, () => 0)).toBe(200);
    expect(backoffDelayMs(backoff, 3, () => 0.999_999)).toBeCloseTo(400, 2);
    expect(backoffDelayMs(backoff, 10, () => 0.5)).toBe(750);
  });

  it('retries only what the verdict says is retryable, mapping raw failures first, up to the attempts', async () => {
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' } as const;
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new Error('raw');
        },
        policy,
        { mapError: (error) => new TransientError(`mapped: ${(error as Error).message}`) },
      ),
    ).rejects.toThrow('mapped: raw');
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new InvalidInputError('never fits');
      }, policy),
    ).rejects.toThrow('never fits');
    expect(calls).toBe(1);

    calls = 0;
    const value = await withRetry(async () => {
      calls += 1;
      if (calls < 2) throw new TransientError('once');
      return 'done';
    }, policy);
    expect([value, calls]).toEqual(['done', 2]);
  });
});
