import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';

/**
 * Keeps the traces of the most recent `capacity` events, older ones dropped first, and at most
 * `maxTracesPerEvent` (the newest) per event, as the Redis adapter does.
 */
export class MemoryTraceStore implements TraceStore {
  readonly #byEvent = new Map<string, ChainTrace[]>();
  readonly #capacity: number;
  readonly #maxTracesPerEvent: number;

  constructor(capacity = 10_000, maxTracesPerEvent = 100) {
    this.#capacity = capacity;
    this.#maxTracesPerEvent = Math.max(1, maxTracesPerEvent);
  }

  async append(trace: ChainTrace): Promise<void> {
    const traces = this.#byEvent.get(trace.eventId);
    if (traces) {
      traces.push(trace);
      if (traces.length > this.#maxTracesPerEvent) traces.splice(0, traces.length - this.#maxTracesPerEvent);
      return;
    }
    this.#byEvent.set(trace.eventId, [trace]);
    if (this.#byEvent.size > this.#capacity) {
      const oldest = this.#byEvent.keys().next().value;
      if (oldest !== undefined) this.#byEvent.delete(oldest);
    }
  }

  async byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return [...(this.#byEvent.get(eventId) ?? [])];
  }
}
