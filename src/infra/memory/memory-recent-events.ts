import {
  DEFAULT_RECENT_EVENTS,
  matches,
  type RecentEvent,
  type RecentEventFilter,
  type RecentEventLog,
} from '../../domain/ports/recent-events.js';

/** A ring buffer of the last events of this process. */
export class MemoryRecentEvents implements RecentEventLog {
  readonly #events: (RecentEvent | undefined)[];
  #next = 0;

  constructor(capacity = DEFAULT_RECENT_EVENTS) {
    this.#events = new Array(Math.max(1, capacity));
  }

  async append(event: RecentEvent): Promise<void> {
    this.#events[this.#next] = event;
    this.#next = (this.#next + 1) % this.#events.length;
  }

  async recent(filter: RecentEventFilter): Promise<readonly RecentEvent[]> {
    const found: RecentEvent[] = [];
    const size = this.#events.length;
    for (let i = 1; i <= size && found.length < filter.limit; i++) {
      const event = this.#events[(this.#next - i + size) % size];
      if (!event) break;
      if (matches(event, filter)) found.push(event);
    }
    return found;
  }
}
