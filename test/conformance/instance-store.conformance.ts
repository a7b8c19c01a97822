import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FencedWriteError } from '../../src/domain/errors.js';
import type { InstanceKey, PreparedData } from '../../src/domain/instance-context.js';
import type { InstanceStore } from '../../src/domain/ports/instance-store.js';
import { beforeDeadline } from '../support/timing.js';
import { type MakeSubject, type Subject, shuffled, sleep } from './conformance-support.js';

const LONG_TTL_MS = 60_000;

function prepared(eventId: string, data: Record<string, unknown> = {}): PreparedData {
  return { template: 'item-promotion@3.0', preparedAt: '2026-03-01T10:00:00.000Z', eventId, data };
}

export function describeInstanceStoreConformance(name: string, make: MakeSubject<InstanceStore>): void {
  describe(`InstanceStore conformance: ${name}`, () => {
    let subject: Subject<InstanceStore>;
    let store: InstanceStore;
    const instance: InstanceKey = { activityId: 'act-1', userId: 'u1' };

    beforeEach(async () => {
      subject = await make();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('returns undefined for an instance never prepared', async () => {
      expect(await store.getPrepared(instance)).toBeUndefined();
    });

    it('reads back what was written, as written', async () => {
      const data = prepared('e1', { items: [{ id: 'sku-1', priceCents: 1999 }], discountPercent: 10, note: 'ünïcödé' });
      await store.putPrepared(instance, data, LONG_TTL_MS);
      expect(await store.getPrepared(instance)).toEqual(data);
    });

    it('keeps instances apart: other activity, other user', async () => {
      await store.putPrepared(instance, prepared('e1'), LONG_TTL_MS);
      expect(await store.getPrepared({ activityId: 'act-1', userId: 'u2' })).toBeUndefined();
      expect(await store.getPrepared({ activityId: 'act-2', userId: 'u1' })).toBeUndefined();
    });

    it('overwrites on a later write', async () => {
      await store.putPrepared(instance, prepared('e1'), LONG_TTL_MS);
      await store.putPrepared(instance, prepared('e2'), LONG_TTL_MS);
      expect((await store.getPrepared(instance))?.eventId).toBe('e2');
    });

    it('forgets prepared data after its ttl', async () => {
      await beforeDeadline(async (timing) => {
        await store.putPrepared(instance, prepared('e1'), 100);
        const found = await store.getPrepared(instance);
        timing.madeIt(timing.startedAt + 100);
        expect(found).toBeDefined();
        await sleep(180);
        expect(await store.getPrepared(instance)).toBeUndefined();
      });
    });

    it('deletes prepared data', async () => {
      await store.putPrepared(instance, prepared('e1'), LONG_TTL_MS);
      await store.deletePrepared(instance);
      expect(await store.getPrepared(instance)).toBeUndefined();
    });

    it('accepts rising and equal fences', async () => {
      await store.putPrepared(instance, prepared('e1'), LONG_TTL_MS, 1);
      await store.putPrepared(instance, prepared('e2'), LONG_TTL_MS, 1);
      await store.putPrepared(instance, prepared('e3'), LONG_TTL_MS, 7);
      expect((await store.getPrepared(instance))?.eventId).toBe('e3');
    });

    it('refuses a write with an older fence and keeps the newer data', async () => {
      await store.putPrepared(instance, prepared('new'), LONG_TTL_MS, 5);
      const stale = store.putPrepared(instance, prepared('stale'), LONG_TTL_MS, 4);
      await expect(stale).rejects.toBeInstanceOf(FencedWriteError);
      await expect(stale).rejects.toMatchObject({ code: 'fenced_write', retryable: false });
      expect((await store.getPrepared(instance))?.eventId).toBe('new');
    });

    it('fences per instance', async () => {
      await store.putPrepared(instance, prepared('e1'), LONG_TTL_MS, 9);
      await store.putPrepared({ activityId: 'act-1', userId: 'u2' }, prepared('e2'), LONG_TTL_MS, 1);
      expect((await store.getPrepared({ activityId: 'act-1', userId: 'u2' }))?.eventId).toBe('e2');
    });

    it('remembers the fence after the data expired or was deleted', async () => {
      await store.putPrepared(instance, prepared('e1'), 80, 5);
      await sleep(150);
      expect(await store.getPrepared(instance)).toBeUndefined();
      await expect(store.putPrepared(instance, prepared('stale'), LONG_TTL_MS, 3)).rejects.toBeInstanceOf(FencedWriteError);

      await store.putPrepared(instance, prepared('e2'), LONG_TTL_MS, 6);
      await store.deletePrepared(instance);
      await expect(store.putPrepared(instance, prepared('stale'), LONG_TTL_MS, 5)).rejects.toBeInstanceOf(FencedWriteError);
      expect(await store.getPrepared(instance)).toBeUndefined();
    });

    it('under concurrent fenced writes, the highest fence wins and every loser is refused', async () => {
      const fences = Array.from({ length: 50 }, (_, i) => i + 1);
      const results = await Promise.allSettled(
        shuffled(fences).map((fence) => store.putPrepared(instance, prepared(`fence-${fence}`), LONG_TTL_MS, fence)),
      );
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(FencedWriteError);
      }
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      expect((await store.getPrepared(instance))?.eventId).toBe('fence-50');
    });
  });
}
