import type { ActivityRepository } from '../../domain/ports/activity-repository.js';
import type { ApiClientStore } from '../../domain/ports/api-client-store.js';
import type { BehaviorCounter } from '../../domain/ports/behavior-counter.js';
import type { ChangeFeed } from '../../domain/ports/change-feed.js';
import type { ChangeLog } from '../../domain/ports/change-log.js';
import type { ClickCounter } from '../../domain/ports/click-counter.js';
import type { DeadLetterStore } from '../../domain/ports/dead-letter-store.js';
import type { EventFingerprints } from '../../domain/ports/event-fingerprints.js';
import type { InstanceStore } from '../../domain/ports/instance-store.js';
import type { LockStore } from '../../domain/ports/lock-store.js';
import type { NonceStore } from '../../domain/ports/nonce-store.js';
import type { OutcomeLog } from '../../domain/ports/outcome-log.js';
import type { RecentEventLog } from '../../domain/ports/recent-events.js';
import type { RightsLedger } from '../../domain/ports/rights-ledger.js';
import type { SoldOutMarks } from '../../domain/ports/sold-out-marks.js';
import type { TemplateStore } from '../../domain/ports/template-store.js';
import type { TraceStore } from '../../domain/ports/trace-store.js';

/** Hot per-user state: Redis with REDIS_URL, else memory. */
export interface StateBackend {
  readonly kind: string;
  readonly instances: InstanceStore;
  readonly locks: LockStore;
  readonly behaviors: BehaviorCounter;
  readonly traces: TraceStore;
  /** The live view's capped list of handled events. */
  readonly recentEvents: RecentEventLog;
  /** What each event id was first used with. */
  readonly eventFingerprints: EventFingerprints;
  /** Sold-out hints of the benefit pools: shared through Redis with REDIS_URL, else this process's own. */
  readonly soldOutMarks: SoldOutMarks;
  /** One user's clicks per activity (`limits.clicksPerUser`), shared by every API process on Redis. */
  readonly clicks: ClickCounter;
  /** Nonces of signed client requests, shared by every API process on Redis. */
  readonly nonces: NonceStore;
  /** The Redis connection @fastify/rate-limit counts on, shared by every API process; absent in memory. */
  readonly rateLimitRedis?: unknown;
  /** Redis pub/sub with REDIS_URL, else in-process; used when the records have no feed of their own. */
  readonly changeFeed: ChangeFeed;
  close(): Promise<void>;
}

/** Durable records: PostgreSQL with DATABASE_URL, else memory. */
export interface RecordsBackend {
  readonly kind: string;
  readonly activities: ActivityRepository;
  readonly ledger: RightsLedger;
  readonly deadLetters: DeadLetterStore;
  readonly templateStore: TemplateStore;
  readonly changeLog: ChangeLog;
  /** Clients declared through the admin API. */
  readonly clientStore: ApiClientStore;
  /** Outcomes counted per hour for the stats endpoint. */
  readonly outcomes: OutcomeLog;
  /** PostgreSQL LISTEN/NOTIFY; absent in memory. */
  readonly changeFeed?: ChangeFeed;
  close(): Promise<void>;
}
