import { afterEach, describe, expect, it } from 'vitest';
import type { RecentEvent, RecentEventLog } from '../../src/domain/ports/recent-events.js';
import type { MakeSubject, Subject } from './conformance-support.js';

function event(n: number, overrides: Partial<RecentEvent> = {}): RecentEvent {
  return {
    eventId: `e${n}`,
    channelCode: 'home_banner',
    userId: `u${n}`,
    activityIds: ['act-1'],
    status: 'issued',
    outcomes: [{ activityId: 'act-1', status: 'issued' }],
    receivedAt: new Date(Date.UTC(2026, 2, 1, 10, 0, 0, n)).toISOString(),
    durationMs: 1.5,
    ...overrides,
  };
}

export function describeRecentEventsConformance(name: string, make: MakeSubject<RecentEventLog, { capacity: number }>): void {
  describe(`RecentEventLog conformance: ${name}`, () => {
    let subject: Subject<RecentEventLog> | undefined;

    async function open(capacity = 100): Promise<RecentEventLog> {
      subject = await make({ capacity });
      return subject.store;
    }
    afterEach(async () => {
      await subject?.close();
      subject = undefined;
    });

    it('answers the newest first, up to the limit, as appended', async () => {
      const log = await open();
      for (let n = 1; n <= 5; n++) await log.append(event(n));
      expect((await log.recent({ limit: 3 })).map((e) => e.eventId)).toEqual(['e5', 'e4', 'e3']);
      expect(await log.recent({ limit: 1 })).toEqual([event(5)]);
    });

    it('keeps every event appended concurrently', async () => {
      const log = await open();
      await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(event(i))));
      expect(new Set((await log.recent({ limit: 100 })).map((e) => e.eventId)).size).toBe(30);
    });

    it('filters by channel and status over every retained event, not only the newest `limit`', async () => {
      const log = await open();
      await log.append(event(1, { channelCode: 'browse_3_items', status: 'prepared' }));
      for (let n = 2; n <= 20; n++) await log.append(event(n, n % 2 ? { status: 'rejected' } : {}));
      expect((await log.recent({ limit: 5, channelCode: 'browse_3_items' })).map((e) => e.eventId)).toEqual(['e1']);
      expect((await log.recent({ limit: 2, status: 'rejected' })).map((e) => e.eventId)).toEqual(['e19', 'e17']);
      expect((await log.recent({ limit: 50, channelCode: 'home_banner', status: 'issued' })).length).toBe(10);
      expect(await log.recent({ limit: 5, channelCode: 'nowhere' })).toEqual([]);
    });

    it('keeps at most its capacity, dropping the oldest', async () => {
      const log = await open(4);
      for (let n = 1; n <= 7; n++) await log.append(event(n));
      expect((await log.recent({ limit: 10 })).map((e) => e.eventId)).toEqual(['e7', 'e6', 'e5', 'e4']);
    });
  });
}
