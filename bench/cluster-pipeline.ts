/**
 * Behavior events end to end through the Redis Streams broker into prepared data, on one Redis and
 * on the local Redis Cluster (`.ci/redis-cluster`), side by side on the same machine: the
 * `pipeline` phase of `npm run bench` reduced to its throughput, without the per-command census
 * (MONITOR sees one server only). Run after `npm run build`:
 *
 *   npx tsx bench/cluster-pipeline.ts            # BENCH_EVENTS=6000, BENCH_REPEAT=2 by default
 *
 * Prints events/s per setup and the load averages before and after, since the machine is shared.
 */
import { loadavg } from 'node:os';
import { Cluster, type Redis } from 'ioredis';
import type { App } from '../src/app/create-app.js';
import { fromDist } from './support/dist.js';
import {
  benchConfigFile,
  inParallel,
  openRedis,
  PREPARE_CHANNEL,
  REDIS_URL,
  uniqueName,
  viewedItems,
  waitFor,
} from './support/services.js';

const CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 6_000);
const WARMUP = Math.max(200, Math.floor(EVENTS / 10));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
const CONCURRENCY = 256;
const PUBLISHERS = 256;

interface Setup {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly cluster: boolean;
}

const firstNode = CLUSTER_NODES.split(',')[0]?.trim() ?? '127.0.0.1:7001';
const SETUPS: Setup[] = [
  { name: 'one Redis, 1 stream', env: { REDIS_URL, BROKER_URL: REDIS_URL }, cluster: false },
  { name: 'one Redis, 8 streams', env: { REDIS_URL, BROKER_URL: REDIS_URL, BROKER_STREAM_SHARDS: '8' }, cluster: false },
  {
    name: 'cluster (3 masters), 8 streams',
    env: { REDIS_CLUSTER_NODES: CLUSTER_NODES, BROKER_URL: `redis://${firstNode}` },
    cluster: true,
  },
];

async function run(setup: Setup, configPath: string): Promise<number> {
  const { createApp } = await fromDist<typeof import('../src/app/create-app.js')>('app/create-app.js');
  const namespace = uniqueName('cluster_pipeline');
  let app: App | undefined;
  try {
    app = await createApp({ configPath, env: { ...setup.env, NAMESPACE: namespace, LOG_LEVEL: 'silent' } });
    const started = app;
    await started.startConsuming({ concurrency: CONCURRENCY });
    const settled = async () => (await started.metrics.deliveries.get()).values.reduce((sum, value) => sum + value.value, 0);
    const publish = (offset: number, count: number) =>
      inParallel(count, PUBLISHERS, (i) =>
        started.broker.publish({
          channelCode: PREPARE_CHANNEL,
          userId: `u${offset + i}`,
          eventId: `${namespace}-e${offset + i}`,
          payload: { itemIds: viewedItems(offset + i) },
        }),
      );
    await publish(0, WARMUP);
    await waitFor(
      async () => (await settled()) >= WARMUP,
      60_000,
      () => 'warm-up settled',
      2,
    );
    const startedAt = process.hrtime.bigint();
    await publish(WARMUP, EVENTS);
    await waitFor(
      async () => (await settled()) >= WARMUP + EVENTS,
      180_000,
      () => 'events settled',
      2,
    );
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const outcomes = await started.metrics.outcomes.get();
    const failed = outcomes.values.filter((v) => v.labels.status !== 'prepared').reduce((sum, v) => sum + v.value, 0);
    if (failed > 0) throw new Error(`${failed} chain(s) did not end 'prepared'`);
    return EVENTS / seconds;
  } finally {
    const topology = app?.broker as { deleteTopology?: () => Promise<void> } | undefined;
    await topology?.deleteTopology?.().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await deleteKeys(setup.cluster, namespace);
  }
}

async function deleteKeys(cluster: boolean, namespace: string): Promise<void> {
  const client = cluster
    ? new Cluster(CLUSTER_NODES.split(',').map((entry) => ({ host: entry.split(':')[0] as string, port: Number(entry.split(':')[1]) })))
    : openRedis();
  // A cluster knows its masters once it has connected.
  await client.ping();
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `*${namespace}*`, 'COUNT', 1000);
      cursor = next;
      await Promise.all(keys.map((key) => client.unlink(key)));
    } while (cursor !== '0');
  }
  client.disconnect();
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const configPath = benchConfigFile();
console.log(`${EVENTS} events per run (after ${WARMUP} warm-up), consumer concurrency ${CONCURRENCY}, ${REPEAT} runs per setup`);
for (let round = 1; round <= REPEAT; round += 1) {
  for (const setup of SETUPS) {
    const before = load();
    const eventsPerSec = await run(setup, configPath);
    console.log(
      `round ${round}  ${setup.name.padEnd(32)} ${Math.round(eventsPerSec).toString().padStart(6)} events/s   load ${before} -> ${load()}`,
    );
  }
}
process.exit(0);
