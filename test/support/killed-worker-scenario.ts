import { expect } from 'vitest';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import { ACTIVITY, BrokerE2e, type BrokerUnderTest, browseMessage, expectedOffer, http, sleep, waitFor } from './broker-e2e.js';

/**
 * Two `strategy-center worker` processes consume behavior events published straight to the broker;
 * one is SIGKILLed a third of the way in and started again. What "nothing lost, no effect twice"
 * means here, checked exactly:
 * - nothing lost: every event id sent has a chain run that ended `prepared` (its trace, the store
 *   behind GET /v1/events/:id/trace); no dead letter; the broker holds nothing any more;
 * - every user is prepared, and the prepared record is one of that user's own events, whole: its
 *   event id belongs to the user and its offer is exactly what that event's items make;
 * - no effect twice: an event ran to `prepared` more than once only if the killed worker held it
 *   unacknowledged, so at most its concurrency of events did (re-running one rewrites the same
 *   record under a newer lock fence: idempotent).
 *
 * 1,000 users × 3 events per broker keeps the three brokers within about a minute on a 2-core
 * machine; E2E_BROKER_EVENTS_PER_USER=10 runs the full 10,000 events per broker.
 */
export const USERS = 1_000;
export const EVENTS_PER_USER = Number(process.env.E2E_BROKER_EVENTS_PER_USER ?? 3);
const CONCURRENCY = 16;
/**
 * A killed worker's deliveries come back within seconds on Redis and NATS, yet no live delivery waits
 * that long (an instance lock left by the killed worker is waited for up to 5 s, then retried).
 */
const ACK_WAIT_MS = 8_000;

export async function killedWorkerScenario(broker: BrokerUnderTest, track: (e2e: BrokerE2e) => void): Promise<void> {
  const e2e = await BrokerE2e.open(broker, 'kill', { ackWaitMs: ACK_WAIT_MS });
  track(e2e);
  // Event-major order: a user's events are spread over the run, not handled back to back.
  const messages: BehaviorMessage[] = [];
  const indexOf = new Map<string, number>();
  for (let event = 0; event < EVENTS_PER_USER; event += 1) {
    for (let user = 0; user < USERS; user += 1) {
      const message = browseMessage(`u${user}`, `${e2e.namespace}-u${user}-e${event}`, event * USERS + user);
      messages.push(message);
      indexOf.set(message.eventId, event * USERS + user);
    }
  }
  const byEventId = new Map(messages.map((message) => [message.eventId, message]));
  const eventIds = [...byEventId.keys()];
  const users = Array.from({ length: USERS }, (_, user) => `u${user}`);

  const [victim, survivor, api] = await Promise.all([
    e2e.worker(['--concurrency', String(CONCURRENCY)]),
    e2e.worker(['--concurrency', String(CONCURRENCY)]),
    e2e.serve(),
  ]);
  const startedAt = Date.now();
  const publishing = e2e.publishAll(messages);

  // Kill one worker once a third of the chains ran (counted from the deployment's recent traces).
  await waitFor(
    async () => (await e2e.redis.llen(`${e2e.namespace}:traces:recent`)) >= messages.length / 3,
    60_000,
    async () => `${await e2e.redis.llen(`${e2e.namespace}:traces:recent`)} chains ran; worker output: ${victim.output().slice(-2_000)}`,
  );
  await victim.stop('SIGKILL');
  const unfinishedAtKill = (await e2e.unfinished(eventIds)).length;
  expect(unfinishedAtKill).toBeGreaterThan(0);
  await publishing;
  const restarted = await e2e.worker(['--concurrency', String(CONCURRENCY)]);

  let pending = eventIds;
  await waitFor(
    async () => {
      pending = await e2e.unfinished(pending);
      return pending.length === 0;
    },
    90_000,
    () => `${pending.length} events never prepared, e.g. ${pending.slice(0, 3).join(', ')}`,
  );
  const elapsedMs = Date.now() - startedAt;
  // Anything still on its way (a redelivery of a chain that had finished) lands now.
  await sleep(500);

  const traces = await e2e.traces(eventIds);
  const prepared = await e2e.prepared(users);
  // Nothing lost: every event ran its chain to `prepared`.
  expect([...traces.values()].filter((runs) => !runs.some((run) => run.status === 'prepared')).length).toBe(0);
  // Every user prepared, with data that is one of their own events' whole offer (never a mix).
  const actual = users.map((user) => {
    const data = prepared.get(user);
    const offer = (data?.data as { offer?: { item: { id: string }; viewedItemIds: string[] } } | undefined)?.offer;
    return { user, owner: byEventId.get(data?.eventId ?? '')?.userId, item: offer?.item.id, viewed: offer?.viewedItemIds };
  });
  const expected = users.map((user) => {
    const index = indexOf.get(prepared.get(user)?.eventId ?? '') ?? -1;
    return { user, owner: user, ...expectedOffer(index) };
  });
  expect(actual).toEqual(expected);
  // No effect twice: a chain ran to `prepared` again only for deliveries the killed worker held
  // unacknowledged, at most its concurrency; nothing was dead-lettered.
  const ranTwice = [...traces.entries()].filter(([, runs]) => runs.filter((run) => run.status === 'prepared').length > 1);
  expect(ranTwice.length).toBeLessThanOrEqual(CONCURRENCY);
  expect(await e2e.deadLetters()).toEqual([]);
  // Nothing left behind on the broker: no message waiting, unacknowledged or scheduled for a
  // retry. The killed worker's unacknowledged deliveries come back only after the ack wait (and
  // may wait out its instance locks), so the backlog drains a little after the last `prepared`.
  await expect.poll(() => e2e.brokerBacklog(), { timeout: 30_000, interval: 250 }).toBe(0);

  // The API process sees the same state: a sample of users and event traces over HTTP.
  for (const user of ['u0', `u${USERS - 1}`]) {
    const state = await http('GET', `${api.url}/v1/activities/${ACTIVITY}/users/${user}`);
    expect(state.body.prepared.eventId).toBe(prepared.get(user)?.eventId);
  }
  const sampleEvent = eventIds[Math.floor(eventIds.length / 2)] as string;
  const trace = await http('GET', `${api.url}/v1/events/${sampleEvent}/trace`);
  expect(trace.status).toBe(200);
  expect(trace.body.chains.map((chain: { status: string }) => chain.status)).toContain('prepared');
  expect(trace.body.chains[0].steps.map((step: { processor: string }) => step.processor)).toEqual([
    'query-activity',
    'prepare-item-promotion',
    'store-prepared',
  ]);

  expect([survivor.alive(), restarted.alive()]).toEqual([true, true]);
  const stopped = await Promise.all([survivor.stop(), restarted.stop(), api.stop()]);
  expect(stopped).toEqual([0, 0, 0]);
  console.info(
    `[${broker.kind}${broker.redisCluster ? ' cluster' : ''}] ${messages.length} events in ${elapsedMs} ms (${Math.round(messages.length / (elapsedMs / 1000))}/s with a kill), ` +
      `${unfinishedAtKill} unfinished at the kill, ${ranTwice.length} ran twice`,
  );
}
