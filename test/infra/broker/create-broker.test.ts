import { describe, expect, it } from 'vitest';
import { defaultRetryDelayMs } from '../../../src/infra/broker/broker-options.js';
import { createBroker } from '../../../src/infra/broker/create-broker.js';
import { AMQP_URL, NATS_URL, REDIS_URL, uniqueName } from '../../support/services.js';

describe('createBroker', () => {
  it.each([
    [REDIS_URL, 'redis-streams'],
    [AMQP_URL, 'rabbitmq'],
    [NATS_URL, 'nats-jetstream'],
  ])('picks the adapter by the scheme of %s', async (url, kind) => {
    const broker = await createBroker(url, { name: uniqueName('broker_factory') });
    try {
      expect(broker.kind).toBe(kind);
    } finally {
      await broker.deleteTopology();
      await broker.close();
    }
  });

  it('refuses an unknown scheme with the field named and the credentials hidden', async () => {
    await expect(createBroker('kafka://user:secret@127.0.0.1:9092', { name: 'sc' })).rejects.toMatchObject({
      code: 'invalid_config',
      details: [{ path: 'BROKER_URL', message: "expected a redis://, amqp:// or nats:// URL, got 'kafka://***@127.0.0.1:9092'" }],
    });
  });

  it('refuses a namespace that would not be a valid stream, queue and subject name', async () => {
    await expect(createBroker(REDIS_URL, { name: 'sc.behaviors' })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it.each([
    ['redis', 'redis://127.0.0.1:1'],
    ['nats', 'nats://127.0.0.1:1'],
  ])('rejects with a retryable error when %s cannot be reached', async (_, url) => {
    await expect(createBroker(url, { name: uniqueName('broker_down'), publishTimeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
    });
  });

  it('backs off 100 ms, 200 ms, 400 ms … up to 5 s by default', () => {
    expect([1, 2, 3, 4, 6, 7, 20].map(defaultRetryDelayMs)).toEqual([100, 200, 400, 800, 3_200, 5_000, 5_000]);
  });
});
