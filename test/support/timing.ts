/**
 * How tests deal with time without betting on a margin of milliseconds:
 * - to see something happen, poll for it (`eventually`);
 * - to see something that only holds for a while (a key with a short TTL still there), check it
 *   and the clock together (`beforeDeadline`): when the machine stalled past the TTL, the check
 *   says nothing either way and the attempt runs again; a check that failed in time fails the test;
 * - to see something has expired, sleeping longer than its TTL is safe (time only moves forward).
 */

/** Polls `probe` every 10 ms until it holds; fails after `timeoutMs` with `describe()`. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string | Promise<string> = () => 'condition never held',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${await describe()}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Inconclusive extends Error {}

export interface Timing {
  /** `performance.now()` when this attempt started. */
  readonly startedAt: number;
  /**
   * Declares that the checks so far only mean something if they finished before `deadline`
   * (`performance.now()` ms); past it, this attempt is inconclusive and runs again.
   */
  madeIt(deadline: number): void;
}

/**
 * Runs `attempt` until one is conclusive (at most `tries`); a failure within its deadlines is a
 * real failure. Each attempt should use fresh keys, since an earlier one may have left state.
 */
export async function beforeDeadline(attempt: (timing: Timing, index: number) => Promise<void>, tries = 20): Promise<void> {
  for (let index = 0; ; index++) {
    const startedAt = performance.now();
    let late = false;
    const timing: Timing = {
      startedAt,
      madeIt(deadline) {
        if (performance.now() >= deadline) {
          late = true;
          throw new Inconclusive(`stalled past the deadline by ${Math.round(performance.now() - deadline)} ms`);
        }
      },
    };
    try {
      await attempt(timing, index);
      return;
    } catch (error) {
      const inconclusive = error instanceof Inconclusive || late;
      if (!inconclusive || index + 1 >= tries) throw error;
    }
  }
}
