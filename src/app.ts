import type { Logger } from 'pino';
import { behaviorConsumer } from './access/behavior-consumer.js';
import { BehaviorIntake } from './access/behavior-intake.js';
import { parseBehaviorMessage } from './access/behavior-message.js';
import { Metrics } from './access/metrics.js';
import { type LoadedConfig, loadConfig } from './config/load-config.js';
import { ConflictError, NotFoundError, StrategyCenterError } from './domain/errors.js';
import type { ActivityRepository } from './domain/ports/activity-repository.js';
import type { BehaviorCounter } from './domain/ports/behavior-counter.js';
import type { Broker, Subscription } from './domain/ports/broker.js';
import type { Catalog, Recall } from './domain/ports/catalog.js';
import { type Clock, systemClock } from './domain/ports/clock.js';
import type { DeadLetter, DeadLetterStore } from './domain/ports/dead-letter-store.js';
import type { InstanceStore } from './domain/ports/instance-store.js';
import type { LockStore } from './domain/ports/lock-store.js';
import type { RightsLedger } from './domain/ports/rights-ledger.js';
import type { TraceStore } from './domain/ports/trace-store.js';
import type { Processor } from './domain/processor.js';
import { declaredTemplate, type StrategyTemplate } from './domain/strategy-template.js';
import { createBroker } from './infra/broker/create-broker.js';
import { StaticCatalog } from './infra/catalog/static-catalog.js';
import { InProcessBroker } from './infra/memory/in-process-broker.js';
import { MemoryActivityRepository } from './infra/memory/memory-activity-repository.js';
import { MemoryBehaviorCounter } from './infra/memory/memory-behavior-counter.js';
import { MemoryDeadLetterStore } from './infra/memory/memory-dead-letter-store.js';
import { MemoryInstanceStore } from './infra/memory/memory-instance-store.js';
import { MemoryLockStore } from './infra/memory/memory-lock-store.js';
import { MemoryRightsLedger } from './infra/memory/memory-rights-ledger.js';
import { MemoryTraceStore } from './infra/memory/memory-trace-store.js';
import { createPostgresAdapters } from './infra/postgres/postgres-adapters.js';
import { createRedisAdapters } from './infra/redis/redis-adapters.js';
import { builtInProcessors } from './processors/built-in-processors.js';
import type { ProcessorDeps } from './processors/processor-deps.js';
import { ActivityAdmin } from './service/activity-admin.js';
import { Dispatcher } from './service/dispatcher.js';
import { simulatedInstanceStore, simulatedLedger } from './service/dry-run-ports.js';
import { Explainer } from './service/explain.js';
import { InstanceLocks, type LockOptions } from './service/instance-lock.js';
import { ProcessorRegistry } from './service/processor-registry.js';
import { retrying } from './service/retry.js';
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
}

/** The adapters behind the ports, and how to let go of them. */
interface Backends {
  readonly describe: { state: string; records: string; broker: string };
  readonly instances: InstanceStore;
  readonly locks: LockStore;
  readonly behaviors: BehaviorCounter;
  readonly traces: TraceStore;
  readonly activities: ActivityRepository;
  readonly ledger: RightsLedger;
  readonly deadLetters: DeadLetterStore;
  readonly broker: Broker;
  close(): Promise<void>;
}

export interface App {
  readonly config: LoadedConfig;
  readonly backends: Backends['describe'];
  readonly dispatcher: Dispatcher;
  /** Runs chains with every write simulated: outcomes and traces as they would be. */
  readonly dryRunDispatcher: Dispatcher;
  readonly intake: BehaviorIntake;
  readonly rights: UserRights;
  readonly explainer: Explainer;
  readonly admin: ActivityAdmin;
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
  const backends = await openBackends(env, logger);
  const catalogPlaceholder = new StaticCatalog([]);
  const processorDeps = {
    activities: backends.activities,
    instances: backends.instances,
    ledger: backends.ledger,
    catalog: catalogPlaceholder as Catalog,
    recall: catalogPlaceholder as Recall,
  };
  const processors = new ProcessorRegistry(builtInProcessors(processorDeps));
  for (const processor of options.processors?.(processorDeps) ?? []) processors.register(processor);
  const templates = new TemplateRegistry(options.templates ?? []);

