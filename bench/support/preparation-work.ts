import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander, Redis } from 'ioredis';
import type { PreparedData } from '../../src/domain/instance-context.js';
import type { CatalogItem } from '../../src/domain/ports/catalog.js';
import type { EventFingerprints } from '../../src/domain/ports/event-fingerprints.js';
import type { ChainTrace } from '../../src/domain/trace.js';
import type { StaticCatalog } from '../../src/infra/catalog/static-catalog.js';
import type { RedisAdapters } from '../../src/infra/redis/redis-adapters.js';
import type { RedisKeys } from '../../src/infra/redis/redis-keys.js';
import type { InstanceLocks } from '../../src/service/instance-lock.js';
import { DIST, fromDist } from './dist.js';
import { ACTIVITY_ID, CATALOG, PREPARE_CHANNEL, REDIS_URL } from './services.js';

/**
 * The preparation of one behavior event without the strategy center's engine: the offer of the
 * item-promotion play computed by hand (catalog and recall in process, as the sample play has
 * them), then the Redis work the consumer and the `browse_3_items` chain do per message —
 *
 *   event-id fingerprint claim (claim-fingerprint-1.lua, when the build has it) → lock acquire
 *   (acquire-lock-2.lua) → fenced write of the prepared JSON with PX (put-prepared-2.lua)
 *   → release (release-lock-1.lua) → trace append (one pipeline of list writes)
 *
 * `run` goes through the project's own Redis adapters, so the peer does exactly the Redis reads and
 * writes the pipeline does, whatever the adapters do today. `runBatch` issues the same commands
 * explicitly in pipelines (the ceiling); the bench compares its command mix with the pipeline's
 * (INFO commandstats) and says so if this copy has drifted from the adapters.
 */

const PREPARED_TTL_MS = 72 * 60 * 60 * 1000;
const FENCE_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const LOCK_TTL_MS = 10_000;
const TRACE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const RECENT_TRACES = 10_000;
const DISCOUNT_PERCENT = 10;
const RECALL_LIMIT = 4;
const TEMPLATE = 'item-promotion@3.0';
const FINGERPRINT_TTL_MS = 24 * 60 * 60 * 1000;

export interface PreparationEvent {
  readonly userId: string;
  readonly eventId: string;
  readonly itemIds: readonly string[];
}

/** The adapters' scripts as ioredis custom commands (EVALSHA, EVAL once per connection). */
interface ScriptCommands {
  scbClaimFingerprint(key: string, fingerprint: string, ttlMs: number): ScriptPipeline;
  scbAcquireLock(lockKey: string, fenceKey: string, owner: string, ttlMs: number): ScriptPipeline;
  scbPutPrepared(dataKey: string, fenceKey: string, json: string, ttlMs: number, fence: number, retentionMs: number): ScriptPipeline;
  scbReleaseLock(lockKey: string, owner: string): ScriptPipeline;
}
type ScriptPipeline = ChainableCommander & ScriptCommands;

const SCRIPTS = {
  scbClaimFingerprint: ['claim-fingerprint-1.lua', 1],
  scbAcquireLock: ['acquire-lock-2.lua', 2],
  scbPutPrepared: ['put-prepared-2.lua', 2],
  scbReleaseLock: ['release-lock-1.lua', 1],
} as const;

export class PreparationWork {
  readonly #catalog: StaticCatalog;
  readonly #keys: RedisKeys;
  readonly #adapters: RedisAdapters;
  readonly #locks: InstanceLocks;
  /** Absent when the build predates event fingerprints. */
  readonly #fingerprints: EventFingerprints | undefined;

  private constructor(
    catalog: StaticCatalog,
    keys: RedisKeys,
    adapters: RedisAdapters,
    locks: InstanceLocks,
    fingerprints?: EventFingerprints,
  ) {
    this.#catalog = catalog;
    this.#keys = keys;
    this.#adapters = adapters;
    this.#locks = locks;
    this.#fingerprints = fingerprints;
  }

