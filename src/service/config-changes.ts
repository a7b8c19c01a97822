import type { ChangeFeed, ConfigSubjectKind } from '../domain/ports/change-feed.js';
import type { ChangeLog, ConfigChange } from '../domain/ports/change-log.js';
import type { Clock } from '../domain/ports/clock.js';

export interface ConfigChangesDeps {
  readonly log: ChangeLog;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
  /** Names this process in its notices. */
  readonly origin: string;
  /** Put the new value in each notice: the stores are not shared, the notice is the only copy. */
  readonly carryBodies: boolean;
}

export interface RecordedChange {
  readonly kind: ConfigSubjectKind;
  readonly id: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly actor: string;
}

/** Records a change of the live configuration and tells the other processes about it. */
export class ConfigChanges {
  readonly origin: string;
  readonly #deps: ConfigChangesDeps;

  constructor(deps: ConfigChangesDeps) {
    this.#deps = deps;
    this.origin = deps.origin;
  }

  /**
   * `notify: false` for a change that came from another process's notice: it is recorded here
   * (embedded records keep a log per process) but not broadcast again.
   */
  async record(change: RecordedChange, options: { notify?: boolean } = {}): Promise<ConfigChange> {
    try {
      return await this.#deps.log.append({ atMs: this.#deps.clock.nowMs(), ...change, before: change.before ?? null });
    } finally {
      // The change is stored already: the other processes must hear of it even if logging failed.
      if (options.notify ?? true) {
        await this.#deps.feed.publish({
          kind: change.kind,
          id: change.id,
          origin: this.origin,
          actor: change.actor,
          ...(this.#deps.carryBodies ? { body: change.after } : {}),
        });
      }
    }
  }
}
