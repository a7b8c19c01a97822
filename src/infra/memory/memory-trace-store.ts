import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';

/** Keeps the traces of the most recent `capacity` events; older ones are dropped first. */
export class MemoryTraceStore implements TraceStore {
  readonly #byEvent = new Map<string, ChainTrace[]>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  async append(trace: ChainTrace): Promise<void> {
    const traces = this.#byEvent.get(trace.eventId);
    if (traces) {
      traces.push(trace);
      return;
    }
    this.#byEvent.set(trace.eventId, [trace]);
    if (this.#byEvent.size > this.#capacity) {
      const oldest = this.#byEvent.keys().next().value;
      if (oldest !== undefined) this.#byEvent.delete(oldest);
    }
  }

  async byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return this.#byEvent.get(eventId) ?? [];
  }
}
