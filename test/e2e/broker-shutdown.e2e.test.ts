import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVITY, BROKERS, BrokerE2e, browseMessage, waitFor } from '../support/broker-e2e.js';

const NORMAL = 300;
const BLOCKED_USERS = 6;
const CONCURRENCY = 16;
/** How long the blocked users' instance locks stay taken by "someone else": their chains wait that long. */
const BLOCK_MS = 3_000;

let current: BrokerE2e | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.each(BROKERS)('graceful shutdown on $kind', (broker) => {
  it('SIGTERM with chains in flight: the worker stops taking messages, finishes and acks those, exits 0; another worker does the rest', async () => {
    const e2e = await BrokerE2e.open(broker, 'term', { ackWaitMs: 10_000 });
    current = e2e;
    const blocked = Array.from({ length: BLOCKED_USERS }, (_, index) =>
      browseMessage(`blocked-${index}`, `${e2e.namespace}-blocked-${index}`, index),
    );
    const normal = Array.from({ length: NORMAL }, (_, index) => browseMessage(`n${index}`, `${e2e.namespace}-n${index}`, index));
    const eventIds = [...blocked, ...normal].map((message) => message.eventId);

    const first = await e2e.worker(['--concurrency', String(CONCURRENCY)]);
    // Another owner holds these users' instance locks: their chains wait in the worker (the lock
    // waits up to 5 s) until the locks expire, which makes them in flight for a known time.
    const lockedAt = Date.now();
    for (const message of blocked) {
      await e2e.redis.set(`${e2e.namespace}:lock:{${ACTIVITY}:${message.userId}}`, 'someone-else', 'PX', BLOCK_MS);
    }
    // The blocked ones first, so that the worker holds them when the signal comes.
    await e2e.publishAll(blocked);
    await e2e.publishAll(normal);
    await waitFor(
      async () => (await e2e.redis.llen(`${e2e.namespace}:traces:recent`)) >= 50,
      20_000,
      () => 'the first worker processed nothing',
    );
    const signalledAt = Date.now();
    expect(signalledAt).toBeLessThan(lockedAt + BLOCK_MS - 500);
    const code = await first.stop('SIGTERM');
    const exitedAt = Date.now();

    // It waited for its in-flight chains (they could only end once the locks expired), then exited 0.
    expect(code).toBe(0);
    expect(exitedAt).toBeGreaterThanOrEqual(lockedAt + BLOCK_MS);
    const afterFirst = await e2e.traces(eventIds);
    const runsOf = (eventId: string) => afterFirst.get(eventId) ?? [];
    expect(blocked.map((message) => runsOf(message.eventId).map((run) => run.status))).toEqual(blocked.map(() => ['prepared']));
    // Nothing started once it had begun shutting down (by its own log; a fetch already on its way
    // may still land, hence the slack).
    const shutdownLog = first
      .output()
      .split('\n')
      .find((line) => line.includes('shutting down'));
    const shuttingDownAt = (JSON.parse(shutdownLog ?? '{}') as { time?: number }).time ?? Number.NaN;
    expect(shuttingDownAt).toBeGreaterThanOrEqual(signalledAt);
    const lateStarts = [...afterFirst.values()].flat().filter((run) => Date.parse(run.startedAt) > shuttingDownAt + 100);
    expect(lateStarts.map((run) => `${run.eventId} at +${Date.parse(run.startedAt) - shuttingDownAt} ms`)).toEqual([]);
    // Every chain it ran was acknowledged, and nothing it did not run was lost: the broker holds
    // exactly the events that never ran.
    const ran = eventIds.filter((eventId) => runsOf(eventId).length > 0);
    expect(ran.length).toBeLessThan(eventIds.length);
    expect(await e2e.brokerBacklog()).toBe(eventIds.length - ran.length);

    const second = await e2e.worker(['--concurrency', String(CONCURRENCY)]);
    let unfinished = eventIds;
    await waitFor(
      async () => {
        unfinished = await e2e.unfinished(unfinished);
        return unfinished.length === 0;
      },
      30_000,
      () => `${unfinished.length} events not prepared by the second worker`,
    );
    await waitFor(
      async () => (await e2e.brokerBacklog()) === 0,
      5_000,
      () => 'the broker still holds messages',
    );
    // Each event ran exactly once across both workers.
    const traces = await e2e.traces(eventIds);
    expect(eventIds.filter((eventId) => (traces.get(eventId) ?? []).length !== 1)).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 240_000);
});
