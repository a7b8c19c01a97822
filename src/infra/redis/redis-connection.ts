import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from './redis-nodes.js';

export type { RedisNode } from './redis-nodes.js';

/** A connection to one Redis or to a Redis Cluster; every adapter takes either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server by URL, or a cluster by some of its nodes (the client finds the rest). */
export type RedisTarget =
  | { readonly url: string }
  | {
      readonly clusterNodes: readonly RedisNode[];
      readonly username?: string;
      readonly password?: string;
      readonly tls?: boolean;
    };

/** Per-connection behaviour, the same words for a single server and for a cluster. */
export interface RedisConnectionOptions {
  readonly connectionName?: string;
  readonly maxRetriesPerRequest?: number | null;
  readonly enableAutoPipelining?: boolean;
  readonly lazyConnect?: boolean;
  readonly enableOfflineQueue?: boolean;
  readonly autoResendUnfulfilledCommands?: boolean;
}

/**
 * The one place that creates Redis clients. On a cluster, ioredis follows MOVED and ASK, refreshes
 * the slot map after a failover, and loads a script on the node that answers NOSCRIPT; every Lua
 * script's keys share one hash tag (see redis-keys.ts), so each runs on one node.
 */
export function createRedisClient(target: RedisTarget, options: RedisConnectionOptions = {}): RedisClient {
  const nodeOptions = nodeLevelOptions(options);
  if ('url' in target) return new Redis(target.url, { ...nodeOptions, ...clientLevelOptions(options) });
  const redisOptions: RedisOptions = {
    ...nodeOptions,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: {} } : {}),
  };
  const clusterOptions: ClusterOptions = { ...clientLevelOptions(options), redisOptions };
  return new Cluster(
    target.clusterNodes.map((node) => ({ host: node.host, port: node.port })),
    clusterOptions,
  );
}

/** A new connection like `client` (same server or cluster, same credentials), with `options` changed. */
export function duplicateRedisClient(client: RedisClient, options: RedisConnectionOptions = {}): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate([], {
      ...clientLevelOptions(options),
      redisOptions: { ...client.options.redisOptions, ...nodeLevelOptions(options) },
    });
  }
  return client.duplicate({ ...nodeLevelOptions(options), ...clientLevelOptions(options) });
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** `redis://[user:password@]host:port` as one startup node of a cluster, credentials kept. */
export function clusterTargetFromUrl(url: string): RedisTarget {
  const parsed = new URL(url);
  return {
    clusterNodes: [{ host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 6379) }],
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: true } : {}),
  };
}

/** Options that a cluster passes down to each node's connection. */
function nodeLevelOptions(options: RedisConnectionOptions): RedisOptions {
  return {
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    ...(options.maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest: options.maxRetriesPerRequest }),
    ...(options.autoResendUnfulfilledCommands === undefined
      ? {}
      : { autoResendUnfulfilledCommands: options.autoResendUnfulfilledCommands }),
  };
}

/** Options that a cluster client honours itself (a node connection's own would be overridden). */
function clientLevelOptions(options: RedisConnectionOptions): RedisOptions & ClusterOptions {
  return {
    ...(options.enableAutoPipelining === undefined ? {} : { enableAutoPipelining: options.enableAutoPipelining }),
    ...(options.lazyConnect === undefined ? {} : { lazyConnect: options.lazyConnect }),
    ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
  };
}
