import type { Logger } from 'pino';
import { ApiClients } from '../access/auth/api-clients.js';
import { RequestAuthenticator } from '../access/auth/request-authenticator.js';
import { defaultConsumerConcurrency } from '../access/behavior-consumer.js';
import { BehaviorIntake } from '../access/behavior-intake.js';
import { parseBehaviorMessage } from '../access/behavior-message.js';
import { Metrics } from '../access/metrics.js';
import { parseRawBehavior, RAW_BEHAVIORS_SOURCE_SUFFIX } from '../access/raw-behavior-consumer.js';
import type { LoadedConfig } from '../config/load-config.js';
import { InvalidConfigError } from '../domain/errors.js';
import type { StoredClient } from '../domain/ports/api-client-store.js';
import type { Catalog, Recall } from '../domain/ports/catalog.js';
import { systemClock } from '../domain/ports/clock.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import type { Processor } from '../domain/processor.js';
import { StaticCatalog } from '../infra/catalog/static-catalog.js';
import { builtInProcessors } from '../processors/built-in-processors.js';
import type { ProcessorDeps } from '../processors/processor-deps.js';
import { ChannelEvents } from '../service/channel-events.js';
import { DeadLetterReplay } from '../service/dead-letter-replay.js';
import { Dispatcher, type DispatchObserver } from '../service/dispatcher.js';
import { simulatedInstanceStore, simulatedLedger } from '../service/dry-run-ports.js';
import { EventIdentity } from '../service/event-identity.js';
import { Explainer } from '../service/explain.js';
import { InstanceLocks } from '../service/instance-lock.js';
import { DEFAULT_LEDGER_CONCURRENCY, DEFAULT_SOLD_OUT_TTL_MS, gatedLedger } from '../service/issuance-gates.js';
import { OutcomeRecorder } from '../service/outcome-recorder.js';
import { OutcomeStats } from '../service/outcome-stats.js';
import { ProcessorRegistry } from '../service/processor-registry.js';
import { TemplateRegistry } from '../service/template-registry.js';
import { tracedLedger } from '../service/traced-ledger.js';
import { tracingEnabled } from '../service/tracing.js';
import { UserRights } from '../service/user-rights.js';
import { FaultInjector } from '../testing/fault-injection.js';
import type { App, AppOptions } from './app-options.js';
import { authModeOf } from './auth-mode.js';
import { openBackends } from './backends/open-backends.js';
import { BehaviorConsumers } from './behavior-consumers.js';
import { resolveClients, resolveStoredClients } from './client-credentials.js';
import { wireLiveConfiguration } from './live-configuration.js';
import { readSettings } from './settings.js';

export type { App, AppOptions } from './app-options.js';

