import type { CompileContext } from '../config/compile-config.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Activity } from '../domain/activity.js';
import { type ErrorDetail, InvalidConfigError, StrategyCenterError } from '../domain/errors.js';
import type { ChangeFeed, ChangeFeedSubscription, ConfigChangeNotice } from '../domain/ports/change-feed.js';
import type { ChangeLog } from '../domain/ports/change-log.js';
import type { Clock } from '../domain/ports/clock.js';
import type { StrategyTemplate, TemplateDeclaration } from '../domain/strategy-template.js';
import { formatTemplateRef } from '../domain/template-ref.js';
import type { ActivityAdmin } from './activity-admin.js';
import type { CachedActivityRepository } from './cached-activity-repository.js';
import { canonicalJson, contentHash } from './canonical-json.js';
import type { TemplateAdmin } from './template-admin.js';
import type { TemplateRegistry } from './template-registry.js';

/** The slice of a logger this service uses; pino's satisfies it. */
export interface LiveConfigLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface LiveConfigDeps {
  readonly activities: CachedActivityRepository;
  readonly registry: TemplateRegistry;
  readonly templateAdmin: TemplateAdmin;
  readonly activityAdmin: ActivityAdmin;
  readonly changeLog: ChangeLog;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
  /** Names this process in the notices it publishes. */
  readonly origin: string;
  readonly processorNames: () => readonly string[];
  readonly codeTemplates: readonly StrategyTemplate[];
  /** Reads, validates and compiles the config file. */
  readonly loadFile: (context: CompileContext) => Promise<LoadedConfig>;
  /** Watches the config file; called once its first load was applied. Absent: no watching. */
  readonly watchFile?: (path: string, onChange: () => void) => { close(): void };
  /**
   * Apply the value carried by other processes' notices: the stores are per process (embedded
   * records), so the notice is the only way a change reaches this one.
   */
  readonly applyNoticeBodies: boolean;
  /** The safety net behind the change feed: a full reload this often. Default 30 s. */
  readonly refreshIntervalMs?: number;
  readonly logger?: LiveConfigLogger;
  /** Reloads the clients declared through the admin API: on their notices and with every refresh. */
  readonly refreshClients?: () => Promise<void>;
  /** Told once the first configuration is applied (`current` is readable from then on). */
  readonly onStarted?: () => void;
}

/** The outcome of one reload of the config file. */
export interface FileReload {
  readonly at: string;
  readonly path: string;
  readonly applied: boolean;
  /** Activity ids and template refs the reload changed. */
  readonly changed: readonly string[];
  /** Why the file was refused, each with the path of its field. */
  readonly problems: readonly ErrorDetail[];
}

const DEFAULT_REFRESH_INTERVAL_MS = 30_000;

/**
 * Keeps this process's configuration live without a restart.
 *
 * - Other processes' changes arrive on the change feed: templates are registered from the template
 *   store, then the activity snapshot is reloaded (templates first, so that an activity is never
 *   visible before the template it names). A periodic full refresh covers lost notices.
 * - The config file is reloaded when it changes: validated whole, refused whole (the previous
 *   configuration stays live), else applied: new templates published, changed activities published.
 *
 * The file rule: an activity is applied from the file only when its declaration in the file differs
 * from the one the file last applied (a hash kept in the change log). So a restart, or an edit
 * elsewhere in the file, never reverts a change made through the admin API; editing the activity in
 * the file does override it. Removing an activity from the file leaves it as it is (set
 * `status: ended` to stop it). Templates are insert-only: the file may repeat a published
 * `id@version` only with the same content.
 */
export class LiveConfig {
  readonly #deps: LiveConfigDeps;
  #current: LoadedConfig | undefined;
  #subscription: ChangeFeedSubscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watcher: { close(): void } | undefined;
  /** File reloads and notice bodies apply one at a time, in arrival order. */
  #queue: Promise<unknown> = Promise.resolve();
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #closed = false;
  #lastFileReload: FileReload | undefined;

