import type { BehaviorCounter, BehaviorOccurrence } from '../../domain/ports/behavior-counter.js';

export class MemoryBehaviorCounter implements BehaviorCounter {
  readonly #windows = new Map<string, BehaviorOccurrence[]>();

  async record(input: {
    ruleKey: string;
    userId: string;
    occurrence: BehaviorOccurrence;
    windowMs: number;
    threshold: number;
  }): Promise<{ fired: boolean; count: number; occurrences: readonly BehaviorOccurrence[] }> {
    const key = `${input.ruleKey}:${input.userId}`;
    const horizon = input.occurrence.atMs - input.windowMs;
    const window = (this.#windows.get(key) ?? []).filter((o) => o.atMs > horizon);
    if (!window.some((o) => o.eventId === input.occurrence.eventId)) window.push(input.occurrence);
    window.sort((a, b) => a.atMs - b.atMs);
    if (window.length >= input.threshold) {
      this.#windows.delete(key);
      return { fired: true, count: window.length, occurrences: window };
    }
    this.#windows.set(key, window);
    return { fired: false, count: window.length, occurrences: window };
  }
}