  /** Keys as the app's under `NAMESPACE=namespace`: `namespace:prepared:{act:user}` and so on. */
  static async create(namespace: string): Promise<PreparationWork> {
    const { StaticCatalog } = await fromDist<typeof import('../../src/infra/catalog/static-catalog.js')>('infra/catalog/static-catalog.js');
    const { RedisKeys } = await fromDist<typeof import('../../src/infra/redis/redis-keys.js')>('infra/redis/redis-keys.js');
    const { createRedisAdapters } =
      await fromDist<typeof import('../../src/infra/redis/redis-adapters.js')>('infra/redis/redis-adapters.js');
    const { InstanceLocks } = await fromDist<typeof import('../../src/service/instance-lock.js')>('service/instance-lock.js');
    const prefix = `${namespace}:`;
    const adapters = createRedisAdapters({ url: REDIS_URL, prefix });
    const fingerprints = await fromDist<typeof import('../../src/infra/redis/redis-event-fingerprints.js')>(
      'infra/redis/redis-event-fingerprints.js',
    ).then(
      ({ RedisEventFingerprints }) => new RedisEventFingerprints(adapters.redis, { prefix }),
      () => undefined,
    );
    const catalog = await StaticCatalog.fromFile(CATALOG);
    return new PreparationWork(catalog, new RedisKeys(prefix), adapters, new InstanceLocks(adapters.locks), fingerprints);
  }

  close(): Promise<void> {
    return this.#adapters.close();
  }

  /** Defines the adapters' Lua scripts on a connection of the caller's, for `runBatch`. */
  static defineScripts(redis: Redis): void {
    for (const [name, [file, numberOfKeys]] of Object.entries(SCRIPTS)) {
      const path = join(DIST, 'infra/redis/lua', file);
      if (existsSync(path)) redis.defineCommand(name, { numberOfKeys, lua: readFileSync(path, 'utf8') });
    }
  }

