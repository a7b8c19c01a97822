import type { ClickCounter, ClickInput, ClickVerdict } from '../../domain/ports/click-counter.js';

/**
 * One process's click windows: each call runs to completion before its first await, so concurrent
 * admits of one user are decided one after the other, as the Redis script decides them.
 */
export class MemoryClickCounter implements ClickCounter {
  /** `activity\nuser` → event id → when it was counted. */
  readonly #windows = new Map<string, Map<string, number>>();

  async admit(click: ClickInput): Promise<ClickVerdict> {
    const window = this.#window(click);
    if (window.has(click.eventId)) return { admitted: true, clicks: window.size };
    if (window.size >= click.limit) return { admitted: false, clicks: window.size };
    window.set(click.eventId, click.nowMs);
    this.#windows.set(windowKey(click), window);
    return { admitted: true, clicks: window.size };
  }

  /** Reads only: a dry run's `now` may lie in the future, and pruning by it would wipe the live window. */
  async peek(click: ClickInput): Promise<ClickVerdict> {
    const window = this.#windows.get(windowKey(click));
    if (window?.has(click.eventId)) return { admitted: true, clicks: window.size };
    let clicks = 0;
    for (const atMs of window?.values() ?? []) if (atMs > click.nowMs - click.windowMs) clicks += 1;
    return { admitted: clicks < click.limit, clicks };
  }

  /** The user's window with the clicks older than `windowMs` dropped; an emptied window is forgotten. */
  #window(click: ClickInput): Map<string, number> {
    const key = windowKey(click);
    const window = this.#windows.get(key) ?? new Map<string, number>();
    for (const [eventId, atMs] of window) if (atMs <= click.nowMs - click.windowMs) window.delete(eventId);
    if (window.size === 0) this.#windows.delete(key);
    return window;
  }
}

function windowKey(click: ClickInput): string {
  return `${click.activityId}\n${click.userId}`;
}