/** The composition root: settings → backends → services. The one place adapters are chosen and wired to the ports. */
export async function createApp(options: AppOptions): Promise<App> {
  const settings = options.settings ?? readSettings(options.env ?? {});
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  // Off (every port and processor as is) unless STRATEGY_CENTER_FAULTS names faults.
  const faults = FaultInjector.fromEnvironment(settings.faults, (fault) => logger?.warn({ fault }, 'fault injected'));
  if (faults.active) logger?.warn({ faults: faults.plan }, 'FAULT INJECTION IS ON (STRATEGY_CENTER_FAULTS): for chaos tests only');
  const backends = await openBackends(settings, logger);

  const catalog = new StaticCatalog();
  // A span per ledger call when tracing is on; the port as is (no cost) when off.
  const traced = tracingEnabled() ? tracedLedger : (ledger: RightsLedger) => ledger;
  const processorDeps: ProcessorDeps = {
    activities: backends.activities,
    instances: backends.instances,
    // At most LEDGER_CONCURRENCY issuances of this process in the ledger; a sold-out pool answers from its mark.
    ledger: gatedLedger(traced(faults.ledger(backends.ledger)), {
      concurrency: settings.ledgerConcurrency ?? DEFAULT_LEDGER_CONCURRENCY,
      soldOut: backends.soldOutMarks,
      soldOutTtlMs: settings.soldOutTtlMs ?? DEFAULT_SOLD_OUT_TTL_MS,
      onMarkError: (error) => logger?.warn({ err: error }, 'sold-out mark unavailable; the ledger decides alone'),
    }),
    catalog: catalog as Catalog,
    recall: catalog as Recall,
  };
  const processors = processorRegistry(processorDeps, options, (built) => faults.processors(built));
  const codeTemplates = options.templates ?? [];
  const templates = new TemplateRegistry(codeTemplates);
  // The admin API's clients arrive from the first refresh on, before the authenticator exists.
  let storedClients: readonly StoredClient[] = [];
  let apiClients: ApiClients | undefined;
  const installClients = (stored: readonly StoredClient[]) => {
    storedClients = stored;
    apiClients?.replaceDeclaredThroughApi(
      resolveStoredClients(stored, settings.secretFromEnvironment, (clientId, secretEnv) =>
        logger?.warn({ client: clientId, secretEnv }, 'client declared through the admin API has no secret here: its variable is not set'),
      ),
    );
  };
  const { admin, templateAdmin, clientAdmin, liveConfig } = wireLiveConfiguration({
    installClients,
    backends,
    ledger: processorDeps.ledger,
    templates,
    processors,
    codeTemplates,
    options,
    clock,
    logger,
  });
  try {
    const config = await liveConfig.start();
    if (config.catalogPath) await loadCatalog(catalog, config.catalogPath);
  } catch (error) {
    await liveConfig.close();
    await backends.close();
    throw error;
  }

  const metrics = new Metrics();
  const outcomeRecorder = new OutcomeRecorder(backends.outcomes, {
    onError: (what, error) => logger?.warn({ err: error }, `outcome log ${what} failed; the stats will catch up`),
  });
  outcomeRecorder.start();
  const observer = observedChains(metrics, outcomeRecorder, logger);
  const dispatcherDeps = {
    activities: backends.activities,
    templates,
    processors,
    locks: new InstanceLocks(backends.locks, options.lock),
    instances: backends.instances,
    traces: backends.traces,
    clicks: backends.clicks,
    clock,
  };
  const dispatcher = new Dispatcher({ ...dispatcherDeps, observer, recentEvents: backends.recentEvents });
  // Dry runs use the same processors on ports that read for real and simulate every write.
  const dryRunProcessors = processorRegistry(
    { ...processorDeps, instances: simulatedInstanceStore(processorDeps.instances), ledger: simulatedLedger(processorDeps.ledger) },
    options,
  );
  const dryRunDispatcher = new Dispatcher({ ...dispatcherDeps, processors: dryRunProcessors, dryRun: true });
  const eventIdentity = new EventIdentity(backends.eventFingerprints);
  const channelEvents = new ChannelEvents({ dispatcher, dryRunDispatcher, eventIdentity, clock });
  const deadLetterReplay = new DeadLetterReplay({
    deadLetters: backends.deadLetters,
    broker: backends.broker,
    clock,
    parse: parseBehaviorMessage,
    raw: {
      queue: backends.rawBehaviors,
      isRawLetter: (letter) => letter.source.endsWith(RAW_BEHAVIORS_SOURCE_SUFFIX),
      check: (body) => void parseRawBehavior(body),
    },
  });
  const intake = new BehaviorIntake({
    rules: () => liveConfig.current.behaviorRules,
    counter: backends.behaviors,
    broker: backends.broker,
    clock,
  });
  apiClients = new ApiClients(resolveClients(liveConfig.current.clients, settings.secretFromEnvironment));
  installClients(storedClients);
  const authenticator = new RequestAuthenticator({
    mode: authModeOf(settings, liveConfig.current.auth),
    clients: apiClients,
    nonces: backends.nonces,
    ...(settings.adminToken === undefined ? {} : { adminToken: settings.adminToken }),
    ...(settings.adminReadToken === undefined ? {} : { adminReadToken: settings.adminReadToken }),
    now: () => clock.nowMs(),
  });
  const consumers = new BehaviorConsumers({
    broker: backends.broker,
    rawBehaviors: backends.rawBehaviors,
    events: channelEvents,
    intake,
    deadLetters: backends.deadLetters,
    metrics,
    maxAttempts: options.maxDeliveryAttempts ?? 5,
    logger,
  });

  return {
    get config(): LoadedConfig {
      return liveConfig.current;
    },
    backends: backends.describe,
    channelEvents,
    dispatcher,
    dryRunDispatcher,
    eventIdentity,
    intake,
    rights: new UserRights({
      instances: processorDeps.instances,
      ledger: processorDeps.ledger,
      clock,
      onRedeemed: (asset, atMs) => outcomeRecorder.redeemed(asset, atMs),
    }),
    recentEvents: backends.recentEvents,
    outcomeRecorder,
    stats: new OutcomeStats({
      activities: backends.activities,
      outcomes: backends.outcomes,
      ledger: backends.ledger,
      clock,
      flush: () => outcomeRecorder.flush(),
    }),
    explainer: new Explainer({ traces: backends.traces, ledger: backends.ledger, instances: backends.instances, clock }),
    admin,
    templateAdmin,
    clientAdmin,
    liveConfig,
    changeLog: backends.changeLog,
    activities: backends.activities,
    templates,
    processors,
    ledger: processorDeps.ledger,
    traces: backends.traces,
    deadLetters: backends.deadLetters,
    deadLetterReplay,
    broker: backends.broker,
    rawBehaviors: backends.rawBehaviors,
    metrics,
    authenticator,
    rateLimits: { nameSpace: `${settings.namespace}:ratelimit:`, ...(backends.rateLimitRedis ? { redis: backends.rateLimitRedis } : {}) },
    startConsuming: (consumeOptions = {}) =>
      consumers.start(consumeOptions.concurrency ?? defaultConsumerConcurrency(backends.broker.kind)),
    replayDeadLetter: (id) => deadLetterReplay.replay(id),
    async close() {
      await liveConfig.close();
      await consumers.close();
      await outcomeRecorder.close();
      await backends.close();
    },
  };
}

