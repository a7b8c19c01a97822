import { describe, expect, it } from 'vitest';
import type { Activity } from '../../src/domain/activity.js';
import type { ActivityRepository } from '../../src/domain/ports/activity-repository.js';
import { MemoryActivityRepository } from '../../src/infra/memory/memory-activity-repository.js';
import { CachedActivityRepository } from '../../src/service/cached-activity-repository.js';

function activity(id: string, overrides: Partial<Activity> = {}): Activity {
  return {
    id,
    name: id,
    template: { id: 'item-promotion', version: '3.0' },
    channels: ['home_banner'],
    window: { startMs: 0, endMs: Date.parse('2030-01-01T00:00:00Z') },
    status: 'active',
    rules: [],
    benefit: { pool: 'p', stock: 10, perUser: 1, validForMs: 1000 },
    preparedTtlMs: 1000,
    params: { discountPercent: 10 },
    ...overrides,
  };
}

/** Counts the reads that reach the store, and lets a test hold a `list` in flight. */
class CountingRepository implements ActivityRepository {
  readonly inner = new MemoryActivityRepository();
  reads = 0;
  hold: Promise<void> | undefined;

  async get(id: string) {
    this.reads += 1;
    return this.inner.get(id);
  }
  async listByChannel(channel: string) {
    this.reads += 1;
    return this.inner.listByChannel(channel);
  }
  async list() {
    this.reads += 1;
    const all = await this.inner.list();
    await this.hold;
    return all;
  }
  put(a: Activity) {
    return this.inner.put(a);
  }
}

describe('CachedActivityRepository', () => {
  it('serves every read from its snapshot: no store query per event', async () => {
    const store = new CountingRepository();
    await store.put(activity('a1'));
    await store.put(activity('a2', { channels: ['home_banner', 'browse_3_items'] }));
    const cache = new CachedActivityRepository(store);
    await cache.refresh();
    const reads = store.reads;
    for (let i = 0; i < 1000; i++) await cache.listByChannel('home_banner');
    expect((await cache.listByChannel('home_banner')).map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await cache.listByChannel('browse_3_items')).map((a) => a.id)).toEqual(['a2']);
    expect(await cache.listByChannel('nobody')).toEqual([]);
    expect((await cache.get('a2'))?.id).toBe('a2');
    expect((await cache.list()).length).toBe(2);
    expect(store.reads).toBe(reads);
  });

  it('sees changes made elsewhere only on refresh, as new frozen objects; held ones stay as they were', async () => {
    const store = new CountingRepository();
    await store.put(activity('a1'));
    const cache = new CachedActivityRepository(store);
    await cache.refresh();
    const held = await cache.get('a1');
    expect(Object.isFrozen(held)).toBe(true);
    expect(Object.isFrozen(held?.params)).toBe(true);
    await store.put(activity('a1', { params: { discountPercent: 20 } }));
    expect((await cache.get('a1'))?.params).toEqual({ discountPercent: 10 });
    await cache.refresh();
    expect((await cache.get('a1'))?.params).toEqual({ discountPercent: 20 });
    expect(held?.params).toEqual({ discountPercent: 10 });
  });

  it('its own writes are visible at once, and a reload that overlapped a write is not installed', async () => {
    const store = new CountingRepository();
    await store.put(activity('a1'));
    const cache = new CachedActivityRepository(store);
    await cache.refresh();
    let release = () => {};
    store.hold = new Promise((resolve) => {
      release = resolve;
    });
    const refreshing = cache.refresh();
    // The reload has read the old a1 and waits; this write lands meanwhile.
    await cache.put(activity('a1', { name: 'renamed' }));
    expect((await cache.get('a1'))?.name).toBe('renamed');
    store.hold = undefined;
    release();
    await refreshing;
    expect((await cache.get('a1'))?.name).toBe('renamed');
    expect((await cache.listByChannel('home_banner')).map((a) => a.name)).toEqual(['renamed']);
  });

  it('refreshes requested during a refresh share it and cause exactly one more', async () => {
    const store = new CountingRepository();
    const cache = new CachedActivityRepository(store);
    let release = () => {};
    store.hold = new Promise((resolve) => {
      release = resolve;
    });
    const first = cache.refresh();
    const others = [cache.refresh(), cache.refresh(), cache.refresh()];
    store.hold = undefined;
    release();
    await Promise.all([first, ...others]);
    expect(store.reads).toBe(2);
  });
});
