import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ChainTrace } from '../../domain/trace.js';
import { LuaScript } from './lua-script.js';
import { isCluster, type RedisClient } from './redis-connection.js';
import { withRedisErrors } from './redis-errors.js';
import { RedisKeys, toRedisTtlMs } from './redis-keys.js';

export const DEFAULT_TRACE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A retried event runs its chains again; this bounds what a redelivery loop can pile up. */
export const DEFAULT_MAX_TRACES_PER_EVENT = 100;
export const DEFAULT_MAX_TRACES_PER_INSTANCE = 50;
export const DEFAULT_MAX_RECENT_TRACES = 10_000;

const appendTraces = new LuaScript('append-traces-2n.lua');

export interface RedisTraceStoreOptions {
  readonly prefix: string;
  readonly ttlMs?: number;
  readonly maxTracesPerEvent?: number;
  readonly maxTracesPerInstance?: number;
  readonly maxRecentTraces?: number;
}

/**
 * Three bounded lists: per event (oldest first, expiring as a whole), per instance and the
 * deployment's most recent (newest first). The trace body is written once, into its event's list;
 * the instance and recent lists hold a short reference to it (event id, activity, user, start), so
 * an event costs one copy of its trace in bytes, parsing and memory, not three.
 *
 * Appends made during one turn of the event loop (the chains of one consumed batch) are written
 * together in one pipelined round trip, the recent list taking all their references in one LPUSH.
 * A list is trimmed only when its push reports it grew past its bound. On a single Redis the event
 * and instance lists of the whole batch are written by one script (`append-traces-2n.lua`); on a
 * cluster they sit in many hash slots, so each list gets commands of its own, and a partial append
 * only loses a reference (a reference whose trace has expired or been trimmed is skipped when
 * read), never a body.
 */
