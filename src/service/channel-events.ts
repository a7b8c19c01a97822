import type { Clock } from '../domain/ports/clock.js';
import type { ChannelEvent, Dispatcher, DispatchResult } from './dispatcher.js';
import type { EventFieldPaths, EventIdentity } from './event-identity.js';

/** What a caller gets back for one event; the traces stay in the trace store. */
export type ChannelEventResult = Omit<DispatchResult, 'traces'>;

export interface ChannelEventsDeps {
  readonly dispatcher: Dispatcher;
  /** Runs the same chains with every write simulated. */
  readonly dryRunDispatcher: Dispatcher;
  readonly eventIdentity: EventIdentity;
  readonly clock: Clock;
}

/**
 * Handling of one event on a channel, the same from the HTTP edge and the broker: the event id is
 * the client's idempotency handle, so it is claimed first (reused with other content: a
 * ConflictError naming the caller's own fields), then the event is dispatched.
 */
export class ChannelEvents {
  readonly #deps: ChannelEventsDeps;

  constructor(deps: ChannelEventsDeps) {
    this.#deps = deps;
  }

  get clock(): Clock {
    return this.#deps.clock;
  }

  async handle(event: ChannelEvent, paths: EventFieldPaths): Promise<ChannelEventResult> {
    if (event.eventId !== undefined) await this.#deps.eventIdentity.claim({ ...event, eventId: event.eventId }, paths);
    const { traces: _traces, ...result } = await this.#deps.dispatcher.dispatch(event);
    return result;
  }

  /** Outcomes and traces as they would be, as of `nowMs` (default now); nothing is written or claimed. */
  async dryRun(event: ChannelEvent, nowMs?: number): Promise<DispatchResult> {
    return this.#deps.dryRunDispatcher.dispatch(event, nowMs === undefined ? {} : { nowMs });
  }
}
