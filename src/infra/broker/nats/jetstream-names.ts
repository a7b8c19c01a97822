import type { BrokerTopic } from '../broker-options.js';

/** The JetStream names of one broker namespace (stream names may not contain dots; subjects use them). */
export interface JetStreamNames {
  readonly stream: string;
  readonly subject: string;
  /** One durable consumer shared by all workers, so that they compete for messages. */
  readonly durable: string;
}

/**
 * `sc_behaviors` / `sc.behaviors` / `sc_workers` for the fired rules (the names before topics
 * existed, kept), `sc_raw-behaviors` / `sc.raw-behaviors` / `sc_raw-behaviors_workers` for raw behaviors.
 */
export function jetStreamNames(name: string, topic: BrokerTopic = 'behaviors'): JetStreamNames {
  return {
    stream: `${name}_${topic}`,
    subject: `${name}.${topic}`,
    durable: topic === 'behaviors' ? `${name}_workers` : `${name}_${topic}_workers`,
  };
}
