import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BehaviorMessage, Broker, Delivery, DeliveryHandler, Subscription } from '../../src/domain/ports/broker.js';
import { sleep } from './conformance-support.js';

/**
 * The Broker contract, run against every adapter. `make` returns a broker on a namespace of its own
 * whose retries come back quickly (tens of ms); the suite closes it after each test, and deletes its
 * topology first when the adapter can (`deleteTopology`). Malformed bodies need `publishRaw`, which
 * the in-process broker and every real adapter offer.
 */
export function describeBrokerConformance(name: string, make: () => Promise<Broker>, options: ConformanceOptions = {}): void {
  const known = options.knownGaps ?? {};
  describe(`Broker conformance: ${name}`, () => {
    let broker: Broker;
    let subscriptions: Subscription[];

    async function subscribe(handler: DeliveryHandler, concurrency: number): Promise<Subscription> {
      const subscription = await broker.subscribe(handler, { concurrency });
      subscriptions.push(subscription);
      return subscription;
    }

    beforeEach(async () => {
      broker = await make();
      subscriptions = [];
    });

    afterEach(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      if (hasTopology(broker)) await broker.deleteTopology();
      await broker.close();
    });

    it('delivers 1,000 messages with concurrency 8: every one arrives, never more than 8 at once', async () => {
      const messages = Array.from({ length: 1_000 }, (_, index) => behavior(index));
      for (const chunk of chunks(messages, 100)) await Promise.all(chunk.map((message) => broker.publish(message)));

      const received = new Set<string>();
      let inFlight = 0;
      let mostInFlight = 0;
      await subscribe(async (delivery) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await sleep(Math.random() * 2);
        received.add(eventIdOf(delivery));
        inFlight -= 1;
        return 'ack';
      }, 8);

      await waitFor(
        () => received.size === messages.length,
        45_000,
        () => `${received.size} of ${messages.length} delivered`,
      );
      expect([...received].sort()).toEqual(messages.map((message) => message.eventId).sort());
      expect(mostInFlight).toBeLessThanOrEqual(8);
      expect(mostInFlight).toBeGreaterThan(1);
    });

    it('hands the body over exactly as published, with attempt 1 and an id', async () => {
      const message: BehaviorMessage = { ...behavior(1), payload: { itemIds: ['i-1', 'i-2'], note: 'ünïcödé ✓' } };
      await broker.publish(message);
      const deliveries = collect();
      await subscribe(deliveries.handler('ack'), 1);

      await waitFor(
        () => deliveries.seen.length === 1,
        10_000,
        () => 'no delivery',
      );
      const [delivery] = deliveries.seen;
      expect(JSON.parse(delivery?.body ?? '')).toEqual(message);
      expect(delivery?.attempt).toBe(1);
      expect(delivery?.id).toEqual(expect.any(String));
      expect(delivery?.id.length).toBeGreaterThan(0);
    });

    it('hands over the headers published with a message (a W3C traceparent) and none to a message published without', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const traced = behavior(31);
      const plain = behavior(32);
      await broker.publish(traced, { headers: { traceparent, tracestate: 'sc=1' } });
      await broker.publish(plain);
      const deliveries = collect();
      await subscribe(deliveries.handler('ack'), 2);

      await waitFor(
        () => deliveries.seen.length === 2,
        10_000,
        () => `${deliveries.seen.length} of 2 delivered`,
      );
      const byEvent = new Map(deliveries.seen.map((delivery) => [eventIdOf(delivery), delivery]));
      expect(byEvent.get(traced.eventId)?.headers).toEqual({ traceparent, tracestate: 'sc=1' });
      expect(byEvent.get(plain.eventId)?.headers ?? {}).toEqual({});
    });

    it('hands over the message id of the publish as Delivery.id: the event id by default, or the one passed', async () => {
      const plain = behavior(21);
      const replayed = behavior(22);
      const replayId = `dead-letter:${replayed.eventId}`;
      await broker.publish(plain);
      await broker.publish(replayed, { messageId: replayId });
      const deliveries = collect();
      await subscribe(deliveries.handler('ack'), 2);
      await waitFor(
        () => deliveries.seen.length === 2,
        10_000,
        () => `${deliveries.seen.length} of 2 delivered`,
      );
      const idOf = (message: BehaviorMessage) =>
        deliveries.seen.find((delivery) => (JSON.parse(delivery.body) as BehaviorMessage).eventId === message.eventId)?.id;
      expect(idOf(plain)).toBe(plain.eventId);
      expect(idOf(replayed)).toBe(replayId);
    });

    it("redelivers after 'retry' with attempt 2 and the same body, and only once acked stops", async () => {
      await broker.publish(behavior(7));
      const seen: Delivery[] = [];
      await subscribe(async (delivery) => {
        seen.push(delivery);
        return delivery.attempt === 1 ? 'retry' : 'ack';
      }, 2);

      await waitFor(
        () => seen.length >= 2,
        15_000,
        () => `${seen.length} deliveries`,
      );
      await sleep(500);
      expect(seen.map((delivery) => delivery.attempt)).toEqual([1, 2]);
      expect(seen[1]?.body).toBe(seen[0]?.body);
      expect(seen[1]?.id).toBe(seen[0]?.id);
    });

    it('treats a handler that throws as retry', async () => {
      await broker.publish(behavior(8));
      const attempts: number[] = [];
      await subscribe(async (delivery) => {
        attempts.push(delivery.attempt);
        if (delivery.attempt < 3) throw new Error('downstream is down');
        return 'ack';
      }, 1);

      await waitFor(
        () => attempts.length >= 3,
        15_000,
        () => `attempts so far: ${attempts.join(',')}`,
      );
      await sleep(300);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('close() waits for the handler in flight, and its ack holds', async () => {
      await broker.publish(behavior(9));
      const gate = opened();
      let started = false;
      let finished = false;
      const subscription = await subscribe(async () => {
        started = true;
        await gate.promise;
        finished = true;
        return 'ack';
      }, 1);
      await waitFor(
        () => started,
        10_000,
        () => 'handler never started',
      );

      let closed = false;
      const closing = subscription.close().then(() => {
        closed = true;
      });
      await sleep(150);
      expect(closed).toBe(false);
      gate.open();
      await closing;
      expect(finished).toBe(true);

      const later = collect();
      await subscribe(later.handler('ack'), 1);
      await sleep(1_500);
      expect(later.seen).toHaveLength(0);
    });

    it.skipIf(known.resubscribeAfterClose !== undefined)(
      'after close(), a new subscription gets every message not yet acknowledged, and none that was',
      async () => {
        const messages = Array.from({ length: 30 }, (_, index) => behavior(100 + index));
        for (const message of messages) await broker.publish(message);

        const acked = new Set<string>();
        let retried: string | undefined;
        let first: Subscription | undefined;
        first = await subscribe(async (delivery) => {
          const eventId = eventIdOf(delivery);
          if (acked.size < 9) {
            acked.add(eventId);
            return 'ack';
          }
          // The tenth is in flight when close() is called and ends in 'retry': it must come back.
          retried = eventId;
          void first?.close();
          await sleep(50);
          return 'retry';
        }, 1);
        await waitFor(
          () => retried !== undefined,
          10_000,
          () => `${acked.size} acked`,
        );
        await within(first.close(), 10_000, 'closing the first subscription');

        const second = new Map<string, Delivery>();
        await subscribe(async (delivery) => {
          second.set(eventIdOf(delivery), delivery);
          return 'ack';
        }, 4);
        await waitFor(
          () => second.size >= messages.length - acked.size,
          20_000,
          () => `${second.size} redelivered`,
        );
        await sleep(300);

        expect(acked.size).toBe(9);
        expect([...second.keys()].filter((eventId) => acked.has(eventId))).toEqual([]);
        expect(new Set([...acked, ...second.keys()])).toEqual(new Set(messages.map((message) => message.eventId)));
        expect(second.get(retried ?? '')?.attempt).toBeGreaterThanOrEqual(2);
      },
    );

    it('delivers a malformed body as is, for the consumer to dead-letter', async () => {
      if (!canPublishRaw(broker)) throw new Error(`${name} offers no publishRaw; the suite needs it to send a malformed body`);
      const bodies = ['{"channelCode": "browse_3_items", "userId": ', 'not json at all ✗', '[]'];
      for (const body of bodies) await broker.publishRaw(body);
      const deliveries = collect();
      await subscribe(deliveries.handler('ack'), 1);

      await waitFor(
        () => deliveries.seen.length === bodies.length,
        10_000,
        () => `${deliveries.seen.length} delivered`,
      );
      expect(deliveries.seen.map((delivery) => delivery.body).sort()).toEqual([...bodies].sort());
      expect(deliveries.seen.every((delivery) => delivery.attempt === 1)).toBe(true);
    });
  });
}

