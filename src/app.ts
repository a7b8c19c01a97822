import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { behaviorConsumer, defaultConsumerConcurrency } from './access/behavior-consumer.js';
import { BehaviorIntake } from './access/behavior-intake.js';
import { parseBehaviorMessage } from './access/behavior-message.js';
import { FaultInjector } from './access/chaos/fault-injection.js';
import { Metrics } from './access/metrics.js';
import { watchConfigFile } from './config/config-file-watcher.js';
import { wholeNumberSetting } from './config/env-settings.js';
import { type LoadedConfig, loadConfig } from './config/load-config.js';
import { ConflictError, InvalidConfigError, NotFoundError, StrategyCenterError } from './domain/errors.js';
import type { ActivityRepository } from './domain/ports/activity-repository.js';
import type { BehaviorCounter } from './domain/ports/behavior-counter.js';
import type { Broker, Subscription } from './domain/ports/broker.js';
import type { Catalog, Recall } from './domain/ports/catalog.js';
import type { ChangeFeed } from './domain/ports/change-feed.js';
import type { ChangeLog } from './domain/ports/change-log.js';
import { type Clock, systemClock } from './domain/ports/clock.js';
import type { DeadLetter, DeadLetterStore } from './domain/ports/dead-letter-store.js';
import type { EventFingerprints } from './domain/ports/event-fingerprints.js';
import type { InstanceStore } from './domain/ports/instance-store.js';
import type { LockStore } from './domain/ports/lock-store.js';
import type { RightsLedger } from './domain/ports/rights-ledger.js';
import type { SoldOutMarks } from './domain/ports/sold-out-marks.js';
import type { TemplateStore } from './domain/ports/template-store.js';
import type { TraceStore } from './domain/ports/trace-store.js';
import type { Processor } from './domain/processor.js';
import type { StrategyTemplate } from './domain/strategy-template.js';
import { formatTemplateRef } from './domain/template-ref.js';
import { createBroker } from './infra/broker/create-broker.js';
import { StaticCatalog } from './infra/catalog/static-catalog.js';
import { InProcessBroker } from './infra/memory/in-process-broker.js';
import { MemoryActivityRepository } from './infra/memory/memory-activity-repository.js';
import { MemoryBehaviorCounter } from './infra/memory/memory-behavior-counter.js';
import { MemoryChangeFeed } from './infra/memory/memory-change-feed.js';
import { MemoryChangeLog } from './infra/memory/memory-change-log.js';
import { MemoryDeadLetterStore } from './infra/memory/memory-dead-letter-store.js';
import { MemoryEventFingerprints } from './infra/memory/memory-event-fingerprints.js';
import { MemoryInstanceStore } from './infra/memory/memory-instance-store.js';
import { MemoryLockStore } from './infra/memory/memory-lock-store.js';
import { MemoryRightsLedger } from './infra/memory/memory-rights-ledger.js';
import { MemorySoldOutMarks } from './infra/memory/memory-sold-out-marks.js';
import { MemoryTemplateStore } from './infra/memory/memory-template-store.js';
import { MemoryTraceStore } from './infra/memory/memory-trace-store.js';
import { createPostgresAdapters } from './infra/postgres/postgres-adapters.js';
import { createRedisAdapters } from './infra/redis/redis-adapters.js';
import { RedisEventFingerprints } from './infra/redis/redis-event-fingerprints.js';
import { RedisSoldOutMarks } from './infra/redis/redis-sold-out-marks.js';
import { builtInProcessors } from './processors/built-in-processors.js';
import type { ProcessorDeps } from './processors/processor-deps.js';
import { ActivityAdmin } from './service/activity-admin.js';
import { CachedActivityRepository } from './service/cached-activity-repository.js';
import { ConfigChanges } from './service/config-changes.js';
import { Dispatcher } from './service/dispatcher.js';
import { simulatedInstanceStore, simulatedLedger } from './service/dry-run-ports.js';
import { EventIdentity } from './service/event-identity.js';
import { Explainer } from './service/explain.js';
import { InstanceLocks, type LockOptions } from './service/instance-lock.js';
import { DEFAULT_LEDGER_CONCURRENCY, DEFAULT_SOLD_OUT_TTL_MS, gatedLedger } from './service/issuance-gates.js';
import { LiveConfig } from './service/live-config.js';
import { ProcessorRegistry } from './service/processor-registry.js';
import { retrying } from './service/retry.js';
import { TemplateAdmin } from './service/template-admin.js';
import { TemplateRegistry } from './service/template-registry.js';
import { UserRights } from './service/user-rights.js';

