import { connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/ports/broker.js';
import type { BrokerAdapter } from '../../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../../src/infra/broker/create-broker.js';
import { jetStreamNames } from '../../../src/infra/broker/nats/jetstream-names.js';
import { behavior, describeBrokerConformance, waitFor } from '../../conformance/broker.conformance.js';
import { sleep } from '../../conformance/conformance-support.js';
import { NATS_URL, uniqueName } from '../../support/services.js';

describeBrokerConformance('nats jetstream', () =>
  createBroker(NATS_URL, { name: uniqueName('broker_nats'), retryDelayMs: () => 20, ackWaitMs: 5_000 }),
);

describe('NATS JetStream broker', () => {
  const opened: BrokerAdapter[] = [];

  afterEach(async () => {
    for (const broker of opened.splice(0)) {
      await broker.deleteTopology();
      await broker.close();
    }
  });

  it('stores a message published twice with the same event id once (Nats-Msg-Id de-duplication)', async () => {
    const name = uniqueName('broker_nats_dedup');
    const broker = await createBroker(NATS_URL, { name });
    opened.push(broker);
    const message = behavior(1);
    await broker.publish(message);
    await broker.publish({ ...message });
    await broker.publish(behavior(2));

    const connection = await connect({ servers: NATS_URL });
    try {
      const info = await (await connection.jetstreamManager()).streams.info(jetStreamNames(name).stream);
      expect(info.state.messages).toBe(2);
    } finally {
      await connection.close();
    }

    const delivered: Delivery[] = [];
    await broker.subscribe(
      async (delivery) => {
        delivered.push(delivery);
        return 'ack';
      },
      { concurrency: 2 },
    );
    await waitFor(
      () => delivered.length >= 2,
      10_000,
      () => `${delivered.length} delivered`,
    );
    await sleep(1_200);
    expect(delivered).toHaveLength(2);
  });

  it('delivers again, with attempt 2, a message whose handler stalls past ack wait', async () => {
    const broker = await createBroker(NATS_URL, { name: uniqueName('broker_nats_stall'), ackWaitMs: 1_000, retryDelayMs: () => 20 });
    opened.push(broker);
    await broker.publish(behavior(1));

    const attempts: number[] = [];
    await broker.subscribe(
      async (delivery) => {
        attempts.push(delivery.attempt);
        if (delivery.attempt === 1) await sleep(2_500);
        return 'ack';
      },
      { concurrency: 2 },
    );

    await waitFor(
      () => attempts.length >= 2,
      10_000,
      () => `attempts ${attempts.join(',')}`,
    );
    expect(attempts).toEqual([1, 2]);
  });
});
