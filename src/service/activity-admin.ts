import type { Activity } from '../domain/activity.js';
import { type ErrorDetail, InvalidInputError } from '../domain/errors.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';
import { formatTemplateRef } from '../domain/template-ref.js';
import type { TemplateRegistry } from './template-registry.js';

/**
 * Publishes activities: checks them against the registered templates, sizes the benefit pool and
 * stores them. Used at start for the config file's activities and by the admin API.
 */
export class ActivityAdmin {
  readonly #activities: ActivityRepository;
  readonly #ledger: RightsLedger;
  readonly #templates: TemplateRegistry;

  constructor(deps: { activities: ActivityRepository; ledger: RightsLedger; templates: TemplateRegistry }) {
    this.#activities = deps.activities;
    this.#ledger = deps.ledger;
    this.#templates = deps.templates;
  }

  async publish(activity: Activity, path = 'activity'): Promise<Activity> {
    const problems = this.check(activity, path);
    if (problems.length > 0) throw new InvalidInputError(`activity ${activity.id} cannot run`, problems);
    await this.#ledger.ensurePool(activity.benefit.pool, activity.benefit.stock);
    await this.#activities.put(activity);
    return activity;
  }

  check(activity: Activity, path: string): ErrorDetail[] {
    const ref = formatTemplateRef(activity.template);
    const template = this.#templates.get(activity.template);
    if (!template) return [{ path: `${path}.template`, message: `template ${ref} is not registered` }];
    return activity.channels.flatMap((channel, i) =>
      template.chainFor(channel).length > 0
        ? []
        : [{ path: `${path}.channels[${i}]`, message: `template ${ref} has no chain for channel '${channel}'` }],
    );
  }
}
