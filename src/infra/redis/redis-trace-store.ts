import type { Redis } from 'ioredis';
import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

export const DEFAULT_TRACE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A retried event runs its chains again; this bounds what a redelivery loop can pile up. */
export const DEFAULT_MAX_TRACES_PER_EVENT = 100;
export const DEFAULT_MAX_TRACES_PER_INSTANCE = 50;
export const DEFAULT_MAX_RECENT_TRACES = 10_000;

export interface RedisTraceStoreOptions {
  readonly prefix: string;
  readonly ttlMs?: number;
  readonly maxTracesPerEvent?: number;
  readonly maxTracesPerInstance?: number;
  readonly maxRecentTraces?: number;
}

/**
 * Three bounded lists: per event (oldest first, expiring as a whole), per instance and the
 * deployment's most recent (newest first). One pipelined round trip per append; the lists sit in
 * different hash slots, so no script or transaction spans them, and a partial append only loses
 * an index entry, never a trace's content.
 */
export class RedisTraceStore implements TraceStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #perEvent: number;
  readonly #perInstance: number;
  readonly #recent: number;

  constructor(redis: Redis, options: RedisTraceStoreOptions) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
    this.#ttlMs = toRedisTtlMs(options.ttlMs ?? DEFAULT_TRACE_TTL_MS);
    this.#perEvent = atLeastOne(options.maxTracesPerEvent ?? DEFAULT_MAX_TRACES_PER_EVENT);
    this.#perInstance = atLeastOne(options.maxTracesPerInstance ?? DEFAULT_MAX_TRACES_PER_INSTANCE);
    this.#recent = atLeastOne(options.maxRecentTraces ?? DEFAULT_MAX_RECENT_TRACES);
  }

  append(trace: ChainTrace): Promise<void> {
    return withRedisErrors(async () => {
      const json = JSON.stringify(trace);
      const eventKey = this.#keys.trace(trace.eventId);
      const instanceKey = this.#keys.instanceTraces({ activityId: trace.activityId, userId: trace.userId });
      const recentKey = this.#keys.recentTraces();
      const results = await this.#redis
        .pipeline()
        .rpush(eventKey, json)
        .ltrim(eventKey, -this.#perEvent, -1)
        .pexpire(eventKey, this.#ttlMs)
        .lpush(instanceKey, json)
        .ltrim(instanceKey, 0, this.#perInstance - 1)
        .pexpire(instanceKey, this.#ttlMs)
        .lpush(recentKey, json)
        .ltrim(recentKey, 0, this.#recent - 1)
        .exec();
      const failed = results?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    });
  }

  byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return this.#read(this.#keys.trace(eventId), -1);
  }

  byInstance(activityId: string, userId: string, limit: number): Promise<readonly ChainTrace[]> {
    return this.#read(this.#keys.instanceTraces({ activityId, userId }), limit - 1);
  }

  recent(limit: number): Promise<readonly ChainTrace[]> {
    return this.#read(this.#keys.recentTraces(), limit - 1);
  }

  #read(key: string, stop: number): Promise<readonly ChainTrace[]> {
    return withRedisErrors(async () => {
      if (stop < -1) return [];
      const entries = await this.#redis.lrange(key, 0, stop);
      return entries.map(parseTrace);
    });
  }
}

function atLeastOne(value: number): number {
  return Math.max(1, Math.floor(value));
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
