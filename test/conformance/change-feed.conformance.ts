import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeFeed, ChangeFeedListener, ConfigChangeNotice } from '../../src/domain/ports/change-feed.js';

export interface ChangeFeedFixture {
  /** Two handles on one feed, as two processes of a deployment would hold. */
  readonly publisher: ChangeFeed;
  readonly subscriber: ChangeFeed;
  close(): Promise<void>;
}

export function recordingListener(): ChangeFeedListener & { notices: ConfigChangeNotice[]; resyncs: string[] } {
  const notices: ConfigChangeNotice[] = [];
  const resyncs: string[] = [];
  return { notices, resyncs, changed: (notice) => notices.push(notice), resync: (reason) => resyncs.push(reason) };
}

/** The behaviour every change feed must show. */
export function describeChangeFeedConformance(name: string, make: () => Promise<ChangeFeedFixture>): void {
  describe(`ChangeFeed conformance: ${name}`, () => {
    let fixture: ChangeFeedFixture;

    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.close();
    });

    const notice = (overrides: Partial<ConfigChangeNotice> = {}): ConfigChangeNotice => ({
      kind: 'activity',
      id: `act-${randomUUID().slice(0, 8)}`,
      origin: 'process-a',
      actor: 'alice',
      ...overrides,
    });

    it('delivers a notice published after subscribe to every subscriber, body included', async () => {
      const first = recordingListener();
      const second = recordingListener();
      const subscriptions = [await fixture.subscriber.subscribe(first), await fixture.subscriber.subscribe(second)];
      const sent = notice({ body: { id: 'act-1', params: { copy: 'für dich 🎁' } } });
      await fixture.publisher.publish(sent);
      await expect.poll(() => first.notices, { timeout: 2_000 }).toEqual([sent]);
      await expect.poll(() => second.notices, { timeout: 2_000 }).toEqual([sent]);
      for (const subscription of subscriptions) await subscription.close();
    });

    it('stops delivering once the subscription is closed', async () => {
      const closed = recordingListener();
      const open = recordingListener();
      const subscription = await fixture.subscriber.subscribe(closed);
      const kept = await fixture.subscriber.subscribe(open);
      await subscription.close();
      const sent = notice({ kind: 'template', id: 'item-promotion@4.0' });
      await fixture.publisher.publish(sent);
      await expect.poll(() => open.notices, { timeout: 2_000 }).toEqual([sent]);
      expect(closed.notices).toEqual([]);
      await kept.close();
    });
  });
}
