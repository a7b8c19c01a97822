import { describe, expect, it } from 'vitest';
import { inParallel } from '../support/spawn-server.js';
import { chaosFetch, click, counterOf, Deployment, isRunning, outcomeOf, VIEWED_ITEMS, waitUntil } from './support/deployment.js';
import { malformedHttp, malformedMessages } from './support/malformed.js';
import { SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';

/**
 * Scenario 12: malformed inputs, over HTTP and over the broker (RabbitMQ). Every HTTP request gets
 * a 4xx with the JSON error `{ error: { code, message, details } }`; every message ends in the dead
 * letters exactly once, with its body as sent; the process keeps running and serving real work.
 */
describe('12. malformed inputs over HTTP and the broker', () => {
  it(`${SIZES.malformedHttp} HTTP requests and ${SIZES.malformedMessages} messages: each a 4xx or a dead letter, process alive`, async (context) => {
    const deployment = await Deployment.create('malformed', { broker: 'rabbitmq' });
    try {
      const server = await deployment.spawnServe();
      const probes = malformedHttp(SIZES.malformedHttp);
      const answers = await inParallel(probes.length, 16, async (i) => {
        const probe = probes[i] as (typeof probes)[number];
        try {
          const response = await chaosFetch(`${server.url}${probe.path}`, {
            method: probe.method,
            ...(probe.body === undefined ? {} : { body: probe.body, headers: { 'content-type': probe.contentType ?? 'application/json' } }),
          });
          const text = await response.text();
          let body: any;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          return { probe, status: response.status, body, text };
        } catch (error) {
          return { probe, status: 0, body: undefined, text: String(error) };
        }
      });
      const badAnswers = answers.filter(
        ({ status, body }) =>
          status < 400 ||
          status >= 500 ||
          typeof body?.error?.code !== 'string' ||
          typeof body.error.message !== 'string' ||
          !Array.isArray(body.error.details),
      );

      const publisher = await deployment.publisher();
      const messages = malformedMessages(SIZES.malformedMessages);
      await inParallel(messages.length, 16, (i) =>
        publisher.publishRaw((messages[i] as (typeof messages)[number]).body, { messageId: `malformed-${i}` }),
      );
      await waitUntil(
        async () => (await counterOf(server, 'strategy_center_deliveries_total')) >= messages.length,
        60_000,
        async () => `${await counterOf(server, 'strategy_center_deliveries_total')} of ${messages.length} settled`,
      ).catch(() => undefined);
      const deadLetters = await deployment.deadLetters();
      // Every body sent is in the dead letters exactly as sent, and nothing else is.
      const unmatched = new Map<string, number>();
      for (const { body } of messages) unmatched.set(body, (unmatched.get(body) ?? 0) + 1);
      const strays: string[] = [];
      for (const { body } of deadLetters) {
        const left = unmatched.get(body) ?? 0;
        if (left > 0) unmatched.set(body, left - 1);
        else strays.push(body);
      }
      const missingBodies = [...unmatched].flatMap(([body, left]) => Array.from({ length: left }, () => body));
      const missing = missingBodies.length;

      // Still serving: a real user browses (through the broker) and clicks.
      await deployment
        .publisher()
        .then((p) =>
          p.publish({ channelCode: 'browse_3_items', userId: 'after-malformed', eventId: 'after-1', payload: { itemIds: VIEWED_ITEMS } }),
        );
      await waitUntil(
        async () => (await deployment.preparedUsers(['after-malformed'])).size === 1,
        20_000,
        () => 'the healthy message after the malformed ones',
      );
      const healthyClick = outcomeOf(await click(server, 'after-malformed', 'after-click'));
      const health = await fetch(`${server.url}/healthz`).then((r) => r.status);

      recordScenario(context, {
        scenario: '12',
        title: 'malformed inputs (HTTP + RabbitMQ)',
        events: probes.length + messages.length,
        assetsIssued: healthyClick?.status === 'issued' ? 1 : 0,
        duplicates: Math.max(0, deadLetters.length - messages.length),
        oversell: 0,
        lost: badAnswers.length + missing,
        deadLettered: deadLetters.length,
        faults: `${new Set(probes.map((p) => p.kind)).size} kinds of bad request, ${new Set(messages.map((m) => m.kind)).size} kinds of bad message`,
      });

      expect(
        badAnswers.map(
          ({ probe, status, text }) => `${probe.kind} ${probe.method} ${probe.path.slice(0, 60)} → ${status} ${text.slice(0, 160)}`,
        ),
      ).toEqual([]);
      expect(deadLetters).toHaveLength(messages.length);
      expect(missingBodies.map((body) => JSON.stringify(body))).toEqual([]);
      expect(strays.map((body) => JSON.stringify(body))).toEqual([]);
      expect(deadLetters.every((letter) => letter.attempts === 1 && letter.reason.length > 0)).toBe(true);
      expect(healthyClick).toMatchObject({ status: 'issued' });
      expect(health).toBe(200);
      expect(isRunning(server)).toBe(true);
    } finally {
      await deployment.cleanup();
    }
  });
});
