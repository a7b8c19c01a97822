import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FencedWriteError } from '../../src/domain/errors.js';
import type { PreparedData } from '../../src/domain/instance-context.js';
import { createRedisAdapters } from '../../src/infra/redis/redis-adapters.js';
import { deleteKeys } from '../infra/redis/redis-test-support.js';
import { uniqueName } from '../support/services.js';
import { CLUSTER_NODES, CLUSTER_TARGET, CLUSTER_UP } from './cluster-support.js';

/** Moves `slot` with its keys from one master to another, as `redis-cli --cluster reshard` does. */
async function moveSlot(slot: number, from: Redis, to: Redis, masters: readonly Redis[]): Promise<void> {
  const fromId = String(await from.cluster('MYID'));
  const toId = String(await to.cluster('MYID'));
  await to.cluster('SETSLOT', slot, 'IMPORTING', fromId);
  await from.cluster('SETSLOT', slot, 'MIGRATING', toId);
  for (;;) {
    const keys = (await from.cluster('GETKEYSINSLOT', slot, 100)) as string[];
    if (keys.length === 0) break;
    await from.migrate(String(to.options.host), Number(to.options.port), '', 0, 5_000, 'KEYS', ...keys);
  }
  for (const master of masters) await master.cluster('SETSLOT', slot, 'NODE', toId);
}

describe.skipIf(!CLUSTER_UP)('Redis adapters while a slot moves to another master', () => {
  it('follow MOVED to the new owner, and the fenced write script (not cached there yet) still refuses a stale fence', async () => {
    const prefix = `${uniqueName('cluster_moved')}:`;
    const adapters = createRedisAdapters({ ...CLUSTER_TARGET, prefix });
    const nodes = CLUSTER_NODES.map((node) => new Redis({ host: node.host, port: node.port }));
    const instance = { activityId: 'act-moved', userId: 'u1' };
    const lockKey = 'lock:{act-moved:u1}';
    const data = (eventId: string): PreparedData => ({ template: 't@1', eventId, preparedAt: new Date().toISOString(), data: {} });
    let moved: { slot: number; from: Redis; to: Redis } | undefined;
    try {
      const firstFence = (await adapters.locks.tryAcquire(lockKey, 'first', 30_000)) as number;
      await adapters.instances.putPrepared(instance, data('e1'), 60_000, firstFence);
      await adapters.locks.release(lockKey, 'first');

      const slot = Number(await nodes[0]?.cluster('KEYSLOT', `${prefix}prepared:{act-moved:u1}`));
      const owners = await Promise.all(nodes.map(async (node) => ((await node.cluster('COUNTKEYSINSLOT', slot)) as number) > 0));
      const from = nodes[owners.indexOf(true)] as Redis;
      const to = nodes.find((node) => node !== from) as Redis;
      await moveSlot(slot, from, to, nodes);
      moved = { slot, from, to };
      // Script caches are per node; the new owner must not have this one yet for the test to mean it.
      await to.script('FLUSH');

      // The adapters' slot map still names the old owner: each command is answered MOVED and followed.
      expect((await adapters.instances.getPrepared(instance))?.eventId).toBe('e1');
      const secondFence = (await adapters.locks.tryAcquire(lockKey, 'second', 30_000)) as number;
      expect(secondFence).toBeGreaterThan(firstFence);
      await adapters.instances.putPrepared(instance, data('e2'), 60_000, secondFence);
      await expect(adapters.instances.putPrepared(instance, data('stale'), 60_000, firstFence)).rejects.toBeInstanceOf(FencedWriteError);
      expect((await adapters.instances.getPrepared(instance))?.eventId).toBe('e2');
      expect(Number(await to.cluster('COUNTKEYSINSLOT', slot))).toBeGreaterThan(0);
    } finally {
      if (moved) await moveSlot(moved.slot, moved.to, moved.from, nodes);
      await deleteKeys(adapters.redis, prefix);
      await adapters.close();
      for (const node of nodes) node.disconnect();
    }
  });
});