export class RedisTraceStore implements TraceStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #perEvent: number;
  readonly #perInstance: number;
  readonly #recent: number;
  #pending: ChainTrace[] = [];
  #flush: Promise<void> | undefined;

  constructor(redis: RedisClient, options: RedisTraceStoreOptions) {
    this.#redis = redis;
    this.#keys = new RedisKeys(options.prefix);
    this.#ttlMs = toRedisTtlMs(options.ttlMs ?? DEFAULT_TRACE_TTL_MS);
    this.#perEvent = atLeastOne(options.maxTracesPerEvent ?? DEFAULT_MAX_TRACES_PER_EVENT);
    this.#perInstance = atLeastOne(options.maxTracesPerInstance ?? DEFAULT_MAX_TRACES_PER_INSTANCE);
    this.#recent = atLeastOne(options.maxRecentTraces ?? DEFAULT_MAX_RECENT_TRACES);
  }

  append(trace: ChainTrace): Promise<void> {
    this.#pending.push(trace);
    // The batch belongs to every caller in it, so its writes run outside the first caller's trace
    // (whose span may be over by then): bookkeeping, not a step of that chain.
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => context.with(ROOT_CONTEXT, () => this.#write()));
    return this.#flush;
  }

  #write(): Promise<void> {
    const traces = this.#pending;
    this.#pending = [];
    this.#flush = undefined;
    // One command per key, not one pipeline: on a cluster a pipeline must stay on one node, and the
    // keys of these traces live on many. Auto-pipelining still sends each node's share in one write.
    return withRedisErrors(async () => {
      const refs = traces.map(traceRef);
      const recentKey = this.#keys.recentTraces();
      if (!isCluster(this.#redis)) {
        await Promise.all([
          this.#appendByScript(traces, refs),
          this.#redis.lpush(recentKey, ...refs),
          this.#redis.ltrim(recentKey, 0, this.#recent - 1),
        ]);
        return;
      }
      const [lengths] = await Promise.all([
        Promise.all(
          traces.map(async (trace) => {
            const eventKey = this.#keys.trace(trace.eventId);
            const instanceKey = this.#keys.instanceTraces({ activityId: trace.activityId, userId: trace.userId });
            const [eventLength, , instanceLength] = await Promise.all([
              this.#redis.rpush(eventKey, JSON.stringify(trace)),
              this.#redis.pexpire(eventKey, this.#ttlMs),
              this.#redis.lpush(instanceKey, traceRef(trace)),
              this.#redis.pexpire(instanceKey, this.#ttlMs),
            ]);
            return { eventLength, instanceLength };
          }),
        ),
        // Newest first: the last trace appended ends at the head, as with one LPUSH per trace.
        // One connection keeps the order of its commands, so the trim follows the push.
        Promise.all([this.#redis.lpush(recentKey, ...refs), this.#redis.ltrim(recentKey, 0, this.#recent - 1)]),
      ]);
      const trims: Promise<unknown>[] = [];
      traces.forEach((trace, i) => {
        const written = lengths[i];
        if (written === undefined) return;
        if (written.eventLength > this.#perEvent) trims.push(this.#redis.ltrim(this.#keys.trace(trace.eventId), -this.#perEvent, -1));
        if (written.instanceLength > this.#perInstance) {
          trims.push(
            this.#redis.ltrim(this.#keys.instanceTraces({ activityId: trace.activityId, userId: trace.userId }), 0, this.#perInstance - 1),
          );
        }
      });
      await Promise.all(trims);
    });
  }

  #appendByScript(traces: readonly ChainTrace[], refs: readonly string[]): Promise<unknown> {
    const keys: string[] = [];
    const args: (string | number)[] = [this.#ttlMs, this.#perEvent, this.#perInstance];
    traces.forEach((trace, i) => {
      keys.push(this.#keys.trace(trace.eventId), this.#keys.instanceTraces({ activityId: trace.activityId, userId: trace.userId }));
      args.push(JSON.stringify(trace), refs[i] as string);
    });
    return appendTraces.run(this.#redis, keys, args);
  }

  byEvent(eventId: string): Promise<readonly ChainTrace[]> {
    return withRedisErrors(async () => (await this.#redis.lrange(this.#keys.trace(eventId), 0, -1)).map(parseTrace));
  }

  byInstance(activityId: string, userId: string, limit: number): Promise<readonly ChainTrace[]> {
    return this.#resolve(this.#keys.instanceTraces({ activityId, userId }), limit - 1);
  }

  recent(limit: number): Promise<readonly ChainTrace[]> {
    return this.#resolve(this.#keys.recentTraces(), limit - 1);
  }

  /** Reads a list of references and the event lists holding their bodies, in two round trips. */
  #resolve(key: string, stop: number): Promise<readonly ChainTrace[]> {
    return withRedisErrors(async () => {
      if (stop < -1) return [];
      const entries = await this.#redis.lrange(key, 0, stop);
      const refs = entries.map(parseEntry);
      const eventIds = [...new Set(refs.flatMap((ref) => ('eventId' in ref ? [] : [ref.e])))];
      const byEvent = new Map<string, ChainTrace[]>();
      if (eventIds.length > 0) {
        // Per key, not one pipeline: on a cluster the events' lists live on different nodes.
        const lists = await Promise.all(eventIds.map((eventId) => this.#redis.lrange(this.#keys.trace(eventId), 0, -1)));
        eventIds.forEach((eventId, i) => {
          byEvent.set(eventId, (lists[i] ?? []).map(parseTrace));
        });
      }
      const taken = new Set<ChainTrace>();
      const traces: ChainTrace[] = [];
      for (const ref of refs) {
        if ('eventId' in ref) {
          traces.push(ref); // written whole, before references existed
          continue;
        }
        // Newest first: of two runs that match one reference, the later is the newer.
        const candidates = byEvent.get(ref.e) ?? [];
        for (let i = candidates.length - 1; i >= 0; i--) {
          const trace = candidates[i] as ChainTrace;
          if (!taken.has(trace) && trace.activityId === ref.a && trace.userId === ref.u && trace.startedAt === ref.t) {
            taken.add(trace);
            traces.push(trace);
            break;
          }
        }
      }
      return traces;
    });
  }
}

interface TraceRef {
  readonly e: string;
  readonly a: string;
  readonly u: string;
  readonly t: string;
}

function traceRef(trace: ChainTrace): string {
  return JSON.stringify({ e: trace.eventId, a: trace.activityId, u: trace.userId, t: trace.startedAt } satisfies TraceRef);
}

function atLeastOne(value: number): number {
  return Math.max(1, Math.floor(value));
}

function parseEntry(json: string): TraceRef | ChainTrace {
  const value: unknown = JSON.parse(json);
  if (typeof value === 'object' && value !== null && 'e' in value && 'a' in value && 'u' in value && 't' in value) return value as TraceRef;
  return parseTrace(json);
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
