import { InvalidConfigError } from '../../domain/errors.js';
import type { BrokerAdapter } from './broker-adapter.js';
import type { BrokerOptions } from './broker-options.js';
import { redactUrl } from './redact-url.js';

export type { BrokerAdapter } from './broker-adapter.js';
export type { BrokerOptions } from './broker-options.js';

/**
 * Connects to the broker that `url` names by its scheme (`redis://`/`rediss://`, `amqp://`/`amqps://`,
 * `nats://`) and declares the namespace's stream, queue or consumer. Each adapter is loaded
 * only when chosen, so a deployment on one broker never loads the others' client libraries.
 */
export async function createBroker(url: string, options: BrokerOptions): Promise<BrokerAdapter> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'redis':
    case 'rediss': {
      const { RedisStreamsBroker } = await import('./redis/redis-streams-broker.js');
      return RedisStreamsBroker.connect(url, options);
    }
    case 'amqp':
    case 'amqps': {
      const { AmqpBroker } = await import('./amqp/amqp-broker.js');
      return AmqpBroker.connect(url, options);
    }
    case 'nats': {
      const { JetStreamBroker } = await import('./nats/jetstream-broker.js');
      return JetStreamBroker.connect(url, options);
    }
    default:
      throw new InvalidConfigError([
        { path: 'BROKER_URL', message: `expected a redis://, amqp:// or nats:// URL, got '${redactUrl(url)}'` },
      ]);
  }
}
