import type { ActivityRepository } from '../../domain/ports/activity-repository.js';
import type { ChangeLog } from '../../domain/ports/change-log.js';
import type { DeadLetterStore } from '../../domain/ports/dead-letter-store.js';
import type { RecentEventLog } from '../../domain/ports/recent-events.js';
import type { TraceStore } from '../../domain/ports/trace-store.js';
import type { ActivityAdmin } from '../../service/activity-admin.js';
import type { ChannelEvents } from '../../service/channel-events.js';
import type { ClientAdmin } from '../../service/client-admin.js';
import type { DeadLetterReplay } from '../../service/dead-letter-replay.js';
import type { Explainer } from '../../service/explain.js';
import type { OutcomeStats } from '../../service/outcome-stats.js';
import type { TemplateAdmin } from '../../service/template-admin.js';
import type { TemplateRegistry } from '../../service/template-registry.js';
import type { UserRights } from '../../service/user-rights.js';
import type { RequestAuthenticator } from '../auth/request-authenticator.js';
import type { BehaviorIntake } from '../behavior-intake.js';
import type { Metrics } from '../metrics.js';
import type { RateLimitStore } from './client-rate-limits.js';

/**
 * What the HTTP routes may use: services and read ports, never an adapter (dependency-cruiser
 * forbids `access/http` → `infra/`). The App built by `app/create-app.ts` provides all of it.
 */
export interface HttpServices {
  readonly channelEvents: ChannelEvents;
  readonly intake: BehaviorIntake;
  readonly rights: UserRights;
  readonly explainer: Explainer;
  readonly activities: ActivityRepository;
  readonly admin: ActivityAdmin;
  readonly templateAdmin: TemplateAdmin;
  /** Clients declared through the admin API. */
  readonly clientAdmin: ClientAdmin;
  readonly templates: TemplateRegistry;
  readonly traces: TraceStore;
  readonly recentEvents: RecentEventLog;
  readonly stats: OutcomeStats;
  readonly deadLetters: DeadLetterStore;
  readonly deadLetterReplay: DeadLetterReplay;
  readonly changeLog: ChangeLog;
  readonly metrics: Metrics;
  readonly backends: { readonly state: string; readonly records: string; readonly broker: string };
  /** Who may call which route: signed client requests, admin tokens, or open (auth off). */
  readonly authenticator: RequestAuthenticator;
  /** Where client rate limits count: Redis shared by every API process, else this process. */
  readonly rateLimits: RateLimitStore;
}

/** The options every route plugin receives. */
export interface RouteOptions {
  readonly services: HttpServices;
}
