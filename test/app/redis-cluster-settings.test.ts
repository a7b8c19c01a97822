import { describe, expect, it } from 'vitest';
import { readSettings } from '../../src/app/settings.js';
import { InvalidConfigError } from '../../src/domain/errors.js';

function problems(env: Record<string, string>): string[] {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.details.map((d) => `${d.path}: ${d.message}`);
    throw error;
  }
  return [];
}

describe('settings: REDIS_CLUSTER_NODES and BROKER_STREAM_SHARDS', () => {
  it('parses host:port lists (spaces and an IPv6 host in brackets allowed) into nodes', () => {
    expect(readSettings({ REDIS_CLUSTER_NODES: '127.0.0.1:7001, redis-b:7002,[::1]:7003' }).redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7001 },
      { host: 'redis-b', port: 7002 },
      { host: '::1', port: 7003 },
    ]);
    expect(readSettings({ REDIS_CLUSTER_NODES: '' }).redisClusterNodes).toBeUndefined();
    expect(readSettings({ BROKER_STREAM_SHARDS: '16' }).brokerStreamShards).toBe(16);
  });

  it('names the variable and the bad entry', () => {
    expect(problems({ REDIS_CLUSTER_NODES: '127.0.0.1' })).toEqual([
      "REDIS_CLUSTER_NODES: expected host:port with a port 1-65535, and entry 1 '127.0.0.1' is not, got '127.0.0.1'",
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: '127.0.0.1:7001,redis://b:7002' })[0]).toMatch(
      /^REDIS_CLUSTER_NODES: .*entry 2 'redis:\/\/b:7002' is not/,
    );
    // A password someone tried to put in is never repeated.
    const withPassword = problems({ REDIS_CLUSTER_NODES: 'redis://:s3cret-value@10.0.0.1:6379' }).join('\n');
    expect(withPassword).toMatch(/^REDIS_CLUSTER_NODES: .*entry 1 \(not shown/);
    expect(withPassword).not.toContain('s3cret-value');
    expect(problems({ REDIS_CLUSTER_NODES: 'a:0' })[0]).toMatch(/^REDIS_CLUSTER_NODES: expected host:port with a port 1-65535/);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:70000' })[0]).toMatch(/^REDIS_CLUSTER_NODES: /);
    expect(problems({ REDIS_CLUSTER_NODES: ',,' })[0]).toMatch(/^REDIS_CLUSTER_NODES: expected host:port\[,host:port\.\.\.\]/);
    expect(problems({ BROKER_STREAM_SHARDS: '0' })).toEqual(["BROKER_STREAM_SHARDS: expected a whole number from 1 to 256, got '0'"]);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7001' })).toEqual([
      'REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    ]);
  });
});
