import type { Broker, PublishOptions } from '../../domain/ports/broker.js';

/**
 * What every real broker adapter offers beyond the port: raw bodies (what an upstream system may
 * send, a dead letter being replayed, a test's malformed message) and removal of its namespace.
 */
export interface BrokerAdapter extends Broker {
  /** Publishes `body` exactly as given; resolves once the broker has it safely, like `publish`. */
  publishRaw(body: string, options?: PublishOptions): Promise<void>;
  /** Deletes this namespace's stream, queues and consumers, messages included: tests and decommissioning only. */
  deleteTopology(): Promise<void>;
}
