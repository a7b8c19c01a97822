import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.js';
import type { Processor } from '../../src/domain/processor.js';
import type { StrategyTemplate } from '../../src/domain/strategy-template.js';
import { createRedisAdapters } from '../../src/infra/redis/redis-adapters.js';
import { InstanceLocks } from '../../src/service/instance-lock.js';
import { sampleConfigFile } from '../support/sample-app.js';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { sleep } from './support/deployment.js';
import { LockHolderProcess } from './support/lock-holder-process.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

const CHAIN_TTL_MS = 300;

/** Blocks the whole process — timers, renewal, I/O — as a long GC pause or a frozen VM would. */
function freezeProcess(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Scenario 6: a holder whose lock expired tries to extend or release it after another took it: both
 * are refused (compare-and-extend, compare-and-delete), the new holder's lock stays. And a chain
 * whose process froze past its lock's TTL stops before its next processor: renewal finds the lock
 * gone, the lease's AbortSignal fires, and runChain throws LockLostError instead of running on.
 */
describe('6. release or extension after expiry', () => {
  it(`${SIZES.staleLockRounds} stale extends and releases cannot remove the new holder's lock`, async (context) => {
    const prefix = `${uniqueName('chaos_stale_ops')}:`;
    const stale = createRedisAdapters({ url: REDIS_URL, prefix });
    const newer = createRedisAdapters({ url: REDIS_URL, prefix });
    try {
      const keys = Array.from({ length: SIZES.staleLockRounds }, (_, i) =>
        InstanceLocks.keyOf({ activityId: 'act-lock', userId: `stale-${i}` }),
      );
      const staleFences = await Promise.all(keys.map((key) => stale.locks.tryAcquire(key, `stale-${key}`, 50)));
      await sleep(150);
      const newerFences = await Promise.all(keys.map((key) => newer.locks.tryAcquire(key, `newer-${key}`, 10_000)));
      const extended = await Promise.all(keys.map((key) => stale.locks.extend(key, `stale-${key}`, 10_000)));
      const released = await Promise.all(keys.map((key) => stale.locks.release(key, `stale-${key}`)));
      const holders = await Promise.all(keys.map((key) => newer.redis.get(`${prefix}${key}`)));
      const newerReleased = await Promise.all(keys.map((key) => newer.locks.release(key, `newer-${key}`)));

      const staleSucceeded = extended.filter(Boolean).length + released.filter(Boolean).length;
      const newerLost = keys.filter((key, i) => holders[i] !== `newer-${key}` || newerReleased[i] !== true).length;
      recordScenario(context, {
        scenario: '6',
        title: 'stale extend / release after expiry',
        events: keys.length * 2,
        assetsIssued: 0,
        duplicates: staleSucceeded,
        oversell: 0,
        lost: newerLost,
        deadLettered: 0,
        faults: 'locks expired under their holders',
      });

      expect(staleFences.every((fence) => typeof fence === 'number')).toBe(true);
      expect(newerFences.map((fence, i) => (fence ?? 0) > (staleFences[i] ?? Number.POSITIVE_INFINITY))).toEqual(keys.map(() => true));
      expect(staleSucceeded).toBe(0);
      expect(newerLost).toBe(0);
    } finally {
      const left = await stale.redis.keys(`${prefix}*`);
      if (left.length > 0) await stale.redis.unlink(...left);
      await Promise.all([stale.close(), newer.close()]);
    }
  });

  it(`${SIZES.frozenChains} chains frozen past their lock's TTL while another process takes the lock: each stops before its next processor`, async (context) => {
    const namespace = uniqueName('chaos_frozen');
    const ran: string[] = [];
    let contender: LockHolderProcess | undefined;
    // arm → freeze (the lock expires, the contender takes it) → a little I/O → after (must never run)
    const processors: Processor[] = [
      {
        name: 'chaos-arm',
        validate: () => true,
        async process() {
          contender?.send('go');
          await sleep(50); // the contender is polling now, and finding the lock taken
        },
      },
      {
        name: 'chaos-freeze',
        validate: () => true,
        async process() {
          freezeProcess(CHAIN_TTL_MS * 3);
          await sleep(CHAIN_TTL_MS); // the I/O after the pause, during which renewal runs again
        },
      },
      {
        name: 'chaos-after',
        validate: () => true,
        async process(ctx) {
          ran.push(ctx.userId);
          ctx.settle('prepared');
        },
      },
    ];
    const template: StrategyTemplate = {
      id: 'chaos-lock',
      version: '1.0',
      lock: true,
      channels: ['chaos_hold'],
      chainFor: (channel) => (channel === 'chaos_hold' ? processors.map((p) => p.name) : []),
      createExtensions: () => ({}),
    };
    const configPath = sampleConfigFile((config) => {
      config.activities.push({
        id: 'act-lock',
        name: 'a chain that freezes while holding its lock',
        template: 'chaos-lock@1.0',
        channels: ['chaos_hold'],
        window: { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
        benefit: { pool: 'chaos-pool', stock: 10, perUser: 1, validFor: '1d' },
      });
    });
    const app = await createApp({
      configPath,
      env: { REDIS_URL, NAMESPACE: namespace },
      templates: [template],
      processors: () => processors,
      lock: { ttlMs: CHAIN_TTL_MS, waitMs: 2_000, retryDelayMs: 5 },
    });
    const redis = createRedisAdapters({ url: REDIS_URL, prefix: `${namespace}:` });
    try {
      const runs = [];
      for (let i = 0; i < SIZES.frozenChains; i++) {
        const userId = `frozen-${i}`;
        contender = LockHolderProcess.start({ prefix: `${namespace}:`, activityId: 'act-lock', userId, ttlMs: 10_000, mode: 'contend' });
        await contender.next('ready');
        const result = await app.dispatcher.dispatch({ channelCode: 'chaos_hold', userId, eventId: `frozen-${i}` });
        const acquired = await contender.next('acquired');
        const lockValue = await redis.redis.get(`${namespace}:${InstanceLocks.keyOf({ activityId: 'act-lock', userId })}`);
        const contenderStatus = await contender.ask('status');
        runs.push({ userId, outcome: result.outcomes[0], trace: result.traces[0], acquired, lockValue, contenderStatus });
        await contender.stop();
      }

      const stoppedRight = runs.filter(
        (run) =>
          run.outcome?.status === 'failed' &&
          /lock .* was lost/.test(run.outcome.reason ?? '') &&
          run.trace?.steps.find((step) => step.processor === 'chaos-after')?.error?.code === 'lock_lost',
      );
      const contenderKept = runs.filter((run) => run.lockValue === run.acquired.owner && run.contenderStatus.aborted === false);
      recordScenario(context, {
        scenario: '6',
        title: 'chain frozen past its lock TTL',
        events: runs.length,
        assetsIssued: 0,
        duplicates: ran.length,
        oversell: 0,
        lost: runs.length - contenderKept.length,
        deadLettered: 0,
        faults: `${runs.length} chains frozen ${CHAIN_TTL_MS * 3} ms holding a ${CHAIN_TTL_MS} ms lock`,
      });

      expect(ran).toEqual([]);
      expect(stoppedRight.map((run) => run.userId)).toEqual(runs.map((run) => run.userId));
      for (const run of runs) {
        expect(run.trace?.steps.map((step) => `${step.processor}:${step.status}`)).toEqual([
          'chaos-arm:ran',
          'chaos-freeze:ran',
          'chaos-after:failed',
        ]);
        expect(run.acquired.fence).toBeGreaterThan(run.trace?.lock?.fence ?? Number.POSITIVE_INFINITY);
      }
      expect(contenderKept).toHaveLength(runs.length);
    } finally {
      await contender?.stop();
      await app.close();
      const left = await redis.redis.keys(`${namespace}:*`);
      if (left.length > 0) await redis.redis.unlink(...left);
      await redis.close();
    }
  });
});
