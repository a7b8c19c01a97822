import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { type PreparationEvent, PreparationWork } from '../support/preparation-work.js';
import { startWriteCount } from '../support/redis-writes.js';
import {
  cpuPerUnit,
  deleteRedisKeys,
  inParallel,
  openRedis,
  perEvent,
  REDIS_URL,
  ROOT,
  round,
  startCensus,
  startProbe,
  uniqueName,
  viewedItems,
  waitFor,
} from '../support/services.js';
import { countPrepared, type ThroughputOptions, type ThroughputResult } from './pipeline.js';

export type PeerResult = Omit<ThroughputResult, 'eventsPerSec'> & { readonly jobsPerSec: number; readonly bullmq: string };

/**
 * The peer a team would otherwise pick: the same preparation as BullMQ jobs on the same Redis.
 * `queue.add` per event (as `broker.publish`), a Worker of the same concurrency whose handler does
 * the offer by hand and the chain's Redis work through the project's own adapters (lock, fenced
 * write with TTL, release, trace). Jobs are removed on completion, as the pipeline deletes acked
 * entries. Timed from the first add of the measured batch until the last job's work is done.
 */
export async function benchPeer(options: Omit<ThroughputOptions, 'configPath'>): Promise<PeerResult> {
  const namespace = uniqueName('peer');
  const redis = openRedis();
  const work = await PreparationWork.create(namespace);
  const url = new URL(REDIS_URL);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
  };
  const prefix = `${namespace}:bull`;
  const queue = new Queue<PreparationEvent>('prepare', {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 },
  });
  let done = 0;
  let failed = 0;
  const worker = new Worker<PreparationEvent>(
    'prepare',
    async (job) => {
      await work.run(job.data);
      done += 1;
    },
    { connection, prefix, concurrency: options.concurrency },
  );
  worker.on('failed', () => {
    failed += 1;
  });
  worker.on('error', () => undefined);
  try {
    await worker.waitUntilReady();
    const add = (offset: number, count: number) =>
      inParallel(count, options.publishers, (i) =>
        queue.add('prepare', { userId: `u${offset + i}`, eventId: `${namespace}-e${offset + i}`, itemIds: viewedItems(offset + i) }),
      );
    const until = (count: number, timeoutMs: number) =>
      waitFor(
        () => {
          if (failed > 0) throw new Error(`${failed} BullMQ job(s) failed`);
          return done >= count;
        },
        timeoutMs,
        () => `peer stalled: ${done - options.warmupEvents} jobs done`,
        2,
      );

    const census = await startCensus(namespace);
    await add(0, options.warmupEvents);
    await until(options.warmupEvents, 60_000);
    const redisPerEvent = perEvent(await census(), options.warmupEvents);

    const stop = await startProbe(redis);
    const stopWrites = startWriteCount();
    await add(options.warmupEvents, options.events);
    await until(options.warmupEvents + options.events, 180_000);
    const writes = stopWrites();
    const use = await stop();
    const verified = await countPrepared(redis, options.warmupEvents, options.events, (userId) => work.preparedKey(userId));
    return {
      jobsPerSec: round(options.events / use.seconds),
      events: options.events,
      seconds: round(use.seconds, 2),
      concurrency: options.concurrency,
      redis: redisPerEvent,
      serverCommandsPerEvent: round(use.redisCommandsTotal / options.events, 1),
      roundTripsPerEvent: round(writes.writes / options.events, 2),
      cpu: use.cpu,
      cpuPerEvent: cpuPerUnit(use, options.events),
      verified,
      bullmq: bullmqVersion(),
    };
  } finally {
    await worker.close().catch(() => undefined);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close().catch(() => undefined);
    await work.close().catch(() => undefined);
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    redis.disconnect();
  }
}

function bullmqVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules/bullmq/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
