import type { Clock } from '../../domain/ports/clock.js';
import { systemClock } from '../../domain/ports/clock.js';
import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';

/** Sold-out marks of one process (the embedded default, or PostgreSQL without Redis). */
export class MemorySoldOutMarks implements SoldOutMarks {
  readonly #until = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async isMarked(pool: string): Promise<boolean> {
    const until = this.#until.get(pool);
    if (until === undefined) return false;
    if (until > this.#clock.nowMs()) return true;
    this.#until.delete(pool);
    return false;
  }

  async mark(pool: string, ttlMs: number): Promise<void> {
    this.#until.set(pool, this.#clock.nowMs() + ttlMs);
  }

  async clear(pool: string): Promise<void> {
    this.#until.delete(pool);
  }
}
