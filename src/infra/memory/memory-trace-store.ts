import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';

export interface TraceBounds {
  /** Events whose traces are kept, oldest dropped first. */
  readonly events: number;
  readonly perEvent: number;
  readonly perInstance: number;
  readonly recent: number;
}

export const DEFAULT_TRACE_BOUNDS: TraceBounds = { events: 10_000, perEvent: 100, perInstance: 50, recent: 10_000 };

/** The same bounds as the Redis adapter: per event, per instance and overall. */
export class MemoryTraceStore implements TraceStore {
  readonly #byEvent = new Map<string, ChainTrace[]>();
  readonly #byInstance = new Map<string, ChainTrace[]>();
  /** A ring buffer: appending never moves the other entries. */
  readonly #recent: (ChainTrace | undefined)[];
  #recentNext = 0;
  readonly #bounds: TraceBounds;

  constructor(bounds: Partial<TraceBounds> = {}) {
    this.#bounds = { ...DEFAULT_TRACE_BOUNDS, ...bounds };
    this.#recent = new Array(Math.max(1, this.#bounds.recent));
  }

  async append(trace: ChainTrace): Promise<void> {
    const { events, perEvent, perInstance } = this.#bounds;
    pushBounded(this.#byEvent, trace.eventId, trace, perEvent, events);
    pushBounded(this.#byInstance, `${trace.activityId}:${trace.userId}`, trace, perInstance, events);
    this.#recent[this.#recentNext] = trace;
    this.#recentNext = (this.#recentNext + 1) % this.#recent.length;
  }

  async byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return [...(this.#byEvent.get(eventId) ?? [])];
  }

  async byInstance(activityId: string, userId: string, limit: number): Promise<readonly ChainTrace[]> {
    return [...(this.#byInstance.get(`${activityId}:${userId}`) ?? [])].reverse().slice(0, limit);
  }

  async recent(limit: number): Promise<readonly ChainTrace[]> {
    const newestFirst: ChainTrace[] = [];
    const size = this.#recent.length;
    for (let i = 1; i <= size && newestFirst.length < limit; i++) {
      const trace = this.#recent[(this.#recentNext - i + size) % size];
      if (!trace) break;
      newestFirst.push(trace);
    }
    return newestFirst;
  }
}

function pushBounded(lists: Map<string, ChainTrace[]>, key: string, trace: ChainTrace, perList: number, maxLists: number): void {
  const list = lists.get(key);
  if (list) {
    list.push(trace);
    if (list.length > perList) list.splice(0, list.length - perList);
    return;
  }
  lists.set(key, [trace]);
  if (lists.size > maxLists) {
    const oldest = lists.keys().next().value;
    if (oldest !== undefined) lists.delete(oldest);
  }
}