export interface ConformanceOptions {
  /** Cases an adapter is known to fail, each with the reason; they are skipped, and listed by the skip. */
  readonly knownGaps?: { readonly resubscribeAfterClose?: string };
}

/** Test-only reach into an adapter: raw bodies and topology removal (see BrokerAdapter). */
interface RawPublishing {
  publishRaw(body: string): Promise<void> | void;
}

function canPublishRaw(broker: Broker): broker is Broker & RawPublishing {
  return typeof (broker as Partial<RawPublishing>).publishRaw === 'function';
}

function hasTopology(broker: Broker): broker is Broker & { deleteTopology(): Promise<void> } {
  return typeof (broker as { deleteTopology?: unknown }).deleteTopology === 'function';
}

export function behavior(index: number): BehaviorMessage {
  return {
    channelCode: 'browse_3_items',
    userId: `u-${index % 97}`,
    eventId: `evt-${index}-${Math.random().toString(36).slice(2, 8)}`,
    occurredAt: new Date(1_767_225_600_000 + index).toISOString(),
  };
}

export function eventIdOf(delivery: Delivery): string {
  return (JSON.parse(delivery.body) as BehaviorMessage).eventId;
}

/** Polls `done` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitFor(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(10);
  }
}

async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function collect(): { seen: Delivery[]; handler: (verdict: 'ack' | 'retry') => DeliveryHandler } {
  const seen: Delivery[] = [];
  return {
    seen,
    handler: (verdict) => async (delivery) => {
      seen.push(delivery);
      return verdict;
    },
  };
}

function opened(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}
