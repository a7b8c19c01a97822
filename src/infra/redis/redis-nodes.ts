/** A node of a Redis Cluster. Kept apart from the client so that reading settings loads no ioredis. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port,host:port,...` (an IPv6 host in brackets: `[::1]:7001`). Throws an Error whose message
 * says what is wrong with which entry; the settings name the variable.
 */
export function parseRedisNodes(text: string): RedisNode[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('expected host:port[,host:port...]');
  return entries.map((entry, index) => {
    const match = /^(\[[^\]]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) {
      // Named by position, and echoed only when it holds no credentials (a `user:pass@` someone tried).
      const shown = entry.includes('@') ? '(not shown: it holds credentials, which this setting does not take)' : `'${entry}'`;
      throw new Error(`expected host:port with a port 1-65535, and entry ${index + 1} ${shown} is not`);
    }
    return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
  });
}