/**
 * Metrics and the outcome log for every chain, and a warning for each that failed on a fault (a
 * throw, not a business refusal): written inside the chain's span, so with tracing on the line
 * names the trace to open.
 */
function observedChains(metrics: Metrics, outcomes: OutcomeRecorder, logger: Logger | undefined): DispatchObserver {
  return {
    chainFinished(trace, fault, outcome) {
      metrics.chainFinished(trace, fault, outcome);
      outcomes.chainFinished(trace, outcome);
      if (fault !== undefined) {
        logger?.warn({ err: fault, eventId: trace.eventId, activityId: trace.activityId, processor: trace.decidedBy }, 'chain failed');
      }
    },
    bookkeepingFailed: (what) => metrics.bookkeepingFailed(what),
  };
}

/** The built-in processors and the embedder's, on `deps`; `wrap` lets fault injection instrument the built-in ones. */
function processorRegistry(
  deps: ProcessorDeps,
  options: AppOptions,
  wrap: (built: Processor[]) => Processor[] = (built) => built,
): ProcessorRegistry {
  const registry = new ProcessorRegistry(wrap(builtInProcessors(deps)));
  for (const processor of options.processors?.(deps) ?? []) registry.register(processor);
  return registry;
}

async function loadCatalog(catalog: StaticCatalog, path: string): Promise<void> {
  await catalog.loadFile(path).catch((error: unknown) => {
    throw new InvalidConfigError([{ path: 'catalog', message: `${path}: ${error instanceof Error ? error.message : String(error)}` }]);
  });
}
