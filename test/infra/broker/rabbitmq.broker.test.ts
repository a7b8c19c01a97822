import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/ports/broker.js';
import type { BrokerAdapter } from '../../../src/infra/broker/broker-adapter.js';
import { createBroker } from '../../../src/infra/broker/create-broker.js';
import { behavior, describeBrokerConformance, eventIdOf, waitFor } from '../../conformance/broker.conformance.js';
import { sleep } from '../../conformance/conformance-support.js';
import { AMQP_URL, uniqueName } from '../../support/services.js';
import { TcpProxy } from './tcp-proxy.js';

const run = promisify(execFile);

describeBrokerConformance('rabbitmq', () => createBroker(AMQP_URL, { name: uniqueName('broker_amqp'), retryDelayMs: () => 20 }));

/**
 * Closes, from the server side, the connections whose client named itself with `namePrefix`, as an
 * operator or a broker failover would; only this test's connections, never the other suites'.
 */
async function closeConnectionsNamed(namePrefix: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${namePrefix}`))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'cut by the reconnect test']);
  return pids.length;
}

describe('RabbitMQ broker', () => {
  const opened: BrokerAdapter[] = [];
  const proxies: TcpProxy[] = [];

  afterEach(async () => {
    for (const broker of opened.splice(0)) {
      await broker.deleteTopology();
      await broker.close();
    }
    for (const proxy of proxies.splice(0)) await proxy.cut();
  });

  it('reconnects after its connection is cut mid-run: consumers resume and every message arrives', async () => {
    const name = uniqueName('broker_amqp_cut');
    const broker = await createBroker(AMQP_URL, { name, consumerName: 'survivor', retryDelayMs: () => 20 });
    opened.push(broker);
    const before = Array.from({ length: 200 }, (_, index) => behavior(index));
    const after = Array.from({ length: 200 }, (_, index) => behavior(1_000 + index));
    await Promise.all(before.map((message) => broker.publish(message)));

    const received = new Set<string>();
    await broker.subscribe(
      async (delivery) => {
        await sleep(2);
        received.add(eventIdOf(delivery));
        return 'ack';
      },
      { concurrency: 4 },
    );
    await waitFor(
      () => received.size >= 50,
      10_000,
      () => `${received.size} before the cut`,
    );

    expect(await closeConnectionsNamed(`${name}:`)).toBe(1);
    // Published while the connection is down or coming back: publish waits for it, then confirms.
    await Promise.all(after.map((message) => broker.publish(message)));

    const all = [...before, ...after].map((message) => message.eventId);
    await waitFor(
      () => received.size === all.length,
      30_000,
      () => `${received.size} of ${all.length} after the cut`,
    );
    expect([...received].sort()).toEqual(all.sort());
  });

  it('while the network is down, publish waits for the reconnection up to its timeout, then rejects as unavailable', async () => {
    const proxy = new TcpProxy(new URL(AMQP_URL));
    proxies.push(proxy);
    await proxy.start();
    const viaProxy = new URL(AMQP_URL);
    viaProxy.port = String(proxy.port);
    const broker = await createBroker(viaProxy.toString(), { name: uniqueName('broker_amqp_net'), publishTimeoutMs: 5_000 });
    opened.push(broker);
    try {
      const received = new Set<string>();
      const collect = async (delivery: Delivery): Promise<'ack'> => {
        received.add(eventIdOf(delivery));
        return 'ack';
      };
      await broker.subscribe(collect, { concurrency: 2 });
      const first = behavior(1);
      await broker.publish(first);
      await waitFor(
        () => received.has(first.eventId),
        10_000,
        () => 'first message not delivered',
      );

      await proxy.cut();
      const startedAt = Date.now();
      await expect(broker.publish(behavior(2))).rejects.toMatchObject({ code: 'unavailable', retryable: true });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(4_900);

      // Published during the outage, the network back before its timeout: it waits, then lands.
      const third = behavior(3);
      const publishing = broker.publish(third);
      await sleep(300);
      await proxy.start();
      await publishing;
      await waitFor(
        () => received.has(third.eventId),
        15_000,
        () => 'the consumer did not resume after the outage',
      );
    } finally {
      // afterEach deletes the queues through this proxy.
      await proxy.start();
    }
  });

  it('rejects publish with a retryable error when RabbitMQ cannot be reached at startup', async () => {
    await expect(createBroker('amqp://guest:guest@127.0.0.1:1', { name: uniqueName('broker_amqp_down') })).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
    });
  });
});
