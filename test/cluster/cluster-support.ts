import { Cluster } from 'ioredis';
import { isCluster, type RedisClient, type RedisTarget } from '../../src/infra/redis/redis-connection.js';
import { parseRedisNodes } from '../../src/infra/redis/redis-nodes.js';

/** The local cluster `.ci/redis-cluster` starts, or the one REDIS_CLUSTER_NODES names. */
export const CLUSTER_NODES_TEXT = process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';
export const CLUSTER_NODES = parseRedisNodes(CLUSTER_NODES_TEXT);
export const CLUSTER_TARGET: RedisTarget = { clusterNodes: CLUSTER_NODES };
/** A `redis://` URL naming one node of the cluster, as BROKER_URL does. */
export const CLUSTER_NODE_URL = `redis://${CLUSTER_NODES[0]?.host}:${CLUSTER_NODES[0]?.port}`;

/**
 * Whether the cluster answers with `cluster_state:ok`. Unreachable, the cluster tests skip; under
 * CI=true, where .ci/run has started it, they fail instead (this throws while the file loads).
 */
async function clusterIsUp(): Promise<boolean> {
  const cluster = new Cluster(
    CLUSTER_NODES.map((node) => ({ ...node })),
    { lazyConnect: true, clusterRetryStrategy: () => null, redisOptions: { connectTimeout: 2_000, maxRetriesPerRequest: 0 } },
  );
  cluster.on('error', () => {});
  let reason = '';
  try {
    await cluster.connect();
    const info = String(await cluster.cluster('INFO'));
    if (info.includes('cluster_state:ok')) return true;
    reason = `cluster_state is not ok: ${info.split('\n')[0]}`;
  } catch (error) {
    reason = String(error);
  } finally {
    cluster.disconnect();
  }
  if (process.env.CI === 'true')
    throw new Error(`the Redis Cluster at ${CLUSTER_NODES_TEXT} is not up under CI=true (.ci/redis-cluster): ${reason}`);
  console.warn(`skipping Redis Cluster tests: no cluster at ${CLUSTER_NODES_TEXT} (${reason}); start one with .ci/redis-cluster`);
  return false;
}

export const CLUSTER_UP = await clusterIsUp();

/** How many keys under `prefix` each master holds (SCAN on each master's own connection). */
export async function keysPerMaster(redis: RedisClient, prefix: string): Promise<number[]> {
  if (!isCluster(redis)) throw new Error('not a cluster');
  return Promise.all(
    redis.nodes('master').map(async (node) => {
      let count = 0;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        count += keys.length;
        cursor = next;
      } while (cursor !== '0');
      return count;
    }),
  );
}