/** Where shared state lives; unset URLs fall back to the embedded in-memory default. */
export interface AppEnvironment {
  readonly REDIS_URL?: string;
  readonly DATABASE_URL?: string;
  readonly BROKER_URL?: string;
  readonly ADMIN_TOKEN?: string;
  /** Names this deployment in shared services: Redis keys `NAMESPACE:…`, the broker's stream, queue and subject. Default `sc`. */
  readonly NAMESPACE?: string;
  /** PostgreSQL schema of this deployment. Default `strategy_center`. */
  readonly DATABASE_SCHEMA?: string;
  /** `true` applies pending PostgreSQL migrations at start (else run `strategy-center migrate`). */
  readonly MIGRATE?: string;
  /** Chaos testing only: faults to inject (see access/chaos/fault-injection.ts). Unset: none, as in production. */
  readonly STRATEGY_CENTER_FAULTS?: string;
  /** Ms a delivery may stay unsettled before the broker hands it to another worker. Default 30000. */
  readonly BROKER_ACK_WAIT_MS?: string;
  /** Ms a publish waits for an unreachable broker before `POST /v1/behaviors` answers 503. Default 10000. */
  readonly BROKER_PUBLISH_TIMEOUT_MS?: string;
  /** PostgreSQL connections of this process. Default 10. */
  readonly DATABASE_POOL_SIZE?: string;
  /** Issuances of this process in the rights ledger at once; more wait their turn. Default 8 (see bench/README.md). */
  readonly LEDGER_CONCURRENCY?: string;
  /** Ms a pool's sold-out mark lives unless stock is added first. Default 2000. */
  readonly SOLD_OUT_TTL_MS?: string;
}

export interface AppOptions {
  readonly configPath: string;
  readonly env?: AppEnvironment;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Templates written in TypeScript; they register exactly like declared ones. */
  readonly templates?: readonly StrategyTemplate[];
  /** Custom processors, built with the same ports as the built-in ones. */
  readonly processors?: (deps: ProcessorDeps) => readonly Processor[];
  readonly lock?: Partial<LockOptions>;
  /** Deliveries of a behavior message before it is dead-lettered. */
  readonly maxDeliveryAttempts?: number;
  /** Watch the config file and apply its changes while running (`serve` and `worker` do). Default false. */
  readonly watchConfig?: boolean;
  /** Full reload of templates and activities this often, behind the change feed. Default 30 s. */
  readonly configRefreshIntervalMs?: number;
}

/** The adapters behind the ports, and how to let go of them. */
interface Backends {
  readonly describe: { state: string; records: string; broker: string };
  readonly instances: InstanceStore;
  readonly locks: LockStore;
  readonly behaviors: BehaviorCounter;
  readonly traces: TraceStore;
  /** Reads served from a snapshot that the live configuration keeps current. */
  readonly activities: CachedActivityRepository;
  readonly ledger: RightsLedger;
  readonly deadLetters: DeadLetterStore;
  /** What each event id was first used with (Redis with REDIS_URL, else in memory). */
  readonly eventFingerprints: EventFingerprints;
  /** Sold-out hints of the benefit pools: shared through Redis with REDIS_URL, else this process's own. */
  readonly soldOutMarks: SoldOutMarks;
  readonly templateStore: TemplateStore;
  readonly changeLog: ChangeLog;
  /** PostgreSQL LISTEN/NOTIFY with DATABASE_URL, else Redis pub/sub with REDIS_URL, else in-process. */
  readonly changeFeed: ChangeFeed;
  readonly broker: Broker;
  close(): Promise<void>;
}

