import type { Redis } from 'ioredis';
import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';
import { defineLuaScript, type LuaScript } from './lua-script.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

export const DEFAULT_TRACE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A retried event runs its chains again; this bounds what a redelivery loop can pile up. */
export const DEFAULT_MAX_TRACES_PER_EVENT = 100;

export interface RedisTraceStoreOptions {
  readonly prefix: string;
  readonly ttlMs?: number;
  readonly maxTracesPerEvent?: number;
}

/** One list per event, trimmed to the newest traces and expiring as a whole. */
export class RedisTraceStore implements TraceStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #maxTracesPerEvent: number;
  readonly #append: LuaScript;

  constructor(redis: Redis, options: RedisTraceStoreOptions) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
    this.#ttlMs = toRedisTtlMs(options.ttlMs ?? DEFAULT_TRACE_TTL_MS);
    this.#maxTracesPerEvent = Math.max(1, Math.floor(options.maxTracesPerEvent ?? DEFAULT_MAX_TRACES_PER_EVENT));
    this.#append = defineLuaScript(redis, 'append-trace-1.lua');
  }

  append(trace: ChainTrace): Promise<void> {
    return withRedisErrors(async () => {
      await this.#append([this.#keys.trace(trace.eventId)], [JSON.stringify(trace), this.#maxTracesPerEvent, this.#ttlMs]);
    });
  }

  byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return withRedisErrors(async () => {
      const entries = await this.#redis.lrange(this.#keys.trace(eventId), 0, -1);
      return entries.map(parseTrace);
    });
  }
}

function parseTrace(json: string): ChainTrace {
  const value: unknown = JSON.parse(json);
  if (
    typeof value === 'object' &&
    value !== null &&
    'eventId' in value &&
    typeof value.eventId === 'string' &&
    'steps' in value &&
    Array.isArray(value.steps)
  ) {
    return value as ChainTrace;
  }
  throw new Error('stored chain trace is malformed');
}
