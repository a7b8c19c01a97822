import { afterEach, describe, it } from 'vitest';
import { BROKERS, type BrokerE2e } from '../support/broker-e2e.js';
import { EVENTS_PER_USER, killedWorkerScenario, USERS } from '../support/killed-worker-scenario.js';

let current: BrokerE2e | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.each(BROKERS)('two `strategy-center worker` processes on $kind', (broker) => {
  it(`${USERS * EVENTS_PER_USER} behavior events for ${USERS} users, one worker SIGKILLed mid-run and restarted: all prepared, nothing lost, no effect twice`, async () => {
    await killedWorkerScenario(broker, (e2e) => {
      current = e2e;
    });
  }, 240_000);
});
