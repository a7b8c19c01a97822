import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  DEFAULT_RECENT_EVENTS,
  matches,
  type RecentEvent,
  type RecentEventFilter,
  type RecentEventLog,
} from '../../domain/ports/recent-events.js';
import type { RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys } from './redis-keys.js';

export interface RedisRecentEventsOptions {
  readonly prefix: string;
  readonly capacity?: number;
}

/**
 * One capped list, newest first (`{prefix}events:recent`): a single key, so no hash tag is needed
 * and no operation spans slots. The events of one turn of the event loop go in one LPUSH + LTRIM
 * round trip. Reads take the whole list (at most `capacity`) and filter it here: the filters are
 * an operator's, over a bounded list, and cost no index to maintain on the event path.
 */
export class RedisRecentEvents implements RecentEventLog {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #capacity: number;
  #pending: RecentEvent[] = [];
  #flush: Promise<void> | undefined;

  constructor(redis: RedisClient, options: RedisRecentEventsOptions) {
    this.#redis = redis;
    this.#key = new RedisKeys(options.prefix).recentEvents();
    this.#capacity = Math.max(1, Math.floor(options.capacity ?? DEFAULT_RECENT_EVENTS));
  }

  append(event: RecentEvent): Promise<void> {
    this.#pending.push(event);
    // The batch belongs to every caller in it, so its writes run outside the first caller's trace
    // (whose span may be over by then): bookkeeping, not a step of that chain.
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => context.with(ROOT_CONTEXT, () => this.#write()));
    return this.#flush;
  }

  #write(): Promise<void> {
    const events = this.#pending;
    this.#pending = [];
    this.#flush = undefined;
    return withRedisErrors(async () => {
      const results = await this.#redis
        .multi()
        .lpush(this.#key, ...events.map((event) => JSON.stringify(event)))
        .ltrim(this.#key, 0, this.#capacity - 1)
        .exec();
      const failed = results?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    });
  }

  recent(filter: RecentEventFilter): Promise<readonly RecentEvent[]> {
    return withRedisErrors(async () => {
      const unfiltered = filter.channelCode === undefined && filter.status === undefined;
      const entries = await this.#redis.lrange(this.#key, 0, unfiltered ? filter.limit - 1 : this.#capacity - 1);
      const found: RecentEvent[] = [];
      for (const entry of entries) {
        const event = parseEvent(entry);
        if (event && matches(event, filter)) found.push(event);
        if (found.length >= filter.limit) break;
      }
      return found;
    });
  }
}

function parseEvent(json: string): RecentEvent | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && 'eventId' in value && 'channelCode' in value && 'status' in value) {
      return value as RecentEvent;
    }
  } catch {
    // A malformed entry is skipped: the list is a view, never a record.
  }
  return undefined;
}