  let config: LoadedConfig;
  try {
    config = await loadConfig(options.configPath, {
      processorNames: processors.names(),
      codeTemplates: templates.list(),
    });
  } catch (error) {
    await backends.close();
    throw error;
  }
  if (config.catalogPath) {
    const catalog = await StaticCatalog.fromFile(config.catalogPath);
    processorDeps.catalog = catalog;
    processorDeps.recall = catalog;
  }
  for (const declaration of config.templates) templates.register(declaredTemplate(declaration));
  // Dry runs use the same processors on ports that read for real and simulate every write.
  const dryRunDeps = {
    ...processorDeps,
    instances: simulatedInstanceStore(processorDeps.instances),
    ledger: simulatedLedger(processorDeps.ledger),
  };
  const dryRunProcessors = new ProcessorRegistry(builtInProcessors(dryRunDeps));
  for (const processor of options.processors?.(dryRunDeps) ?? []) dryRunProcessors.register(processor);

  const admin = new ActivityAdmin({ activities: backends.activities, ledger: processorDeps.ledger, templates });
  for (const [i, activity] of config.activities.entries()) await admin.publish(activity, `activities[${i}]`);

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
  const intake = new BehaviorIntake({ rules: () => config.behaviorRules, counter: backends.behaviors, broker: backends.broker, clock });
  const subscriptions: Subscription[] = [];

  return {
    config,
    backends: backends.describe,
    dispatcher,
    dryRunDispatcher,
    intake,
    rights: new UserRights({ instances: processorDeps.instances, ledger: processorDeps.ledger, clock }),
    explainer: new Explainer({ traces: backends.traces, ledger: backends.ledger, instances: backends.instances, clock }),
    admin,
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
      subscriptions.push(await backends.broker.subscribe(counted, { concurrency: consumeOptions.concurrency ?? 16 }));
    },
    async replayDeadLetter(id) {
      const letter = await backends.deadLetters.get(id);
      if (!letter) throw new NotFoundError('dead letter', id);
      if (letter.replayedAt) throw new ConflictError(`dead letter ${id} was already replayed at ${letter.replayedAt}`);
      const message = parseBehaviorMessage(letter.body);
      await backends.broker.publish(message);
      await backends.deadLetters.markReplayed(id, clock.nowMs());
      return { ...letter, replayedAt: new Date(clock.nowMs()).toISOString() };
    },
    async close() {
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
          };
        })()
      : {
          kind: 'memory',
          instances: new MemoryInstanceStore(),
          locks: new MemoryLockStore(),
          behaviors: new MemoryBehaviorCounter(),
          traces: new MemoryTraceStore(),
        };
    let records: Pick<Backends, 'activities' | 'ledger' | 'deadLetters'> & { kind: string };
    if (env.DATABASE_URL) {
      const postgres = await createPostgresAdapters({
        url: env.DATABASE_URL,
        ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
        migrate: env.MIGRATE === 'true' || env.MIGRATE === '1',
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
      records = { kind: 'postgres', activities: postgres.activities, ledger: postgres.ledger, deadLetters: postgres.deadLetters };
    } else {
      records = {
        kind: 'memory',
        activities: new MemoryActivityRepository(),
        ledger: new MemoryRightsLedger(),
        deadLetters: new MemoryDeadLetterStore(),
      };
    }
    let broker: Broker;
    if (env.BROKER_URL) {
      broker = await createBroker(env.BROKER_URL, {
        name: namespace.replace(/[^A-Za-z0-9_-]/g, '_'),
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
      broker,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
