import type { Redis } from 'ioredis';
import { execOrThrow, type PreparationEvent, PreparationWork } from '../support/preparation-work.js';
import {
  cpuPerUnit,
  deleteRedisKeys,
  openRedis,
  PREPARE_CHANNEL,
  perEvent,
  type RedisCensus,
  type ResourceUse,
  round,
  startCensus,
  startProbe,
  uniqueName,
  viewedItems,
} from '../support/services.js';

export interface CeilingResult {
  readonly eventsPerSec: number;
  readonly events: number;
  readonly seconds: number;
  readonly batch: number;
  readonly loops: number;
  /** Redis commands per event, counted with MONITOR over the warm-up. */
  readonly redis: RedisCensus;
  /** INFO commandstats during the timed run, server-wide. */
  readonly serverCommandsPerEvent: number;
  readonly cpu: ResourceUse['cpu'];
  /** CPU µs per event of Redis and of this process: what an event costs, however busy the machine. */
  readonly cpuPerEvent: ReturnType<typeof cpuPerUnit>;
}

/**
 * The physical limit of this Redis for the pipeline's command mix: per event, the broker's XADD,
 * its share of one XREADGROUP, MULTI/XACK/XDEL/EXEC, and the chain's lock, fenced write, release
 * and trace — the same commands and scripts, issued by bare ioredis in pipelines of `batch`
 * events (six round trips per batch), `loops` batches in flight. No queue, no engine, no awaits
 * per event: what remains is Redis (and the client's encoding).
 */
export async function benchCeiling(options: {
  seconds: number;
  warmupSeconds: number;
  batch: number;
  loops: number;
}): Promise<CeilingResult> {
  const namespace = uniqueName('ceiling');
  const redis = openRedis();
  PreparationWork.defineScripts(redis);
  const work = await PreparationWork.create(namespace);
  const stream = `{${namespace}}:behaviors`;
  await redis.xgroup('CREATE', stream, 'workers', '0', 'MKSTREAM');
  let nextUser = 0;
  let processed = 0;
  const loop = async (consumer: string, deadline: number) => {
    while (performance.now() < deadline) {
      const count = await oneBatch(redis, work, stream, consumer, options.batch, () => nextUser++, namespace);
      processed += count;
    }
  };
  const runFor = async (seconds: number) => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: options.loops }, (_, i) => loop(`c${i}`, deadline)));
  };
  try {
    const census = await startCensus(namespace);
    await runFor(options.warmupSeconds);
    const redisPerEvent = perEvent(await census(), processed);
    processed = 0;
    const stop = await startProbe(redis);
    await runFor(options.seconds);
    const use = await stop();
    return {
      eventsPerSec: round(processed / use.seconds),
      events: processed,
      seconds: round(use.seconds, 2),
      batch: options.batch,
      loops: options.loops,
      redis: redisPerEvent,
      serverCommandsPerEvent: round(use.redisCommandsTotal / processed, 1),
      cpu: use.cpu,
      cpuPerEvent: cpuPerUnit(use, processed),
    };
  } finally {
    await work.close().catch(() => undefined);
    await deleteRedisKeys(redis, namespace).catch(() => undefined);
    redis.disconnect();
  }
}

async function oneBatch(
  redis: Redis,
  work: PreparationWork,
  stream: string,
  consumer: string,
  batch: number,
  nextUser: () => number,
  namespace: string,
): Promise<number> {
  const publish = redis.pipeline();
  for (let i = 0; i < batch; i++) {
    const user = nextUser();
    const body = JSON.stringify({
      channelCode: PREPARE_CHANNEL,
      userId: `u${user}`,
      eventId: `${namespace}-e${user}`,
      payload: { itemIds: viewedItems(user) },
    });
    publish.xadd(stream, '*', 'body', body, 'attempt', '1');
  }
  await execOrThrow(publish);
  const reply = (await redis.xreadgroup('GROUP', 'workers', consumer, 'COUNT', batch, 'STREAMS', stream, '>')) as
    | [string, [string, string[]][]][]
    | null;
  const entries = reply?.[0]?.[1] ?? [];
  if (entries.length === 0) return 0;
  const events: PreparationEvent[] = entries.map(([, fields]) => {
    const message = JSON.parse(fields[1] as string) as { userId: string; eventId: string; payload: { itemIds: string[] } };
    return { userId: message.userId, eventId: message.eventId, itemIds: message.payload.itemIds };
  });
  await work.runBatch(redis, events);
  // As the Redis Streams subscription acks a batch: one XACK and one XDEL carrying every id, in one MULTI.
  const ids = entries.map(([id]) => id);
  const ack = redis.pipeline();
  ack
    .call('MULTI')
    .xack(stream, 'workers', ...ids)
    .xdel(stream, ...ids)
    .call('EXEC');
  await execOrThrow(ack);
  return entries.length;
}
