import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { watchConfigFile } from '../config/config-file-watcher.js';
import { loadConfig } from '../config/load-config.js';
import type { StoredClient } from '../domain/ports/api-client-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import type { StrategyTemplate } from '../domain/strategy-template.js';
import { formatTemplateRef } from '../domain/template-ref.js';
import { ActivityAdmin } from '../service/activity-admin.js';
import { ClientAdmin, type FileClient } from '../service/client-admin.js';
import { ConfigChanges } from '../service/config-changes.js';
import { LiveConfig } from '../service/live-config.js';
import type { ProcessorRegistry } from '../service/processor-registry.js';
import { TemplateAdmin } from '../service/template-admin.js';
import type { TemplateRegistry } from '../service/template-registry.js';
import type { AppOptions } from './app-options.js';
import type { Backends } from './backends/open-backends.js';

export interface LiveConfiguration {
  readonly admin: ActivityAdmin;
  readonly templateAdmin: TemplateAdmin;
  readonly clientAdmin: ClientAdmin;
  readonly liveConfig: LiveConfig;
}

/** The publishers of activities and templates and the hot reload that feeds them (file, other processes, refresh). */
export function wireLiveConfiguration(deps: {
  readonly backends: Backends;
  /** The ledger as the processors see it (fault-injected in chaos tests). */
  readonly ledger: RightsLedger;
  readonly templates: TemplateRegistry;
  readonly processors: ProcessorRegistry;
  readonly codeTemplates: readonly StrategyTemplate[];
  readonly options: AppOptions;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  /** Puts the clients declared through the admin API in force in this process. */
  readonly installClients: (clients: readonly StoredClient[]) => void;
}): LiveConfiguration {
  const { backends, templates, options, clock, logger } = deps;
  // Names this process in change notices: it applies its own changes already.
  const origin = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Without PostgreSQL each process keeps its own records: change notices must carry the new value.
  const sharedRecords = backends.describe.records !== 'memory';
  const changes = new ConfigChanges({ log: backends.changeLog, feed: backends.changeFeed, clock, origin, carryBodies: !sharedRecords });
  const admin = new ActivityAdmin({ activities: backends.activities, ledger: deps.ledger, templates, changes });
  const templateAdmin = new TemplateAdmin({
    store: backends.templateStore,
    registry: templates,
    codeTemplateRefs: deps.codeTemplates.map(formatTemplateRef),
    changes,
    processorNames: () => deps.processors.names(),
  });
  const clientAdmin: ClientAdmin = new ClientAdmin({
    store: backends.clientStore,
    changes,
    // The file's clients as last applied; read when asked, since the file loads after this is built.
    fileClients: (): readonly FileClient[] => (started ? liveConfig.current.clients : []),
    install: deps.installClients,
  });
  let started = false;
  const liveConfig: LiveConfig = new LiveConfig({
    refreshClients: (): Promise<void> => clientAdmin.refresh(),
    onStarted: () => {
      started = true;
    },
    activities: backends.activities,
    registry: templates,
    templateAdmin,
    activityAdmin: admin,
    changeLog: backends.changeLog,
    feed: backends.changeFeed,
    clock,
    origin,
    processorNames: () => deps.processors.names(),
    codeTemplates: deps.codeTemplates,
    loadFile: (context) => loadConfig(options.configPath, { ...context, catalogReaders: catalogReaders(deps.processors) }),
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
  return { admin, templateAdmin, clientAdmin, liveConfig };
}

function catalogReaders(processors: ProcessorRegistry): string[] {
  return processors.names().filter((name) => processors.get(name)?.readsCatalog);
}
