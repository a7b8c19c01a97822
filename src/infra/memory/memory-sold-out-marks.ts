import type { Clock } from '../../domain/ports/clock.js';
import { systemClock } from '../../domain/ports/clock.js';
import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';

/** Sold-out marks of one process (the embedded default, or PostgreSQL without Redis). */
export class MemorySoldOutMarks implements SoldOutMarks {
  readonly #marks = new Map<string, { epoch: string; untilMs: number }>();
  readonly #epochs = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async read(pool: string): Promise<{ soldOut: boolean; epoch: string }> {
    const epoch = String(this.#epochs.get(pool) ?? 0);
    const mark = this.#marks.get(pool);
    return { soldOut: mark !== undefined && mark.epoch === epoch && mark.untilMs > this.#clock.nowMs(), epoch };
  }

  async mark(pool: string, epoch: string, ttlMs: number): Promise<void> {
    this.#marks.set(pool, { epoch, untilMs: this.#clock.nowMs() + ttlMs });
  }

  async reopen(pool: string): Promise<void> {
    this.#epochs.set(pool, (this.#epochs.get(pool) ?? 0) + 1);
    this.#marks.delete(pool);
  }
}
