import type { Logger } from 'pino';
import type { Broker, RawQueue } from '../../domain/ports/broker.js';
import type { ChangeFeed } from '../../domain/ports/change-feed.js';
import { CachedActivityRepository } from '../../service/cached-activity-repository.js';
import { tracedBroker, tracedRawQueue } from '../../service/traced-broker.js';
import { tracingEnabled } from '../../service/tracing.js';
import type { Settings } from '../settings.js';
import type { RecordsBackend, StateBackend } from './backends.js';
import { openBroker, openRawBehaviorQueue } from './broker.js';
import { memoryRecords, memoryState } from './memory.js';
import { postgresRecords } from './postgres.js';
import { redisState } from './redis.js';

/** The adapters behind the ports, chosen from the settings, and how to let go of them. */
export interface Backends
  extends Omit<StateBackend, 'kind' | 'close' | 'changeFeed'>,
    Omit<RecordsBackend, 'kind' | 'close' | 'changeFeed'> {
  readonly describe: { state: string; records: string; broker: string };
  /** Reads served from a snapshot that the live configuration keeps current. */
  readonly activities: CachedActivityRepository;
  /** PostgreSQL LISTEN/NOTIFY with DATABASE_URL, else Redis pub/sub with REDIS_URL, else in-process. */
  readonly changeFeed: ChangeFeed;
  readonly broker: Broker;
  /** Raw behaviors from clickstream relays, on the same broker (see src/access/raw-behavior-consumer.ts). */
  readonly rawBehaviors: RawQueue;
  close(): Promise<void>;
}

/** Opens state, records and broker in turn; a failure closes what was opened before it. */
export async function openBackends(settings: Settings, logger: Logger | undefined): Promise<Backends> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const state = settings.redisClusterNodes
      ? redisState({ clusterNodes: settings.redisClusterNodes }, settings.namespace, logger, tracingEnabled())
      : settings.redisUrl
        ? redisState({ url: settings.redisUrl }, settings.namespace, logger, tracingEnabled())
        : memoryState();
    closers.push(() => state.close());
    const records = settings.databaseUrl
      ? await postgresRecords(
          {
            url: settings.databaseUrl,
            ...(settings.databaseListenUrl === undefined ? {} : { listenUrl: settings.databaseListenUrl }),
            ...(settings.databaseSchema === undefined ? {} : { schema: settings.databaseSchema }),
            migrate: settings.migrate,
            ...(settings.databasePoolSize === undefined ? {} : { poolSize: settings.databasePoolSize }),
          },
          logger,
        )
      : memoryRecords();
    closers.push(() => records.close());
    const broker = await openBroker(settings, logger);
    closers.push(() => broker.close());
    const rawBehaviors = await openRawBehaviorQueue(settings, logger);
    closers.push(() => rawBehaviors.close());
    const { kind: stateKind, close: _closeState, ...stateParts } = state;
    const { kind: recordsKind, close: _closeRecords, ...recordParts } = records;
    return {
      describe: { state: stateKind, records: recordsKind, broker: broker.kind },
      ...stateParts,
      ...recordParts,
      activities: new CachedActivityRepository(records.activities),
      changeFeed: records.changeFeed ?? state.changeFeed,
      // With tracing on, every message carries its publisher's trace context to the worker.
      broker: tracingEnabled() ? tracedBroker(broker) : broker,
      rawBehaviors: tracingEnabled() ? tracedRawQueue(rawBehaviors) : rawBehaviors,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
