import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidConfigError } from '../../domain/errors.js';
import { type Backoff, backoffSchedule } from '../../domain/retry-policy.js';

/** What the composition root (or a test) says about a real broker; see `compileBrokerOptions`. */
export interface BrokerOptions {
  /** Namespace of the stream, queue and subject, e.g. `sc`, or a test's unique name. */
  readonly name: string;
  /**
   * Which of the namespace's queues this adapter serves: `behaviors` (the fired rules' messages,
   * the default) or `raw-behaviors` (raw behaviors from clickstream relays, see src/access/raw-behavior-consumer.ts).
   */
  readonly topic?: BrokerTopic;
  /** This process's identity towards the broker; unique per process by default so two workers never share one. */
  readonly consumerName?: string;
  /** Backoff before a `retry` verdict is delivered again, by the attempt that failed (1-based). */
  readonly retryDelayMs?: (attempt: number) => number;
  /** How long a delivery may stay unsettled before the broker hands it to another consumer. */
  readonly ackWaitMs?: number;
  /** How long `publish` waits for an unreachable broker before it rejects. */
  readonly publishTimeoutMs?: number;
  /** Faults the adapter recovered from (a lost connection, a failed ack, a throwing handler). */
  readonly onError?: (error: unknown) => void;
  /** Redis Streams only: the URL names a node of a Redis Cluster, and the broker runs on the cluster. */
  readonly redisCluster?: boolean;
  /** Redis Streams only: streams the behaviors are spread over by user (default 1, or 8 on a cluster). */
  readonly streamShards?: number;
}

/** The queues of one namespace: each gets its own stream (Redis, NATS) or queue (RabbitMQ) and its own consumers. */
export type BrokerTopic = 'behaviors' | 'raw-behaviors';

export interface CompiledBrokerOptions {
  readonly name: string;
  readonly topic: BrokerTopic;
  readonly consumerName: string;
  readonly retryDelayMs: (attempt: number) => number;
  readonly ackWaitMs: number;
  readonly publishTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/**
 * 100 ms, 200 ms, 400 ms … capped at 5 s: quick first retries, bounded waiting for a long outage.
 * No jitter: RabbitMQ keeps one retry queue per distinct delay, so the delays must be a small set.
 */
export const DEFAULT_REDELIVERY_BACKOFF: Backoff = { baseDelayMs: 100, maxDelayMs: 5_000, jitter: 'none' };
export const defaultRetryDelayMs = backoffSchedule(DEFAULT_REDELIVERY_BACKOFF);

/** Reconnects of a broker connection or channel: quick at first, then every 2 s while the broker is away. */
export const RECONNECT_BACKOFF: Backoff = { baseDelayMs: 100, maxDelayMs: 2_000, jitter: 'half' };

// The name becomes a Redis hash tag, a queue name and a NATS stream name and subject token; NATS
// forbids dots and wildcards there, so the common ground is letters, digits, `_` and `-`.
const NAME = /^[A-Za-z0-9_-]{1,100}$/;

export function compileBrokerOptions(options: BrokerOptions): CompiledBrokerOptions {
  if (!NAME.test(options.name)) {
    throw new InvalidConfigError([{ path: 'broker.name', message: `expected 1-100 letters, digits, '_' or '-', got '${options.name}'` }]);
  }
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  if (!Number.isFinite(ackWaitMs) || ackWaitMs < 100) {
    throw new InvalidConfigError([{ path: 'broker.ackWaitMs', message: `expected a number of milliseconds >= 100, got ${ackWaitMs}` }]);
  }
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  if (!Number.isFinite(publishTimeoutMs) || publishTimeoutMs <= 0) {
    throw new InvalidConfigError([{ path: 'broker.publishTimeoutMs', message: `expected a positive number, got ${publishTimeoutMs}` }]);
  }
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  return {
    name: options.name,
    topic: options.topic ?? 'behaviors',
    consumerName: options.consumerName ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    // A broken delay function must not stall redelivery forever or spin: clamp to [0, 1 h].
    retryDelayMs: (attempt) => Math.min(3_600_000, Math.max(0, Math.round(retryDelayMs(attempt)) || 0)),
    ackWaitMs,
    publishTimeoutMs,
    onError: options.onError ?? (() => {}),
  };
}
