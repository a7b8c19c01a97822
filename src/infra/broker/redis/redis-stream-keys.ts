import type { BrokerTopic } from '../broker-options.js';

/**
 * The keys of one broker namespace. Both share the `{name}` hash tag so that they sit in one Cluster
 * slot, which the Lua scripts that touch both need.
 */
export interface RedisStreamKeys {
  readonly stream: string;
  readonly retries: string;
  readonly group: string;
}

/** `{sc}:behaviors` and `{sc}:raw-behaviors`: the namespace is the hash tag, so each topic's keys share a slot. */
export function redisStreamKeys(name: string, topic: BrokerTopic = 'behaviors'): RedisStreamKeys {
  return { stream: `{${name}}:${topic}`, retries: `{${name}}:${topic}:retries`, group: 'workers' };
}
