/**
 * The keys of one broker namespace. Both share the `{name}` hash tag so that they sit in one Cluster
 * slot, which the Lua scripts that touch both need.
 */
export interface RedisStreamKeys {
  readonly stream: string;
  readonly retries: string;
  readonly group: string;
}

export function redisStreamKeys(name: string): RedisStreamKeys {
  return { stream: `{${name}}:behaviors`, retries: `{${name}}:behaviors:retries`, group: 'workers' };
}