export interface App {
  readonly config: LoadedConfig;
  readonly backends: Backends['describe'];
  readonly dispatcher: Dispatcher;
  /** Runs chains with every write simulated: outcomes and traces as they would be. */
  readonly dryRunDispatcher: Dispatcher;
  /** Refuses an event id reused with different content (HTTP and broker edges call it before dispatch). */
  readonly eventIdentity: EventIdentity;
  readonly intake: BehaviorIntake;
  readonly rights: UserRights;
  readonly explainer: Explainer;
  readonly admin: ActivityAdmin;
  /** Publishes declared templates (admin API, config file). */
  readonly templateAdmin: TemplateAdmin;
  /** Hot reload: the config file, other processes' changes, the periodic refresh. */
  readonly liveConfig: LiveConfig;
  /** Every change of activities and templates: who, when, before, after. */
  readonly changeLog: ChangeLog;
  readonly activities: ActivityRepository;
  readonly templates: TemplateRegistry;
  readonly processors: ProcessorRegistry;
  readonly ledger: RightsLedger;
  readonly traces: TraceStore;
  readonly deadLetters: DeadLetterStore;
  readonly broker: Broker;
  readonly metrics: Metrics;
  readonly adminToken: string | undefined;
  /** Starts consuming behavior events from the broker (workers). */
  startConsuming(options?: { concurrency?: number }): Promise<void>;
  /** Publishes a dead letter's original message again; it must parse now. */
  replayDeadLetter(id: string): Promise<DeadLetter>;
  /** Stops consuming (finishing what is in flight), then closes every connection. */
  close(): Promise<void>;
}

