import { describe, expect, it } from 'vitest';
import { BehaviorIntake } from '../../src/access/behavior-intake.js';
import type { BehaviorCounter } from '../../src/domain/ports/behavior-counter.js';
import type { BehaviorMessage, Broker } from '../../src/domain/ports/broker.js';
import { MemoryBehaviorCounter } from '../../src/infra/memory/memory-behavior-counter.js';

const rules = () => [{ key: 'browse_3_items', type: 'item_view', count: 3, withinMs: 86_400_000 }];
const clock = { nowMs: () => Date.now() };
const view = (userId: string, i: number) => ({ userId, type: 'item_view', itemId: `sku-${i}`, eventId: `${userId}-v${i}` });

/** A broker that keeps what it accepts and refuses the messages of the users named. */
function brokerRefusing(users: readonly string[]): Broker & { readonly published: BehaviorMessage[] } {
  const published: BehaviorMessage[] = [];
  return {
    published,
    publish: async (message: BehaviorMessage) => {
      if (users.includes(message.userId)) throw new Error('broker down');
      published.push(message);
    },
  } as unknown as Broker & { readonly published: BehaviorMessage[] };
}

describe('BehaviorIntake.recordMany', () => {
  it('fails only the behavior whose fired message the broker refused; its retry publishes the same message once', async () => {
    const counter = new MemoryBehaviorCounter();
    const behaviors = [0, 1, 2].flatMap((i) => [view('ok', i), view('down', i)]);
    const refusing = brokerRefusing(['down']);
    const outcomes = await new BehaviorIntake({ rules, counter, broker: refusing, clock }).recordMany(behaviors);
    expect(outcomes.slice(0, 4)).toEqual([
      { eventId: 'ok-v0', fired: [] },
      { eventId: 'down-v0', fired: [] },
      { eventId: 'ok-v1', fired: [] },
      { eventId: 'down-v1', fired: [] },
    ]);
    expect(outcomes[4]).toEqual({ eventId: 'ok-v2', fired: ['browse_3_items'] });
    const failed = outcomes[5];
    expect(failed && 'error' in failed && (failed.error as Error).message).toMatch(/retry the same request with eventId 'down-v2'/);
    expect(refusing.published.map((m) => m.eventId)).toEqual(['browse_3_items:ok-v2']);

    // The retry of the failed behavior alone, once the broker is back: the same message, counted once.
    const healthy = brokerRefusing([]);
    const retried = await new BehaviorIntake({ rules, counter, broker: healthy, clock }).recordMany([view('down', 2)]);
    expect(retried).toEqual([{ eventId: 'down-v2', fired: ['browse_3_items'] }]);
    expect(healthy.published).toMatchObject([
      { eventId: 'browse_3_items:down-v2', payload: { behaviorEventIds: ['down-v0', 'down-v1', 'down-v2'] } },
    ]);
  });

  it('fails every behavior, and publishes nothing, when the counts could not be made', async () => {
    const counter = { recordMany: async () => Promise.reject(new Error('redis away')) } as unknown as BehaviorCounter;
    const broker = brokerRefusing([]);
    const outcomes = await new BehaviorIntake({ rules, counter, broker, clock }).recordMany([view('a', 0), view('b', 0)]);
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ error: { message: 'redis away' } });
    expect(broker.published).toEqual([]);
  });
});
