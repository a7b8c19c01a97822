import type { Logger } from 'pino';
import type { Broker, RawQueue } from '../../domain/ports/broker.js';
import type { BrokerOptions, BrokerTopic } from '../../infra/broker/broker-options.js';
import { createBroker } from '../../infra/broker/create-broker.js';
import type { Settings } from '../settings.js';
import { inProcessBroker } from './memory.js';

/** The broker BROKER_URL names by its scheme (queue, stream and subject named after the namespace), else an in-process queue. */
export async function openBroker(settings: Settings, logger: Logger | undefined): Promise<Broker> {
  if (!settings.brokerUrl) return inProcessBroker();
  return createBroker(settings.brokerUrl, brokerOptions(settings, logger, 'behaviors'));
}

/**
 * The namespace's raw-behavior queue on the same broker (`{ns}:raw-behaviors`, `ns.raw-behaviors`,
 * `ns_raw-behaviors`), on a connection of its own; an in-process queue without BROKER_URL.
 */
export async function openRawBehaviorQueue(settings: Settings, logger: Logger | undefined): Promise<RawQueue> {
  if (!settings.brokerUrl) return inProcessBroker();
  return createBroker(settings.brokerUrl, brokerOptions(settings, logger, 'raw-behaviors'));
}

function brokerOptions(settings: Settings, logger: Logger | undefined, topic: BrokerTopic): BrokerOptions {
  return {
    name: settings.namespace.replace(/[^A-Za-z0-9_-]/g, '_'),
    // With REDIS_CLUSTER_NODES a redis:// BROKER_URL names a node of that cluster: the broker runs on it too.
    ...(settings.redisClusterNodes === undefined ? {} : { redisCluster: true }),
    ...(settings.brokerStreamShards === undefined ? {} : { streamShards: settings.brokerStreamShards }),
    topic,
    ...(settings.brokerAckWaitMs === undefined ? {} : { ackWaitMs: settings.brokerAckWaitMs }),
    ...(settings.brokerPublishTimeoutMs === undefined ? {} : { publishTimeoutMs: settings.brokerPublishTimeoutMs }),
    onError: (error) => logger?.warn({ err: error, topic }, 'broker fault recovered'),
  };
}
