import { afterEach, describe, expect, it } from 'vitest';
import { FencedWriteError, TransientError } from '../../../src/domain/errors.js';
import type { InstanceKey, PreparedData } from '../../../src/domain/instance-context.js';
import { createRedisAdapters, type RedisAdapters } from '../../../src/infra/redis/redis-adapters.js';
import { InstanceLocks } from '../../../src/service/instance-lock.js';
import { sleep } from '../../conformance/conformance-support.js';
import { uniqueName } from '../../support/services.js';
import { beforeDeadline } from '../../support/timing.js';
import { isolatedRedisAdapters, keysUnder } from './redis-test-support.js';

const instance: InstanceKey = { activityId: 'act-1', userId: 'u1' };
const lockKey = InstanceLocks.keyOf(instance);

function prepared(eventId: string): PreparedData {
  return { template: 'item-promotion@3.0', preparedAt: new Date().toISOString(), eventId, data: { by: eventId } };
}

/** Blocks this process's event loop: no timer, no renewal, no I/O — as a GC pause or a frozen VM. */
function pauseProcess(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('redis adapters', () => {
  const open: RedisAdapters[] = [];
  function connect(prefix: string, options: Parameters<typeof isolatedRedisAdapters>[1] = {}): RedisAdapters {
    const adapters = isolatedRedisAdapters(prefix, options);
    open.push(adapters);
    return adapters;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((adapters) => adapters.close()));
  });

  it('prefixes every key and gives the keys used together one hash tag', async () => {
    const prefix = `${uniqueName('layout')}:`;
    const { instances, locks, behaviors, traces, redis } = connect(prefix);
    const fence = await locks.tryAcquire(lockKey, 'owner-a', 10_000);
    await instances.putPrepared(instance, prepared('e1'), 10_000, fence);
    await behaviors.record({
      ruleKey: 'browse_3_items',
      userId: 'u1',
      occurrence: { eventId: 'b1', atMs: Date.now() },
      windowMs: 60_000,
      threshold: 3,
    });
    await traces.append({
      eventId: 'e1',
      channelCode: 'home_banner',
      activityId: 'act-1',
      userId: 'u1',
      template: 't@1',
      startedAt: '',
      durationMs: 1,
      status: 'issued',
      steps: [],
    });

    expect(await keysUnder(redis, prefix)).toEqual(
      [
        `${prefix}behavior:{browse_3_items:u1}`,
        `${prefix}behavior:{browse_3_items:u1}:pending`,
        `${prefix}fence:{act-1:u1}`,
        `${prefix}lock:{act-1:u1}`,
        `${prefix}lock:{act-1:u1}:fence`,
        `${prefix}prepared:{act-1:u1}`,
        `${prefix}trace:{e1}`,
        `${prefix}traces:recent`,
        `${prefix}traces:{act-1:u1}`,
      ].sort(),
    );
  });

  it('sets the ttl each key needs, and none on the lock fence counter', async () => {
    const prefix = `${uniqueName('ttl')}:`;
    const { instances, locks, behaviors, traces, redis } = connect(prefix, { traceTtlMs: 50_000, fenceRetentionMs: 900_000 });
    const fence = await locks.tryAcquire(lockKey, 'owner-a', 20_000);
    await instances.putPrepared(instance, prepared('e1'), 10_000, fence);
    await behaviors.record({ ruleKey: 'r', userId: 'u1', occurrence: { eventId: 'b1', atMs: Date.now() }, windowMs: 60_000, threshold: 3 });
    await traces.append({
      eventId: 'e1',
      channelCode: 'c',
      activityId: 'act-1',
      userId: 'u1',
      template: 't@1',
      startedAt: '',
      durationMs: 1,
      status: 'issued',
      steps: [],
    });

    const ttl = async (key: string) => redis.pttl(`${prefix}${key}`);
    expect(await ttl('prepared:{act-1:u1}')).toBeGreaterThan(9_000);
    expect(await ttl('prepared:{act-1:u1}')).toBeLessThanOrEqual(10_000);
    expect(await ttl('fence:{act-1:u1}')).toBeGreaterThan(899_000);
    expect(await ttl('lock:{act-1:u1}')).toBeLessThanOrEqual(20_000);
    // the counter must outlive every lock: were it to restart at 1, every later holder would look stale
    expect(await ttl('lock:{act-1:u1}:fence')).toBe(-1);
    expect(await ttl('behavior:{r:u1}')).toBeLessThanOrEqual(60_000);
    expect(await ttl('behavior:{r:u1}')).toBeGreaterThan(59_000);
    expect(await ttl('behavior:{r:u1}:pending')).toBeGreaterThan(59_000);
    expect(await ttl('trace:{e1}')).toBeLessThanOrEqual(50_000);
    expect(await ttl('trace:{e1}')).toBeGreaterThan(49_000);
  });

  it('keeps fences rising after the lock itself expired', async () => {
    const prefix = `${uniqueName('fence_outlives')}:`;
    const { locks, redis } = connect(prefix);
    const first = await locks.tryAcquire(lockKey, 'owner-a', 50);
    await sleep(120);
    expect(await redis.exists(`${prefix}${lockKey}`)).toBe(0);
    expect(await redis.exists(`${prefix}${lockKey}:fence`)).toBe(1);
    const second = await locks.tryAcquire(lockKey, 'owner-b', 50);
    expect(second).toBe((first ?? 0) + 1);
  });

  it('expires traces after traceTtlMs', async () => {
    await beforeDeadline(async (timing) => {
      const { traces, redis } = connect(`${uniqueName('trace_ttl')}:`, { traceTtlMs: 100 });
      await redis.ping();
      const sentAt = performance.now();
      await traces.append({
        eventId: 'e1',
        channelCode: 'c',
        activityId: 'act-1',
        userId: 'u1',
        template: 't@1',
        startedAt: '',
        durationMs: 1,
        status: 'issued',
        steps: [],
      });
      const found = await traces.byEvent('e1');
      timing.madeIt(sentAt + 100);
      expect(found).toHaveLength(1);
      await sleep(180);
      expect(await traces.byEvent('e1')).toEqual([]);
    });
  });

  it('lets an idle behavior window expire after windowMs', async () => {
    // The keys are there only for the 100 ms window: a check that ran later (a stalled machine) says nothing, and runs again.
    await beforeDeadline(async (timing) => {
      const prefix = `${uniqueName('behavior_ttl')}:`;
      const { behaviors, redis } = connect(prefix);
      await redis.ping(); // connected: the window's clock starts with the first record, not with the handshake
      const record = (eventId: string) =>
        behaviors.record({ ruleKey: 'r', userId: 'u1', occurrence: { eventId, atMs: Date.now() }, windowMs: 100, threshold: 3 });
      const sentAt = performance.now();
      await record('b1');
      // One KEYS: an atomic look in one round trip (a SCAN of a shared Redis takes longer than the window).
      const keys = await redis.keys(`${prefix}*`);
      timing.madeIt(sentAt + 100);
      expect(keys).toHaveLength(2);
      await sleep(180);
      expect(await keysUnder(redis, prefix)).toEqual([]);
      expect(await record('b2')).toMatchObject({ fired: false, count: 1 });
    });
  });

  it('gives a lock to exactly one of 200 callers spread over four connections', async () => {
    const prefix = `${uniqueName('lock_processes')}:`;
    const processes = [connect(prefix), connect(prefix), connect(prefix), connect(prefix)];
    const fences = await Promise.all(
      Array.from({ length: 200 }, (_, i) => processes[i % processes.length]?.locks.tryAcquire(lockKey, `owner-${i}`, 10_000)),
    );
    expect(fences.filter((fence) => fence !== undefined)).toHaveLength(1);
  });

  it('fires a rule once per threshold when behaviors arrive over several connections', async () => {
    const prefix = `${uniqueName('behavior_processes')}:`;
    const processes = [connect(prefix), connect(prefix), connect(prefix)];
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 90 }, (_, i) =>
        processes[i % processes.length]?.behaviors.record({
          ruleKey: 'r',
          userId: 'u1',
          occurrence: { eventId: `b${i % 60}`, atMs: t0 + (i % 60) },
          windowMs: 60_000,
          threshold: 3,
        }),
      ),
    );
    const batches = new Set(results.filter((r) => r?.fired).map((r) => r?.occurrences.map((o) => o.eventId).join(',')));
    expect(batches.size).toBe(20);
  });

  describe('fencing: a holder paused past its ttl cannot overwrite the newer holder', () => {
    it('refuses the stale holder’s write and keeps the newer data', async () => {
      const prefix = `${uniqueName('fencing')}:`;
      const stale = connect(prefix);
      const newer = connect(prefix);

      const staleFence = await stale.locks.tryAcquire(lockKey, 'stale-owner', 100);
      expect(staleFence).toBeDefined();
      await sleep(180); // paused: no renewal, the lock expires

      const newerFence = await newer.locks.tryAcquire(lockKey, 'newer-owner', 10_000);
      expect(newerFence).toBeGreaterThan(staleFence ?? Number.POSITIVE_INFINITY);
      await newer.instances.putPrepared(instance, prepared('newer'), 10_000, newerFence);

      // the stale holder wakes up and carries on as if it still held the lock
      const write = stale.instances.putPrepared(instance, prepared('stale'), 10_000, staleFence);
      await expect(write).rejects.toBeInstanceOf(FencedWriteError);
      await expect(write).rejects.toMatchObject({ code: 'fenced_write', retryable: false });
      expect(await stale.locks.extend(lockKey, 'stale-owner', 10_000)).toBe(false);
      expect(await stale.locks.release(lockKey, 'stale-owner')).toBe(false);

      expect(await newer.instances.getPrepared(instance)).toMatchObject({ eventId: 'newer' });
      expect(await newer.locks.release(lockKey, 'newer-owner')).toBe(true);
    });

    it('holds when the whole process freezes, renewal included', async () => {
      const prefix = `${uniqueName('fencing_pause')}:`;
      const stale = connect(prefix);
      const newer = connect(prefix);
      const staleLocks = new InstanceLocks(stale.locks, { ttlMs: 150, waitMs: 0 });
      const newerLocks = new InstanceLocks(newer.locks, { ttlMs: 10_000, waitMs: 1_000 });

      const staleLease = await staleLocks.acquire(instance);
      expect(staleLease).toBeDefined();
      pauseProcess(300); // renewal timers cannot run while frozen

      const newerLease = await newerLocks.acquire(instance);
      expect(newerLease).toBeDefined();
      await newer.instances.putPrepared(instance, prepared('newer'), 10_000, newerLease?.fence);

      await expect(stale.instances.putPrepared(instance, prepared('stale'), 10_000, staleLease?.fence)).rejects.toBeInstanceOf(
        FencedWriteError,
      );
      expect(await newer.instances.getPrepared(instance)).toMatchObject({ eventId: 'newer' });
      // on waking, renewal finds the lock gone and tells the stale chain to stop
      await expect.poll(() => staleLease?.signal.aborted, { timeout: 1_000 }).toBe(true);
      await staleLease?.release();
      await newerLease?.release();
    });
  });

  describe('faults', () => {
    it('reports a closed connection as a retryable TransientError', async () => {
      const adapters = createRedisAdapters({ url: 'redis://127.0.0.1:6379', prefix: `${uniqueName('closed')}:` });
      await adapters.redis.ping();
      await adapters.close();
      const read = adapters.instances.getPrepared(instance);
      await expect(read).rejects.toBeInstanceOf(TransientError);
      await expect(read).rejects.toMatchObject({ code: 'unavailable', retryable: true });
      await expect(adapters.locks.tryAcquire(lockKey, 'o', 1_000)).rejects.toBeInstanceOf(TransientError);
    });

    it('reports an unreachable Redis as a TransientError within a few retries', async () => {
      const adapters = createRedisAdapters({ url: 'redis://127.0.0.1:1', prefix: 'unreachable:', maxRetriesPerRequest: 1 });
      try {
        const started = Date.now();
        await expect(
          adapters.behaviors.record({
            ruleKey: 'r',
            userId: 'u1',
            occurrence: { eventId: 'b1', atMs: started },
            windowMs: 1_000,
            threshold: 3,
          }),
        ).rejects.toBeInstanceOf(TransientError);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await adapters.close();
      }
    });
  });
});