  /** One event as a job handler does it: each Redis call awaited before the next, through the adapters. */
  async run(event: PreparationEvent): Promise<void> {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const instance = { activityId: ACTIVITY_ID, userId: event.userId };
    // A redelivered message must carry what its event id first carried; a reused id is refused.
    if (this.#fingerprints) {
      const fingerprint = fingerprintOf(event);
      if ((await this.#fingerprints.claim(event.eventId, fingerprint, FINGERPRINT_TTL_MS)) !== fingerprint) {
        throw new Error(`event id ${event.eventId} was used for other content`);
      }
    }
    const lock = await this.#locks.acquire(instance);
    if (!lock) throw new Error(`instance lock of ${event.userId} stayed busy`);
    try {
      const prepared = await this.prepare(event, Date.now());
      await this.#adapters.instances.putPrepared(instance, prepared, PREPARED_TTL_MS, lock.fence);
    } finally {
      await lock.release();
    }
    await this.#adapters.traces.append(this.trace(event, lock.fence, startedAt, performance.now() - started));
  }

  /**
   * A batch of events in three pipelined round trips — acquire all; write all; release all and
   * append all traces — with the commands `run` sends, nothing else: the most this Redis can do.
   */
  async runBatch(redis: Redis, events: readonly PreparationEvent[]): Promise<void> {
    const startedAt = new Date().toISOString();
    const nowMs = Date.now();
    const owners = events.map(() => randomUUID());
    const keys = events.map((event) => this.#instanceKeys(event.userId));
    const claims = this.#fingerprints !== undefined && typeof Reflect.get(redis, 'scbClaimFingerprint') === 'function';
    const acquire = redis.pipeline() as ScriptPipeline;
    for (const [i, k] of keys.entries()) {
      const event = events[i]!;
      if (claims) acquire.scbClaimFingerprint(this.#keys.eventFingerprint(event.eventId), fingerprintOf(event), FINGERPRINT_TTL_MS);
      acquire.scbAcquireLock(k.lock, k.lockFence, owners[i] as string, LOCK_TTL_MS);
    }
    const fences = (await execOrThrow(acquire))
      .filter((_, i) => !claims || i % 2 === 1)
      .map((fence) => {
        if (typeof fence !== 'number') throw new Error('instance lock busy in the ceiling loop: user ids must be unique');
        return fence;
      });
    const write = redis.pipeline() as ScriptPipeline;
    for (const [i, event] of events.entries()) {
      const k = keys[i]!;
      const json = JSON.stringify(await this.prepare(event, nowMs));
      write.scbPutPrepared(k.prepared, k.fence, json, PREPARED_TTL_MS, fences[i]!, FENCE_RETENTION_MS);
    }
    await execOrThrow(write);
    // As RedisTraceStore writes a batch: the body once, into the event's list; a reference in the
    // instance's list and, for the whole batch in one LPUSH, in the recent list. (Lists are trimmed
    // only when a push reports them past their bound, which a fresh user never is.)
    const finish = redis.pipeline() as ScriptPipeline;
    const refs: string[] = [];
    for (const [i, event] of events.entries()) {
      finish.scbReleaseLock(keys[i]!.lock, owners[i]!);
      const trace = this.trace(event, fences[i]!, startedAt, 1);
      const eventKey = this.#keys.trace(event.eventId);
      const instanceKey = this.#keys.instanceTraces({ activityId: ACTIVITY_ID, userId: event.userId });
      const ref = JSON.stringify({ e: trace.eventId, a: trace.activityId, u: trace.userId, t: trace.startedAt });
      refs.push(ref);
      finish
        .rpush(eventKey, JSON.stringify(trace))
        .pexpire(eventKey, TRACE_TTL_MS)
        .lpush(instanceKey, ref)
        .pexpire(instanceKey, TRACE_TTL_MS);
    }
    const recentKey = this.#keys.recentTraces();
    finish.lpush(recentKey, ...refs).ltrim(recentKey, 0, RECENT_TRACES - 1);
    await execOrThrow(finish);
  }

  /** The offer of the item-promotion play: the most viewed item (dearest on a tie), discounted, with recalled items. */
  async prepare(event: PreparationEvent, nowMs: number): Promise<PreparedData> {
    const items = await this.#catalog.getItems([...new Set(event.itemIds)]);
    const views = new Map<string, number>();
    for (const id of event.itemIds) views.set(id, (views.get(id) ?? 0) + 1);
    const [item] = [...items].sort((a, b) => (views.get(b.id) ?? 0) - (views.get(a.id) ?? 0) || b.priceCents - a.priceCents);
    if (!item) throw new Error(`no catalog item among ${event.itemIds.join(', ')}`);
    const recalled = await this.#catalog.recall({ userId: event.userId, seedItems: items, limit: RECALL_LIMIT + items.length });
    const offer = {
      item,
      discountPercent: DISCOUNT_PERCENT,
      discountedPriceCents: Math.round((item.priceCents * (100 - DISCOUNT_PERCENT)) / 100),
      viewedItemIds: [...views.keys()],
      recommendations: recalled.filter((r: CatalogItem) => !views.has(r.id)).slice(0, RECALL_LIMIT),
    };
    return { template: TEMPLATE, preparedAt: new Date(nowMs).toISOString(), eventId: event.eventId, data: { offer } };
  }

  /** A trace of the shape and size the dispatcher writes for this chain (payload and step notes included). */
  trace(event: PreparationEvent, fence: number, startedAt: string, durationMs: number): ChainTrace {
    const stepMs = Math.round((durationMs / 3) * 1000) / 1000;
    return {
      eventId: event.eventId,
      channelCode: PREPARE_CHANNEL,
      activityId: ACTIVITY_ID,
      userId: event.userId,
      template: TEMPLATE,
      startedAt,
      durationMs: Math.round(durationMs * 1000) / 1000,
      status: 'prepared',
      decidedBy: 'store-prepared',
      lock: { fence },
      payload: { itemIds: event.itemIds },
      steps: [
        { processor: 'query-activity', status: 'ran', durationMs: stepMs },
        {
          processor: 'prepare-item-promotion',
          status: 'ran',
          durationMs: stepMs,
          notes: { viewed: event.itemIds, offerItem: event.itemIds[0], discountPercent: DISCOUNT_PERCENT, recommendations: RECALL_LIMIT },
        },
        { processor: 'store-prepared', status: 'ran', durationMs: stepMs, notes: { ttlMs: PREPARED_TTL_MS, fence } },
      ],
    };
  }

  /** The key of a user's prepared data, to check that an event took effect. */
  preparedKey(userId: string): string {
    return this.#keys.prepared({ activityId: ACTIVITY_ID, userId });
  }

  #instanceKeys(userId: string): { lock: string; lockFence: string; prepared: string; fence: string } {
    const instance = { activityId: ACTIVITY_ID, userId };
    const lockKey = `lock:{${ACTIVITY_ID}:${userId}}`;
    return {
      lock: this.#keys.lock(lockKey),
      lockFence: this.#keys.lockFenceCounter(lockKey),
      prepared: this.#keys.prepared(instance),
      fence: this.#keys.preparedFence(instance),
    };
  }
}

/** What the event carried, hashed: a hand-written stand-in for the consumer's event fingerprint. */
function fingerprintOf(event: PreparationEvent): string {
  return createHash('sha256')
    .update(JSON.stringify([PREPARE_CHANNEL, event.userId, event.itemIds]))
    .digest('hex');
}

export async function execOrThrow(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
