import { describe, expect, it } from 'vitest';
import type { InstanceKey, PreparedData } from '../../src/domain/instance-context.js';
import { createRedisAdapters } from '../../src/infra/redis/redis-adapters.js';
import { InstanceLocks } from '../../src/service/instance-lock.js';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { sleep } from './support/deployment.js';
import { LockHolderProcess } from './support/lock-holder-process.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

const TTL_MS = 300;

function prepared(eventId: string): PreparedData {
  return { template: 'chaos@1.0', preparedAt: new Date().toISOString(), eventId, data: { by: eventId } };
}

/**
 * Scenario 5: a process holding an instance lock is frozen (SIGSTOP) past the lock's TTL — renewal
 * cannot run — while this process takes the lock and writes the instance's prepared data. Resumed
 * (SIGCONT), the stale holder writes as if it still held the lock: the fencing token refuses it, the
 * newer data stays, and its own renewal tells it (the AbortSignal) that the lock is gone.
 */
describe('5. a lock holder paused (SIGSTOP) past its TTL', () => {
  it(`${SIZES.pausedHolders} holders, each in its own process, frozen while another takes the lock and writes: the stale writes are refused`, async (context) => {
    const prefix = `${uniqueName('chaos_paused')}:`;
    const adapters = createRedisAdapters({ url: REDIS_URL, prefix });
    const newerLocks = new InstanceLocks(adapters.locks, { ttlMs: 10_000, waitMs: 5_000 });
    const holders: LockHolderProcess[] = [];
    try {
      const rounds = await Promise.all(
        Array.from({ length: SIZES.pausedHolders }, async (_, i) => {
          const instance: InstanceKey = { activityId: 'act-lock', userId: `paused-${i}` };
          const holder = LockHolderProcess.start({ prefix, ...instance, ttlMs: TTL_MS, mode: 'hold' });
          holders.push(holder);
          const acquired = await holder.next('acquired');
          holder.signal('SIGSTOP');
          await sleep(TTL_MS * 2);

          const newer = await newerLocks.acquire(instance);
          if (!newer) throw new Error(`the lock of ${instance.userId} did not expire while its holder was stopped`);
          await adapters.instances.putPrepared(instance, prepared(`newer-${i}`), 60_000, newer.fence);

          holder.signal('SIGCONT');
          const write = await holder.ask('write stale');
          const extend = await holder.ask('extend');
          const release = await holder.ask('release');
          let aborted = false;
          for (let tries = 0; tries < 50 && !aborted; tries++) {
            aborted = (await holder.ask('status')).aborted === true;
            if (!aborted) await sleep(20);
          }
          const lockValue = await adapters.redis.get(`${prefix}${InstanceLocks.keyOf(instance)}`);
          const stored = await adapters.instances.getPrepared(instance);
          await newer.release();
          return {
            i,
            staleFence: acquired.fence as number,
            newerFence: newer.fence,
            write,
            extend,
            release,
            aborted,
            lockValue,
            newerOwner: newer.owner,
            stored,
          };
        }),
      );

      const staleAccepted = rounds.filter((r) => r.write.ok !== false || r.write.code !== 'fenced_write').length;
      const staleLockOps = rounds.filter((r) => r.extend.ok !== false || r.release.ok !== false).length;
      const newerLost = rounds.filter((r) => r.stored?.eventId !== `newer-${r.i}` || r.lockValue !== r.newerOwner).length;
      recordScenario(context, {
        scenario: '5',
        title: 'lock holder paused past its TTL',
        events: rounds.length * 3,
        assetsIssued: 0,
        duplicates: staleAccepted + staleLockOps,
        oversell: 0,
        lost: newerLost,
        deadLettered: 0,
        faults: `${rounds.length} holder processes SIGSTOPped for ${TTL_MS * 2} ms, then SIGCONT`,
      });

      for (const round of rounds) {
        expect(round.newerFence).toBeGreaterThan(round.staleFence);
        expect(round.write).toMatchObject({ ok: false, code: 'fenced_write' });
        expect(round.extend).toMatchObject({ ok: false });
        expect(round.release).toMatchObject({ ok: false });
        expect(round.aborted).toBe(true);
        expect(round.lockValue).toBe(round.newerOwner);
        expect(round.stored?.eventId).toBe(`newer-${round.i}`);
      }
    } finally {
      await Promise.all(holders.map((holder) => holder.stop()));
      const keys = await adapters.redis.keys(`${prefix}*`);
      if (keys.length > 0) await adapters.redis.unlink(...keys);
      await adapters.close();
    }
  });
});
