import { type ChainLookup, checkActivityReferences, checkWindow } from '../config/declaration-checks.js';
import type { Activity, Rollout } from '../domain/activity.js';
import { type ErrorDetail, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { defaultStockShards } from '../domain/issuance.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from '../domain/template-ref.js';
import { sameContent } from './canonical-json.js';
import type { ConfigChanges } from './config-changes.js';
import type { TemplateRegistry } from './template-registry.js';

export interface ActivityPublishOptions {
  /** Who asked: the `x-actor` header, `admin-api`, `file:<path>`; recorded in the change log. */
  readonly actor?: string;
  /** False for an activity that came from another process's notice. */
  readonly notify?: boolean;
}

/**
 * Publishes activities: checks them against the registered templates, sizes the benefit pool and
 * stores them. Used at start for the config file's activities and by the admin API.
 */
export class ActivityAdmin {
  readonly #activities: ActivityRepository;
  readonly #ledger: RightsLedger;
  readonly #templates: TemplateRegistry;
  readonly #changes: ConfigChanges | undefined;

  constructor(deps: { activities: ActivityRepository; ledger: RightsLedger; templates: TemplateRegistry; changes?: ConfigChanges }) {
    this.#activities = deps.activities;
    this.#ledger = deps.ledger;
    this.#templates = deps.templates;
    this.#changes = deps.changes;
  }

  /** Every change (content differs from what was stored) is recorded and announced to the other processes. */
  async publish(activity: Activity, path = 'activity', options: ActivityPublishOptions = {}): Promise<Activity> {
    const problems = this.check(activity, path);
    if (problems.length > 0) {
      throw new InvalidInputError(
        `activity ${activity.id} cannot run: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        problems,
      );
    }
    const before = await this.#activities.get(activity.id);
    const { benefit } = activity;
    await this.#ledger.ensurePool(benefit.pool, benefit.stock, benefit.stockShards ?? defaultStockShards(benefit.stock));
    await this.#activities.put(activity);
    if (this.#changes && !sameContent(before, activity)) {
      await this.#changes.record(
        { kind: 'activity', id: activity.id, before: before ?? null, after: activity, actor: options.actor ?? 'system' },
        { notify: options.notify ?? true },
      );
    }
    return activity;
  }

  /** The checks the config file gets too (config/declaration-checks.ts), against the templates registered now. */
  check(activity: Activity, path: string): ErrorDetail[] {
    const lookup: ChainLookup = (ref) => {
      const template = this.#templates.get(parseTemplateRef(ref) as TemplateRef);
      return template && { hasChainFor: (channel) => template.chainFor(channel).length > 0 };
    };
    return [
      ...checkWindow(activity.window.startMs, activity.window.endMs, path),
      ...checkActivityReferences(
        {
          template: formatTemplateRef(activity.template),
          rolloutTemplate: activity.rollout && formatTemplateRef(activity.rollout.template),
          channels: activity.channels,
        },
        path,
        lookup,
        () => this.#templates.list().map(formatTemplateRef),
      ),
    ];
  }

  /** Starts (or changes) a rollout: `percent` of the users run `template`; one call. */
  async rollOut(activityId: string, rollout: Rollout, options: ActivityPublishOptions = {}): Promise<Activity> {
    const activity = await this.#existing(activityId);
    return this.publish({ ...activity, rollout }, 'body', options);
  }

  /** Ends the rollout: everyone runs the activity's own template again; one call. */
  async rollBack(activityId: string, options: ActivityPublishOptions = {}): Promise<Activity> {
    const { rollout: _ended, ...activity } = await this.#existing(activityId);
    return this.publish(activity, 'activity', options);
  }

  async #existing(activityId: string): Promise<Activity> {
    const activity = await this.#activities.get(activityId);
    if (!activity) throw new NotFoundError('activity', activityId);
    return activity;
  }
}
