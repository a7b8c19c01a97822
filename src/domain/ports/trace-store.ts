import type { ChainTrace } from '../trace.js';

/**
 * Bounded, expiring store of chain traces: by event (what happened to this event), by instance
 * (why did this user get, or not get, this benefit) and the most recent ones (export for replay).
 */
export interface TraceStore {
  append(trace: ChainTrace): Promise<void>;
  /** An event's traces, in append order. */
  byEvent(eventId: string): Promise<readonly ChainTrace[]>;
  /** An instance's most recent traces, newest first. */
  byInstance(activityId: string, userId: string, limit: number): Promise<readonly ChainTrace[]>;
  /** The most recent traces of this deployment, newest first. */
  recent(limit: number): Promise<readonly ChainTrace[]>;
}
