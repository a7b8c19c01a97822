import type { Logger } from 'pino';
import type { RequestAuthenticator } from '../access/auth/request-authenticator.js';
import type { BehaviorIntake } from '../access/behavior-intake.js';
import type { RateLimitStore } from '../access/http/client-rate-limits.js';
import type { Metrics } from '../access/metrics.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { Broker, RawQueue } from '../domain/ports/broker.js';
import type { ChangeLog } from '../domain/ports/change-log.js';
import type { Clock } from '../domain/ports/clock.js';
import type { DeadLetter, DeadLetterStore } from '../domain/ports/dead-letter-store.js';
import type { RecentEventLog } from '../domain/ports/recent-events.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import type { TraceStore } from '../domain/ports/trace-store.js';
import type { Processor } from '../domain/processor.js';
import type { StrategyTemplate } from '../domain/strategy-template.js';
import type { ProcessorDeps } from '../processors/processor-deps.js';
import type { ActivityAdmin } from '../service/activity-admin.js';
import type { ChannelEvents } from '../service/channel-events.js';
import type { ClientAdmin } from '../service/client-admin.js';
import type { DeadLetterReplay } from '../service/dead-letter-replay.js';
import type { Dispatcher } from '../service/dispatcher.js';
import type { EventIdentity } from '../service/event-identity.js';
import type { Explainer } from '../service/explain.js';
import type { LockOptions } from '../service/instance-lock.js';
import type { LiveConfig } from '../service/live-config.js';
import type { OutcomeRecorder } from '../service/outcome-recorder.js';
import type { OutcomeStats } from '../service/outcome-stats.js';
import type { ProcessorRegistry } from '../service/processor-registry.js';
import type { TemplateAdmin } from '../service/template-admin.js';
import type { TemplateRegistry } from '../service/template-registry.js';
import type { UserRights } from '../service/user-rights.js';
import type { Environment, Settings } from './settings.js';

export interface AppOptions {
  readonly configPath: string;
  /** Typed settings (the CLI reads them from `process.env` once); else parsed from `env`. */
  readonly settings?: Settings;
  /** Raw environment variables, parsed by `readSettings`; unset variables fall back to the embedded defaults. */
  readonly env?: Environment;
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

/** The services of one process, wired to its backends. The HTTP routes, the CLI and embedders use these. */
export interface App {
  readonly config: LoadedConfig;
  readonly backends: { state: string; records: string; broker: string };
  /** Claim the event id, then dispatch (HTTP and broker); dry runs too. */
  readonly channelEvents: ChannelEvents;
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
  readonly clientAdmin: ClientAdmin;
  /** Hot reload: the config file, other processes' changes, the periodic refresh. */
  readonly liveConfig: LiveConfig;
  /** Every change of activities and templates: who, when, before, after. */
  readonly changeLog: ChangeLog;
  readonly activities: ActivityRepository;
  readonly templates: TemplateRegistry;
  readonly processors: ProcessorRegistry;
  readonly ledger: RightsLedger;
  readonly traces: TraceStore;
  /** The live view's list of handled events. */
  readonly recentEvents: RecentEventLog;
  /** Outcomes recorded off the issuance path, for the stats. */
  readonly outcomeRecorder: OutcomeRecorder;
  /** `GET /v1/activities/:id/stats`. */
  readonly stats: OutcomeStats;
  readonly deadLetters: DeadLetterStore;
  readonly deadLetterReplay: DeadLetterReplay;
  readonly broker: Broker;
  /** The namespace's raw-behavior queue (clickstream relays); consumed by `startConsuming` beside the broker. */
  readonly rawBehaviors: RawQueue;
  readonly metrics: Metrics;
  /** Who may call which route; built from the config's clients, the admin tokens and AUTH. */
  readonly authenticator: RequestAuthenticator;
  readonly rateLimits: RateLimitStore;
  /** Starts consuming behavior events from the broker (workers). */
  startConsuming(options?: { concurrency?: number }): Promise<void>;
  /** Publishes a dead letter's original message again; it must parse now. */
  replayDeadLetter(id: string): Promise<DeadLetter>;
  /** Stops consuming (finishing what is in flight), then closes every connection. */
  close(): Promise<void>;
}
