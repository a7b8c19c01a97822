import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Activity } from '../../src/domain/activity.js';
import type { ActivityRepository } from '../../src/domain/ports/activity-repository.js';

export interface ActivityRepositoryFixture {
  readonly port: ActivityRepository;
  close(): Promise<void>;
}

function activity(id: string, overrides: Partial<Activity> = {}): Activity {
  return {
    id,
    name: 'Browse three items, get 10% off one of them',
    template: { id: 'item-promotion', version: '3.0' },
    channels: ['browse_3_items', 'home_banner'],
    window: { startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: Date.parse('2027-01-01T00:00:00Z') },
    status: 'active',
    rules: [
      { path: 'payload.slot', op: 'eq', value: 'top' },
      { path: 'payload.level', op: 'in', value: [1, 2, 3] },
      { path: 'payload.vip', op: 'exists' },
    ],
    benefit: { pool: 'coupon-10off', stock: 1_000, perUser: 1, validForMs: 7 * 86_400_000 },
    preparedTtlMs: 86_400_000,
    params: { discountPercent: 10, copy: { title: 'Ten percent off — für dich 🎁' }, tags: ['a', 'b'], nothing: null },
    ...overrides,
  };
}

/** The behaviour every activity repository must show, whatever stores it. */
export function describeActivityRepositoryConformance(name: string, make: () => Promise<ActivityRepositoryFixture>): void {
  describe(`ActivityRepository conformance: ${name}`, () => {
    let fixture: ActivityRepositoryFixture;
    let repository: ActivityRepository;
    /** Ids and channel codes unique to the test, so a shared store would not mix tests. */
    let prefix: string;

    beforeEach(async () => {
      fixture = await make();
      repository = fixture.port;
      prefix = `t${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await fixture.close();
    });

    const ids = (activities: readonly Activity[]) => activities.map((a) => a.id).sort();
    const mine = (activities: readonly Activity[]) => activities.filter((a) => a.id.startsWith(prefix));

    it('returns undefined for an unknown activity', async () => {
      expect(await repository.get(`${prefix}-missing`)).toBeUndefined();
    });

    it('stores the whole aggregate and gives it back equal', async () => {
      const stored = activity(`${prefix}-1`, { lock: true });
      await repository.put(stored);
      expect(await repository.get(stored.id)).toEqual(stored);
      const withoutLock = activity(`${prefix}-2`);
      await repository.put(withoutLock);
      const read = await repository.get(withoutLock.id);
      expect(read).toEqual(withoutLock);
      expect(read?.lock).toBeUndefined();
    });

    it('put replaces the activity, including the channels it is found by', async () => {
      const id = `${prefix}-1`;
      await repository.put(activity(id, { channels: [`${prefix}_old`, `${prefix}_kept`] }));
      const changed = activity(id, { channels: [`${prefix}_new`, `${prefix}_kept`], status: 'paused', name: 'renamed' });
      await repository.put(changed);
      expect(await repository.get(id)).toEqual(changed);
      expect(await repository.listByChannel(`${prefix}_old`)).toEqual([]);
      expect(await repository.listByChannel(`${prefix}_new`)).toEqual([changed]);
      expect(await repository.listByChannel(`${prefix}_kept`)).toEqual([changed]);
      expect(mine(await repository.list())).toEqual([changed]);
    });

    it('lists by channel every bound activity whatever its status or window, and only those', async () => {
      const channel = `${prefix}_banner`;
      const active = activity(`${prefix}-a`, { channels: [channel, `${prefix}_other`] });
      const paused = activity(`${prefix}-b`, { channels: [channel], status: 'paused' });
      const ended = activity(`${prefix}-c`, { channels: [channel], status: 'ended', window: { startMs: 0, endMs: 1 } });
      const unbound = activity(`${prefix}-d`, { channels: [`${prefix}_other`] });
      for (const a of [active, paused, ended, unbound]) await repository.put(a);
      expect(ids(await repository.listByChannel(channel))).toEqual(ids([active, paused, ended]));
      expect(ids(await repository.listByChannel(`${prefix}_other`))).toEqual(ids([active, unbound]));
      expect(await repository.listByChannel(`${prefix}_nobody`)).toEqual([]);
      // A channel code is matched whole, never as a prefix or pattern.
      expect(await repository.listByChannel(`${prefix}_bann`)).toEqual([]);
      expect(await repository.listByChannel('%')).toEqual([]);
    });

    it('lists every activity once', async () => {
      const all = [activity(`${prefix}-1`), activity(`${prefix}-2`), activity(`${prefix}-3`, { channels: [] })];
      for (const a of all) await repository.put(a);
      await repository.put(all[0] as Activity);
      const listed = mine(await repository.list());
      expect(ids(listed)).toEqual(ids(all));
      expect(listed.find((a) => a.id === `${prefix}-3`)).toEqual(all[2]);
    });
  });
}
