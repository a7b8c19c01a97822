import type { Clock } from '../../domain/ports/clock.js';
import { systemClock } from '../../domain/ports/clock.js';
import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';

/** Sold-out marks of one process (the embedded default, or PostgreSQL without Redis). */
export class MemorySoldOutMarks implements SoldOutMarks {
  readonly #marks = new Map<string, { epoch: string; untilMs: number }>();
  readonly #epochs = new Map<string, number>();
  readonly #holders = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async read(pool: string, holder: string): Promise<{ soldOut: boolean; epoch: string; holder: boolean }> {
    const now = this.#clock.nowMs();
    const epoch = String(this.#epochs.get(pool) ?? 0);
    const mark = this.#marks.get(pool);
    const soldOut = mark !== undefined && mark.epoch === epoch && mark.untilMs > now;
    const holderKey = `${pool}\u0000${holder}`;
    const heldUntil = this.#holders.get(holderKey);
    if (heldUntil !== undefined && heldUntil <= now) this.#holders.delete(holderKey);
    return { soldOut, epoch, holder: heldUntil !== undefined && heldUntil > now };
  }

  async mark(pool: string, epoch: string, ttlMs: number): Promise<void> {
    this.#marks.set(pool, { epoch, untilMs: this.#clock.nowMs() + ttlMs });
  }

  async reopen(pool: string): Promise<void> {
    this.#epochs.set(pool, (this.#epochs.get(pool) ?? 0) + 1);
    this.#marks.delete(pool);
  }

  async recordHolder(pool: string, holder: string, ttlMs: number): Promise<void> {
    this.#holders.set(`${pool}\u0000${holder}`, this.#clock.nowMs() + ttlMs);
  }
}
