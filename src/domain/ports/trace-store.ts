import type { ChainTrace } from '../trace.js';

/** Bounded, expiring store of chain traces, looked up by event id. */
export interface TraceStore {
  append(trace: ChainTrace): Promise<void>;
  byEvent(eventId: string): Promise<readonly ChainTrace[]>;
}
