import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeLog } from '../../src/domain/ports/change-log.js';

export interface ChangeLogFixture {
  readonly port: ChangeLog;
  close(): Promise<void>;
}

/** The behaviour every change log must show. */
export function describeChangeLogConformance(name: string, make: () => Promise<ChangeLogFixture>): void {
  describe(`ChangeLog conformance: ${name}`, () => {
    let fixture: ChangeLogFixture;
    let log: ChangeLog;
    let prefix: string;

    beforeEach(async () => {
      fixture = await make();
      log = fixture.port;
      prefix = `c${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('records who, when, before and after, and lists newest first', async () => {
      const at = Date.parse('2026-11-25T08:00:00.123Z');
      const created = await log.append({
        atMs: at,
        actor: 'alice',
        kind: 'activity',
        id: `${prefix}-1`,
        before: null,
        after: { id: `${prefix}-1`, params: { discountPercent: 10, copy: 'für dich 🎁', nothing: null } },
      });
      expect(created).toMatchObject({ at: '2026-11-25T08:00:00.123Z', actor: 'alice', kind: 'activity', id: `${prefix}-1`, before: null });
      const changed = await log.append({
        atMs: at + 1000,
        actor: 'file:/etc/sc.yaml',
        kind: 'activity',
        id: `${prefix}-1`,
        before: created.after,
        after: { id: `${prefix}-1`, params: { discountPercent: 20 } },
      });
      expect(changed.seq).toBeGreaterThan(created.seq);
      const template = await log.append({
        atMs: at + 2000,
        actor: 'admin-api',
        kind: 'template',
        id: `${prefix}@1.0`,
        before: null,
        after: { id: prefix, version: '1.0', lock: false, chains: { a: ['b'] } },
      });
      const listed = (await log.list({ limit: 100 })).filter((c) => c.id.startsWith(prefix));
      expect(listed).toEqual([template, changed, created]);
      expect(listed[2]?.after).toEqual({ id: `${prefix}-1`, params: { discountPercent: 10, copy: 'für dich 🎁', nothing: null } });
    });

    it('filters by kind and id, and honours the limit', async () => {
      for (let i = 0; i < 5; i++) {
        await log.append({ atMs: Date.now(), actor: 'a', kind: 'activity', id: `${prefix}-${i % 2}`, before: null, after: { i } });
      }
      await log.append({ atMs: Date.now(), actor: 'a', kind: 'template', id: `${prefix}-0`, before: null, after: {} });
      const byId = await log.list({ limit: 100, kind: 'activity', id: `${prefix}-0` });
      expect(byId.map((c) => c.after)).toEqual([{ i: 4 }, { i: 2 }, { i: 0 }]);
      expect(await log.list({ limit: 2, kind: 'activity', id: `${prefix}-0` })).toEqual(byId.slice(0, 2));
      expect((await log.list({ limit: 100, kind: 'template', id: `${prefix}-0` })).length).toBe(1);
    });

    it('remembers what the file applied, as a compare-and-set one process wins', async () => {
      const id = `${prefix}-file`;
      expect(await log.appliedFileHash('activity', id)).toBeUndefined();
      const claims = await Promise.all(
        Array.from({ length: 6 }, () =>
          log.swapAppliedFileHash({ kind: 'activity', id, expected: undefined, next: 'h1', source: '/a.yaml' }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await log.appliedFileHash('activity', id)).toBe('h1');
      expect(await log.swapAppliedFileHash({ kind: 'activity', id, expected: 'stale', next: 'h2', source: '/a.yaml' })).toBe(false);
      expect(await log.swapAppliedFileHash({ kind: 'activity', id, expected: 'h1', next: 'h2', source: '/a.yaml' })).toBe(true);
      expect(await log.appliedFileHash('activity', id)).toBe('h2');
      expect(await log.appliedFileHash('template', id)).toBeUndefined();
      expect(await log.swapAppliedFileHash({ kind: 'activity', id, expected: 'h2', next: undefined, source: '/a.yaml' })).toBe(true);
      expect(await log.appliedFileHash('activity', id)).toBeUndefined();
    });
  });
}