/** The composition root: the one place where adapters are chosen and wired to the ports. */
export async function createApp(options: AppOptions): Promise<App> {
  const env = options.env ?? {};
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  // Off (every port and processor as is) unless STRATEGY_CENTER_FAULTS names faults.
  const faults = FaultInjector.fromEnvironment(env.STRATEGY_CENTER_FAULTS, (fault) => logger?.warn({ fault }, 'fault injected'));
  if (faults.active) logger?.warn({ faults: faults.plan }, 'FAULT INJECTION IS ON (STRATEGY_CENTER_FAULTS): for chaos tests only');
  const backends = await openBackends(env, logger);
  const catalog = new StaticCatalog();
  const processorDeps = {
    activities: backends.activities,
    instances: backends.instances,
    ledger: gatedLedger(faults.ledger(backends.ledger), {
      concurrency: wholeNumberSetting(env, 'LEDGER_CONCURRENCY', 1, 1024) ?? DEFAULT_LEDGER_CONCURRENCY,
      soldOut: backends.soldOutMarks,
      soldOutTtlMs: wholeNumberSetting(env, 'SOLD_OUT_TTL_MS', 1, 3_600_000) ?? DEFAULT_SOLD_OUT_TTL_MS,
      onMarkError: (error) => logger?.warn({ err: error }, 'sold-out mark unavailable; the ledger decides alone'),
    }),
    catalog: catalog as Catalog,
    recall: catalog as Recall,
  };
  const processors = new ProcessorRegistry(faults.processors(builtInProcessors(processorDeps)));
  for (const processor of options.processors?.(processorDeps) ?? []) processors.register(processor);
  const templates = new TemplateRegistry(options.templates ?? []);

  // Names this process in change notices: it applies its own changes already.
  const origin = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Without PostgreSQL each process keeps its own records: change notices must carry the new value.
  const sharedRecords = backends.describe.records !== 'memory';
  const changes = new ConfigChanges({ log: backends.changeLog, feed: backends.changeFeed, clock, origin, carryBodies: !sharedRecords });
  const admin = new ActivityAdmin({ activities: backends.activities, ledger: processorDeps.ledger, templates, changes });
  const templateAdmin = new TemplateAdmin({
    store: backends.templateStore,
    registry: templates,
    codeTemplateRefs: (options.templates ?? []).map(formatTemplateRef),
    changes,
  });
  const liveConfig = new LiveConfig({
    activities: backends.activities,
    registry: templates,
    templateAdmin,
    activityAdmin: admin,
    changeLog: backends.changeLog,
    feed: backends.changeFeed,
    clock,
    origin,
    processorNames: () => processors.names(),
    codeTemplates: options.templates ?? [],
    loadFile: (context) => loadConfig(options.configPath, context),
    ...(options.watchConfig
      ? {
          watchFile: (path: string, onChange: () => void) =>
            watchConfigFile(path, onChange, {
              onError: (error) => logger?.warn({ err: error, path }, 'config file watch failed; re-arming'),
            }),
        }
      : {}),
    applyNoticeBodies: !sharedRecords,
    ...(options.configRefreshIntervalMs === undefined ? {} : { refreshIntervalMs: options.configRefreshIntervalMs }),
    ...(logger ? { logger } : {}),
  });
  let config: LoadedConfig;
  try {
    config = await liveConfig.start();
    if (config.catalogPath) {
      const path = config.catalogPath;
      await catalog.loadFile(path).catch((error: unknown) => {
        throw new InvalidConfigError([{ path: 'catalog', message: `${path}: ${error instanceof Error ? error.message : String(error)}` }]);
      });
    }
  } catch (error) {
    await liveConfig.close();
    await backends.close();
    throw error;
  }
  // Dry runs use the same processors on ports that read for real and simulate every write.
  const dryRunDeps = {
    ...processorDeps,
    instances: simulatedInstanceStore(processorDeps.instances),
    ledger: simulatedLedger(processorDeps.ledger),
  };
  const dryRunProcessors = new ProcessorRegistry(builtInProcessors(dryRunDeps));
  for (const processor of options.processors?.(dryRunDeps) ?? []) dryRunProcessors.register(processor);

  const metrics = new Metrics();
  const dispatcherDeps = {
    activities: backends.activities,
    templates,
    processors,
    locks: new InstanceLocks(backends.locks, options.lock),
    instances: backends.instances,
    traces: backends.traces,
    clock,
  };
  const dispatcher = new Dispatcher({ ...dispatcherDeps, observer: metrics });
  const dryRunDispatcher = new Dispatcher({ ...dispatcherDeps, processors: dryRunProcessors, dryRun: true });
  const intake = new BehaviorIntake({
    rules: () => liveConfig.current.behaviorRules,
    counter: backends.behaviors,
    broker: backends.broker,
    clock,
  });
  const subscriptions: Subscription[] = [];
  const eventIdentity = new EventIdentity(backends.eventFingerprints);

  return {
    get config() {
      return liveConfig.current;
    },
    backends: backends.describe,
    dispatcher,
    dryRunDispatcher,
    eventIdentity,
    intake,
    rights: new UserRights({ instances: processorDeps.instances, ledger: processorDeps.ledger, clock }),
    explainer: new Explainer({ traces: backends.traces, ledger: backends.ledger, instances: backends.instances, clock }),
    admin,
    templateAdmin,
    liveConfig,
    changeLog: backends.changeLog,
    activities: backends.activities,
    templates,
    processors,
    ledger: processorDeps.ledger,
    traces: backends.traces,
    deadLetters: backends.deadLetters,
    broker: backends.broker,
    metrics,
    adminToken: env.ADMIN_TOKEN || undefined,
    async startConsuming(consumeOptions = {}) {
      const handler = behaviorConsumer({
        dispatcher,
        eventIdentity,
        deadLetters: backends.deadLetters,
        maxAttempts: options.maxDeliveryAttempts ?? 5,
        source: backends.broker.kind,
        ...(logger ? { logger } : {}),
      });
      const counted: typeof handler = async (delivery) => {
        const verdict = await handler(delivery);
        metrics.deliveries.inc({ verdict });
        return verdict;
      };
      subscriptions.push(
        await backends.broker.subscribe(counted, {
          concurrency: consumeOptions.concurrency ?? defaultConsumerConcurrency(backends.broker.kind),
        }),
      );
    },
    async replayDeadLetter(id) {
      const letter = await backends.deadLetters.get(id);
      if (!letter) throw new NotFoundError('dead letter', id);
      if (letter.replayedAt) throw new ConflictError(`dead letter ${id} was already replayed at ${letter.replayedAt}`);
      const message = parseBehaviorMessage(letter.body);
      // Claimed before publishing: of two concurrent replays only one publishes.
      const claimed = await backends.deadLetters.claimReplay(id, clock.nowMs());
      if (!claimed) throw new ConflictError(`dead letter ${id} is being replayed, or was just replayed`);
      try {
        // Its own message id: a de-duplicating broker would otherwise drop it as a repeat of the original.
        await backends.broker.publish(message, { messageId: `dead-letter:${letter.id}` });
      } catch (error) {
        await backends.deadLetters.releaseReplay(id).catch(() => undefined);
        throw error;
      }
      return claimed;
    },
    async close() {
      await liveConfig.close();
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await backends.close();
    },
  };
}

