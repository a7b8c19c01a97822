import type { App } from '../../src/app/create-app.js';
import { fromDist } from '../support/dist.js';
import { startWriteCount } from '../support/redis-writes.js';
import {
  ACTIVITY_ID,
  cpuPerUnit,
  deleteRedisKeys,
  inParallel,
  openRedis,
  PREPARE_CHANNEL,
  perEvent,
  REDIS_URL,
  type RedisCensus,
  type ResourceUse,
  round,
  startCensus,
  startProbe,
  uniqueName,
  viewedItems,
  waitFor,
} from '../support/services.js';

export interface ThroughputResult {
  readonly eventsPerSec: number;
  readonly events: number;
  readonly seconds: number;
  readonly concurrency: number;
  /** Redis commands per event of this run alone, counted with MONITOR over the warm-up. */
  readonly redis: RedisCensus;
  /** Commands the Redis server executed per event during the timed run (INFO commandstats: server-wide, script bodies included). */
  readonly serverCommandsPerEvent: number;
  /** Fraction of one core used by Redis and by this process (publisher and consumer) during the timed run. */
  readonly cpu: ResourceUse['cpu'];
  /** CPU µs per event of Redis and of this process: what an event costs, however busy the machine. */
  readonly cpuPerEvent: ReturnType<typeof cpuPerUnit>;
  /**
   * Socket writes to Redis per event during the timed run, publisher and consumer together (this
   * process is both): the round trips an event costs as the client sees them.
   */
  readonly roundTripsPerEvent: number;
  /** Events whose prepared data was found in Redis afterwards. */
  readonly verified: number;
}

export type PipelineResult = (ThroughputResult & { readonly broker: string }) | { readonly skipped: string };

export interface ThroughputOptions {
  readonly configPath: string;
  readonly events: number;
  readonly warmupEvents: number;
  /** Deliveries processed at once by the consumer (the worker's `--concurrency`). */
  readonly concurrency: number;
  /** Publishes in flight at once. */
  readonly publishers: number;
}

export interface PipelineOptions extends ThroughputOptions {
  /** The broker the events travel through; Redis Streams on the local Redis by default. */
  readonly brokerUrl?: string;
}

/**
 * Behavior events end to end on Redis Streams: `app.broker.publish` (XADD) → the consumer group →
 * the `browse_3_items` chain (lock, prepare, fenced write with TTL, trace) → ack. In one process,
 * as `strategy-center worker` runs it, with the publisher beside it. Timed from the first publish
 * of the measured batch until the consumer has settled all of it.
 */
export async function benchPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const brokerUrl = options.brokerUrl ?? REDIS_URL;
  const expectedBroker = brokerUrl.startsWith('redis') ? 'redis-streams' : undefined;
  const { createApp } = await fromDist<typeof import('../../src/app/create-app.js')>('app/create-app.js');
  const namespace = uniqueName('pipeline');
  const redis = openRedis();
  let app: App | undefined;
  try {
    try {
      app = await createApp({ configPath: options.configPath, env: { REDIS_URL, BROKER_URL: brokerUrl, NAMESPACE: namespace } });
    } catch (error) {
      return { skipped: `the broker at ${brokerUrl} did not start: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (expectedBroker && app.backends.broker !== expectedBroker) {
      return { skipped: `BROKER_URL=redis:// gave broker '${app.backends.broker}', not redis-streams` };
    }
    const started = app;
    await started.startConsuming({ concurrency: options.concurrency });
    const settled = async () => {
      const { values } = await started.metrics.deliveries.get();
      return values.reduce((sum, value) => sum + value.value, 0);
    };
    const publish = (offset: number, count: number) =>
      inParallel(count, options.publishers, (i) =>
        started.broker.publish({
          channelCode: PREPARE_CHANNEL,
          userId: `u${offset + i}`,
          eventId: `${namespace}-e${offset + i}`,
          payload: { itemIds: viewedItems(offset + i) },
        }),
      );
    const until = async (count: number, timeoutMs: number) => {
      try {
        await waitFor(
          async () => (await settled()) >= count,
          timeoutMs,
          () => `${count} deliveries settled`,
          2,
        );
      } catch (error) {
        throw new Error(`pipeline stalled: ${(await settled()) - options.warmupEvents} settled (${(error as Error).message})`);
      }
    };

    const census = await startCensus(namespace);
    await publish(0, options.warmupEvents);
    await until(options.warmupEvents, 60_000);
    const redisPerEvent = perEvent(await census(), options.warmupEvents);

    const stop = await startProbe(redis);
    const stopWrites = startWriteCount();
    await publish(options.warmupEvents, options.events);
    await until(options.warmupEvents + options.events, 120_000);
    const writes = stopWrites();
    const use = await stop();

    const outcomes = await started.metrics.outcomes.get();
    const failed = outcomes.values.filter((v) => v.labels.status !== 'prepared').reduce((sum, v) => sum + v.value, 0);
    if (failed > 0) throw new Error(`${failed} preparation chain(s) did not end 'prepared'`);
    const { RedisKeys } = await fromDist<typeof import('../../src/infra/redis/redis-keys.js')>('infra/redis/redis-keys.js');
    const keys = new RedisKeys(`${namespace}:`);
    const verified = await countPrepared(redis, options.warmupEvents, options.events, (userId) =>
      keys.prepared({ activityId: ACTIVITY_ID, userId }),
    );
    return {
      broker: started.backends.broker,
      eventsPerSec: round(options.events / use.seconds),
      events: options.events,
      seconds: round(use.seconds, 2),
      concurrency: options.concurrency,
      redis: redisPerEvent,
      serverCommandsPerEvent: round(use.redisCommandsTotal / options.events, 1),
      roundTripsPerEvent: round(writes.writes / options.events, 2),
      cpu: use.cpu,
      cpuPerEvent: cpuPerUnit(use, options.events),
      verified,
    };
  } finally {
    // RabbitMQ queues and NATS streams outlive the process; remove this run's.
    for (const queue of [app?.broker, app?.rawBehaviors]) {
      const topology = queue as { deleteTopology?: () => Promise<void> } | undefined;
      await topology?.deleteTopology?.().catch(() => undefined);
    }
    await app?.close().catch(() => undefined);
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    redis.disconnect();
  }
}

/** How many of users `u<offset>`… `u<offset+count-1>` have prepared data (`key` names where it lives). */
export async function countPrepared(
  redis: ReturnType<typeof openRedis>,
  offset: number,
  count: number,
  key: (userId: string) => string,
): Promise<number> {
  let found = 0;
  for (let start = 0; start < count; start += 1000) {
    const keys = Array.from({ length: Math.min(1000, count - start) }, (_, i) => key(`u${offset + start + i}`));
    found += await redis.exists(...keys);
  }
  return found;
}
