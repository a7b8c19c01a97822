import { describe, expect, it } from 'vitest';
import type { BehaviorMessage } from '../../src/domain/ports/broker.js';
import { inParallel } from '../support/spawn-server.js';
import { Deployment, isRunning, sleep, VIEWED_ITEMS, waitUntil } from './support/deployment.js';
import { type BrokerKind, SIZES } from './support/profile.js';
import { recordScenario } from './support/results.js';
import { restartNats, restartRabbit } from './support/service-control.js';

const RESTART: Partial<Record<BrokerKind, () => Promise<number>>> = { nats: restartNats, rabbitmq: restartRabbit };

/**
 * Scenario 8: the broker is restarted while messages are published with confirmation (NATS PubAck,
 * RabbitMQ publisher confirms) and two workers consume them. A publish that was not confirmed is
 * retried with the same event id, as a client would; every message whose publish was confirmed must
 * be consumed: its user's offer prepared. The broker is always started again.
 */
describe('8. the broker restarted under confirmed publishing', () => {
  for (const broker of SIZES.brokerRestartBrokers) {
    it(`${broker}: ${SIZES.brokerRestartMessages} messages published while it restarts: every confirmed one is consumed`, async (context) => {
      const restartBroker = RESTART[broker];
      if (!restartBroker) throw new Error(`no restart for ${broker}`);
      const deployment = await Deployment.create(`broker_restart_${broker}`, { broker });
      try {
        const servers = await Promise.all([deployment.spawnServe(), deployment.spawnServe()]);
        const publisher = await deployment.publisher({ publishTimeoutMs: 5_000 });
        const users = Array.from({ length: SIZES.brokerRestartMessages }, (_, i) => `bounce-${i}`);
        const messages: BehaviorMessage[] = users.map((userId) => ({
          channelCode: 'browse_3_items',
          userId,
          eventId: `bounce-browse-${userId}`,
          payload: { itemIds: VIEWED_ITEMS },
        }));

        const confirmed = new Set<string>();
        let refused = 0;
        let published = 0;
        let downtimeMs = 0;
        const publishing = inParallel(messages.length, 8, async (i) => {
          const message = messages[i] as BehaviorMessage;
          for (let attempt = 1; attempt <= 20; attempt++) {
            try {
              await publisher.publish(message);
              confirmed.add(message.userId);
              break;
            } catch {
              refused++;
              await sleep(250);
            }
          }
          published++;
          // Paced, so that publishing goes on before, during and after the restart.
          await sleep(10);
        });
        const restart = (async () => {
          while (published < messages.length / 4) await sleep(5);
          downtimeMs = await restartBroker();
        })();
        await Promise.all([publishing, restart]);

        const preparedByMessage = async () => {
          const prepared = await deployment.preparedUsers([...confirmed]);
          return [...confirmed].filter((userId) => prepared.get(userId)?.eventId === `bounce-browse-${userId}`).length;
        };
        await waitUntil(
          async () => (await preparedByMessage()) === confirmed.size,
          90_000,
          async () => `${await preparedByMessage()} of ${confirmed.size} confirmed messages consumed`,
        ).catch(() => undefined);
        const consumed = await preparedByMessage();
        const deadLetters = await deployment.deadLetters();
        recordScenario(context, {
          scenario: '8',
          title: `broker restarted (${broker})`,
          events: messages.length,
          assetsIssued: 0,
          duplicates: 0,
          oversell: 0,
          lost: confirmed.size - consumed,
          deadLettered: deadLetters.length,
          faults: `${broker} down ${downtimeMs} ms; ${refused} publishes refused, then retried`,
        });

        expect(confirmed.size).toBe(messages.length);
        expect(consumed).toBe(confirmed.size);
        expect(deadLetters).toEqual([]);
        expect(servers.every(isRunning)).toBe(true);
      } finally {
        await deployment.cleanup();
      }
    });
  }
});
