import { InProcessBroker } from '../../infra/memory/in-process-broker.js';
import { MemoryActivityRepository } from '../../infra/memory/memory-activity-repository.js';
import { MemoryApiClientStore } from '../../infra/memory/memory-api-client-store.js';
import { MemoryBehaviorCounter } from '../../infra/memory/memory-behavior-counter.js';
import { MemoryChangeFeed } from '../../infra/memory/memory-change-feed.js';
import { MemoryChangeLog } from '../../infra/memory/memory-change-log.js';
import { MemoryClickCounter } from '../../infra/memory/memory-click-counter.js';
import { MemoryDeadLetterStore } from '../../infra/memory/memory-dead-letter-store.js';
import { MemoryEventFingerprints } from '../../infra/memory/memory-event-fingerprints.js';
import { MemoryInstanceStore } from '../../infra/memory/memory-instance-store.js';
import { MemoryLockStore } from '../../infra/memory/memory-lock-store.js';
import { MemoryNonceStore } from '../../infra/memory/memory-nonce-store.js';
import { MemoryOutcomeLog } from '../../infra/memory/memory-outcome-log.js';
import { MemoryRecentEvents } from '../../infra/memory/memory-recent-events.js';
import { MemoryRightsLedger } from '../../infra/memory/memory-rights-ledger.js';
import { MemorySoldOutMarks } from '../../infra/memory/memory-sold-out-marks.js';
import { MemoryTemplateStore } from '../../infra/memory/memory-template-store.js';
import { MemoryTraceStore } from '../../infra/memory/memory-trace-store.js';
import type { RecordsBackend, StateBackend } from './backends.js';

/** The embedded default: everything in this process, nothing to set up, nothing shared. */
export function memoryState(): StateBackend {
  return {
    kind: 'memory',
    instances: new MemoryInstanceStore(),
    locks: new MemoryLockStore(),
    behaviors: new MemoryBehaviorCounter(),
    traces: new MemoryTraceStore(),
    recentEvents: new MemoryRecentEvents(),
    eventFingerprints: new MemoryEventFingerprints(),
    soldOutMarks: new MemorySoldOutMarks(),
    clicks: new MemoryClickCounter(),
    nonces: new MemoryNonceStore(),
    changeFeed: new MemoryChangeFeed(),
    close: async () => {},
  };
}

export function memoryRecords(): RecordsBackend {
  return {
    kind: 'memory',
    activities: new MemoryActivityRepository(),
    ledger: new MemoryRightsLedger(),
    deadLetters: new MemoryDeadLetterStore(),
    templateStore: new MemoryTemplateStore(),
    changeLog: new MemoryChangeLog(),
    clientStore: new MemoryApiClientStore(),
    outcomes: new MemoryOutcomeLog(),
    close: async () => {},
  };
}

export function inProcessBroker(): InProcessBroker {
  return new InProcessBroker();
}