async function openBackends(env: AppEnvironment, logger: Logger | undefined): Promise<Backends> {
  const namespace = env.NAMESPACE || 'sc';
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const state = env.REDIS_URL
      ? (() => {
          const redis = createRedisAdapters({
            url: env.REDIS_URL,
            prefix: `${namespace}:`,
            onConnectionError: (error) => logger?.warn({ err: error }, 'redis connection error'),
          });
          closers.push(() => redis.close());
          // The Redis adapters surface transient faults; the PostgreSQL ones retry on their own.
          return {
            kind: 'redis',
            instances: retrying(redis.instances),
            locks: redis.locks,
            behaviors: retrying(redis.behaviors),
            traces: redis.traces,
            changeFeed: redis.changeFeed,
            eventFingerprints: retrying(new RedisEventFingerprints(redis.redis, { prefix: `${namespace}:` })),
            soldOutMarks: new RedisSoldOutMarks(redis.redis, { prefix: `${namespace}:` }) as SoldOutMarks,
          };
        })()
      : {
          kind: 'memory',
          instances: new MemoryInstanceStore(),
          locks: new MemoryLockStore(),
          behaviors: new MemoryBehaviorCounter(),
          traces: new MemoryTraceStore(),
          changeFeed: new MemoryChangeFeed() as ChangeFeed,
          eventFingerprints: new MemoryEventFingerprints() as EventFingerprints,
          soldOutMarks: new MemorySoldOutMarks() as SoldOutMarks,
        };
    let records: Pick<Backends, 'ledger' | 'deadLetters' | 'templateStore' | 'changeLog'> & {
      kind: string;
      activities: ActivityRepository;
      changeFeed?: ChangeFeed;
    };
    if (env.DATABASE_URL) {
      const postgres = await createPostgresAdapters({
        url: env.DATABASE_URL,
        ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
        migrate: env.MIGRATE === 'true' || env.MIGRATE === '1',
        poolSize: wholeNumberSetting(env, 'DATABASE_POOL_SIZE', 1, 1000),
        onChangeFeedError: (error) => logger?.warn({ err: error }, 'change feed connection lost; reconnecting'),
      });
      closers.push(() => postgres.close());
      const pending = await postgres.pending();
      if (pending.length > 0) {
        throw new StrategyCenterError(
          'invalid_config',
          `PostgreSQL schema '${postgres.schema}' has ${pending.length} pending migration(s) (${pending.join(', ')}): run \`strategy-center migrate\` or start with MIGRATE=true`,
          { details: [{ path: 'DATABASE_URL', message: `schema '${postgres.schema}' is not migrated` }] },
        );
      }
      records = {
        kind: 'postgres',
        activities: postgres.activities,
        ledger: postgres.ledger,
        deadLetters: postgres.deadLetters,
        templateStore: postgres.templates,
        changeLog: postgres.changeLog,
        changeFeed: postgres.changeFeed,
      };
    } else {
      records = {
        kind: 'memory',
        activities: new MemoryActivityRepository(),
        ledger: new MemoryRightsLedger(),
        deadLetters: new MemoryDeadLetterStore(),
        templateStore: new MemoryTemplateStore(),
        changeLog: new MemoryChangeLog(),
      };
    }
    let broker: Broker;
    if (env.BROKER_URL) {
      broker = await createBroker(env.BROKER_URL, {
        name: namespace.replace(/[^A-Za-z0-9_-]/g, '_'),
        ...(env.BROKER_ACK_WAIT_MS ? { ackWaitMs: Number(env.BROKER_ACK_WAIT_MS) } : {}),
        ...(env.BROKER_PUBLISH_TIMEOUT_MS ? { publishTimeoutMs: Number(env.BROKER_PUBLISH_TIMEOUT_MS) } : {}),
        onError: (error) => logger?.warn({ err: error }, 'broker fault recovered'),
      });
    } else {
      broker = new InProcessBroker();
    }
    closers.push(() => broker.close());
    return {
      describe: { state: state.kind, records: records.kind, broker: broker.kind },
      ...state,
      ...records,
      activities: new CachedActivityRepository(records.activities),
      changeFeed: records.changeFeed ?? state.changeFeed,
      broker,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
