import type { BrokerTopic } from '../broker-options.js';

/**
 * The keys of one broker namespace. A stream and its retry schedule share one hash tag so that they
 * sit in one Cluster slot, which the Lua scripts that touch both need.
 *
 * One stream (`{name}:behaviors`, the layout before sharding) or several, each with a tag of its own
 * (`{name:s3}:behaviors`) so that on a cluster they spread over the masters instead of pinning one.
 */
export interface RedisStreamKeys {
  readonly stream: string;
  readonly retries: string;
  readonly group: string;
}

/**
 * One topic's keys: `{sc}:behaviors` or `{sc}:raw-behaviors` unsharded, `{sc:s3}:behaviors` for shard 3.
 * The hash tag is the namespace (and shard), so a stream and its retries share a slot.
 */
export function redisStreamKeys(name: string, topic: BrokerTopic = 'behaviors', shard?: number): RedisStreamKeys {
  const tag = shard === undefined ? `{${name}}` : `{${name}:s${shard}}`;
  return { stream: `${tag}:${topic}`, retries: `${tag}:${topic}:retries`, group: 'workers' };
}

/** Every stream of a topic that runs on `count` shards; one shard keeps the unsharded names. */
export function redisStreamShards(name: string, count: number, topic: BrokerTopic = 'behaviors'): RedisStreamKeys[] {
  if (count === 1) return [redisStreamKeys(name, topic)];
  return Array.from({ length: count }, (_, shard) => redisStreamKeys(name, topic, shard));
}

/** Holds the shard count the topic was started with; a process asking for another is refused. */
export function redisStreamShardCountKey(name: string, topic: BrokerTopic = 'behaviors'): string {
  return `{${name}}:${topic}:shards`;
}

/**
 * The shard of a routing key (the user id): FNV-1a, so that every process picks the same shard and
 * one user's messages stay in one stream, in order.
 */
export function streamShardOf(routingKey: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < routingKey.length; i++) {
    hash ^= routingKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}