  constructor(deps: LiveConfigDeps) {
    this.#deps = deps;
  }

  /** The configuration file as last applied. */
  get current(): LoadedConfig {
    if (!this.#current) throw new Error('live configuration is not started');
    return this.#current;
  }

  get lastFileReload(): FileReload | undefined {
    return this.#lastFileReload;
  }

  /**
   * Subscribes to the change feed (first, so that no change made meanwhile is missed), loads the
   * published templates and activities, then applies the config file; an invalid file throws.
   */
  async start(): Promise<LoadedConfig> {
    this.#subscription = await this.#deps.feed.subscribe({
      changed: (notice) => this.#onNotice(notice),
      resync: (reason) => this.#refreshSoon(reason),
    });
    // In the same queue as notices and file reloads, so that a notice from another process that
    // arrives meanwhile is applied after the file, never interleaved with it.
    const config = await this.#serially(async () => {
      await this.refresh();
      const loaded = await this.#load();
      await this.#apply(loaded);
      this.#current = loaded;
      this.#deps.onStarted?.();
      return loaded;
    });
    this.#timer = setInterval(() => this.#refreshSoon('periodic refresh'), this.#deps.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
    this.#timer.unref();
    if (this.#deps.watchFile) {
      this.#watcher = this.#deps.watchFile(config.path, () => {
        void this.reloadFile();
      });
    }
    return config;
  }

  /** Re-reads the config file and applies it if valid; never throws: the outcome says what happened. */
  reloadFile(): Promise<FileReload> {
    return this.#serially(() => this.#reloadFile());
  }

  /**
   * Registers templates published elsewhere, then reloads the activity snapshot. Calls during a
   * refresh share it and cause one more after it.
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        const added = await this.#deps.templateAdmin.sync();
        if (added.length > 0) this.#deps.logger?.info({ templates: added }, 'templates published elsewhere are now registered');
        await this.#deps.activities.refresh();
        await this.#deps.refreshClients?.();
      } while (this.#refreshAgain && !this.#closed);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Stops watching, listening and refreshing; waits for a reload in progress. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#timer);
    await this.#subscription?.close();
    await this.#queue;
    await this.#refreshing?.catch(() => undefined);
  }

  async #reloadFile(): Promise<FileReload> {
    const at = new Date(this.#deps.clock.nowMs()).toISOString();
    const previous = this.#current;
    if (this.#closed || !previous) {
      const problems = previous ? [] : [{ path: '(config)', message: 'live configuration is not started' }];
      return { at, path: previous?.path ?? '', applied: false, changed: [], problems };
    }
    let outcome: FileReload;
    try {
      const config = await this.#load();
      const changed = await this.#apply(config);
      this.#current = config;
      if (config.catalogPath !== previous.catalogPath) {
        this.#deps.logger?.warn(
          { path: config.path, catalog: config.catalogPath },
          'the catalog setting changed: it takes effect at the next restart',
        );
      }
      outcome = { at, path: config.path, applied: true, changed, problems: [] };
      this.#deps.logger?.info({ path: config.path, changed }, 'configuration file reloaded');
    } catch (error) {
      const problems = problemsOf(error, previous.path);
      outcome = { at, path: previous.path, applied: false, changed: [], problems };
      this.#deps.logger?.warn(
        { path: previous.path, problems },
        `configuration file refused, the previous configuration stays live: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    }
    this.#lastFileReload = outcome;
    return outcome;
  }

  async #load(): Promise<LoadedConfig> {
    // Templates published elsewhere may be named by the file's activities.
    await this.#deps.templateAdmin.sync();
    const code = new Set(this.#deps.codeTemplates.map((template) => formatTemplateRef(template)));
    const describe = (template: StrategyTemplate) => ({ id: template.id, version: template.version, channels: template.channels });
    return this.#deps.loadFile({
      processorNames: this.#deps.processorNames(),
      codeTemplates: this.#deps.codeTemplates.map(describe),
      publishedTemplates: this.#deps.registry
        .list()
        .filter((template) => !code.has(formatTemplateRef(template)))
        .map(describe),
    });
  }

  /**
   * Applies a validated file. Everything that can refuse it is checked before anything is written,
   * so an invalid file changes nothing. Returns what changed.
   */
  async #apply(config: LoadedConfig): Promise<string[]> {
    const actor = `file:${config.path}`;
    const conflicts: ErrorDetail[] = [];
    for (const [i, template] of config.templates.entries()) {
      const conflict = await this.#deps.templateAdmin.conflict(template, `templates[${i}]`);
      if (conflict) conflicts.push(conflict);
    }
    if (conflicts.length > 0) throw new InvalidConfigError(conflicts);

    const changed: string[] = [];
    for (const [i, template] of config.templates.entries()) {
      const published = await this.#deps.templateAdmin.publish(template, { path: `templates[${i}]`, actor });
      if (published.created) changed.push(formatTemplateRef(template));
    }
    for (const [i, activity] of config.activities.entries()) {
      if (await this.#applyActivity(activity, `activities[${i}]`, config.path, actor)) changed.push(activity.id);
    }
    return changed;
  }

  /** Publishes one of the file's activities if the file changed it since it last applied it. */
  async #applyActivity(activity: Activity, path: string, source: string, actor: string): Promise<boolean> {
    const { changeLog, activityAdmin } = this.#deps;
    const hash = contentHash(activity);
    const applied = await changeLog.appliedFileHash('activity', activity.id);
    if (applied === hash) return false;
    // The compare-and-set elects one process when several watch the same file.
    if (!(await changeLog.swapAppliedFileHash({ kind: 'activity', id: activity.id, expected: applied, next: hash, source }))) return false;
    try {
      await activityAdmin.publish(activity, path, { actor });
    } catch (error) {
      // Not applied after all: let the next start or reload try again.
      await changeLog
        .swapAppliedFileHash({ kind: 'activity', id: activity.id, expected: hash, next: applied, source })
        .catch(() => undefined);
      throw error;
    }
    return true;
  }

  #onNotice(notice: ConfigChangeNotice): void {
    if (this.#closed) return;
    if (notice.kind === 'client') {
      // Never carries a secret: every process reloads the clients from the store.
      this.#deps.refreshClients?.().catch((error: unknown) => {
        this.#deps.logger?.warn({ err: error, client: notice.id }, 'reloading the API clients failed; the periodic refresh retries');
      });
      return;
    }
    if (this.#deps.applyNoticeBodies && notice.origin !== this.#deps.origin && notice.body !== undefined) {
      void this.#serially(() => this.#applyNoticeBody(notice));
      return;
    }
    this.#refreshSoon(`${notice.kind} ${notice.id} changed`);
  }

  async #applyNoticeBody(notice: ConfigChangeNotice): Promise<void> {
    const options = { actor: notice.actor, notify: false };
    try {
      if (notice.kind === 'template') {
        await this.#deps.templateAdmin.publish(notice.body as TemplateDeclaration, { ...options, path: 'notice' });
      } else {
        const activity = notice.body as Activity;
        // A notice repeated, or one for the content this process has already: nothing to do.
        if (canonicalJson(await this.#deps.activities.get(activity.id)) === canonicalJson(activity)) return;
        await this.#deps.activityAdmin.publish(activity, 'notice', options);
      }
    } catch (error) {
      this.#deps.logger?.warn(
        { err: error, kind: notice.kind, id: notice.id },
        'a change announced by another process could not be applied here',
      );
    }
  }

  #refreshSoon(reason: string): void {
    if (this.#closed) return;
    this.refresh().catch((error: unknown) => {
      this.#deps.logger?.warn({ err: error, reason }, 'live configuration refresh failed; the next notice or periodic refresh retries');
    });
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function problemsOf(error: unknown, path: string): readonly ErrorDetail[] {
  if (error instanceof StrategyCenterError && error.details.length > 0) return error.details;
  return [{ path, message: error instanceof Error ? error.message : String(error) }];
}
