import type { BehaviorCount, BehaviorCounter, BehaviorOccurrence, BehaviorTally } from '../../domain/ports/behavior-counter.js';
import { ExpiringMap } from './expiring-map.js';

/** One rule's window for one user; the same three parts as the Redis adapter's keys. */
interface RuleWindow {
  /** Every behavior inside the window, pending or consumed, so a redelivery never counts twice. */
  readonly seen: Map<string, number>;
  pending: BehaviorOccurrence[];
  /** The batch each firing behavior completed, so recording it again gives the same answer. */
  readonly fired: Map<string, readonly BehaviorOccurrence[]>;
}

export class MemoryBehaviorCounter implements BehaviorCounter {
  readonly #windows: ExpiringMap<RuleWindow>;

  constructor(now: () => number = Date.now) {
    this.#windows = new ExpiringMap(now);
  }

  async record(input: BehaviorCount): Promise<BehaviorTally> {
    return this.#count(input);
  }

  async recordMany(inputs: readonly BehaviorCount[]): Promise<readonly BehaviorTally[]> {
    return inputs.map((input) => this.#count(input));
  }

  #count(input: BehaviorCount): BehaviorTally {
    const key = `${input.ruleKey}:${input.userId}`;
    const { occurrence } = input;
    const window = this.#windows.get(key) ?? { seen: new Map(), pending: [], fired: new Map() };
    // The window ttl mirrors the Redis keys' PEXPIRE so idle users do not pile up.
    this.#windows.set(key, window, input.windowMs);
    slide(window, occurrence.atMs - input.windowMs);

    if (window.seen.has(occurrence.eventId)) {
      const batch = window.fired.get(occurrence.eventId);
      if (batch) return { fired: true, count: batch.length, occurrences: batch };
      return { fired: false, count: window.pending.length, occurrences: window.pending };
    }
    window.seen.set(occurrence.eventId, occurrence.atMs);
    const pending = [...window.pending, occurrence].sort(oldestFirst);
    if (pending.length >= input.threshold) {
      window.pending = [];
      window.fired.set(occurrence.eventId, pending);
      return { fired: true, count: pending.length, occurrences: pending };
    }
    window.pending = pending;
    return { fired: false, count: pending.length, occurrences: pending };
  }
}

/** Forgets everything at or before the horizon. */
function slide(window: RuleWindow, horizonMs: number): void {
  for (const [eventId, atMs] of window.seen) {
    if (atMs > horizonMs) continue;
    window.seen.delete(eventId);
    window.fired.delete(eventId);
  }
  window.pending = window.pending.filter((o) => o.atMs > horizonMs);
}

/** Ties in time are ordered by event id, as the Redis adapter orders them. */
function oldestFirst(a: BehaviorOccurrence, b: BehaviorOccurrence): number {
  return a.atMs - b.atMs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
