/** The JetStream names of one broker namespace (stream names may not contain dots; subjects use them). */
export interface JetStreamNames {
  readonly stream: string;
  readonly subject: string;
  /** One durable consumer shared by all workers, so that they compete for messages. */
  readonly durable: string;
}

export function jetStreamNames(name: string): JetStreamNames {
  return { stream: `${name}_behaviors`, subject: `${name}.behaviors`, durable: `${name}_workers` };
}
