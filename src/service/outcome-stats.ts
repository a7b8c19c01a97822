import { type ActivityStats, buildActivityStats, type StatsRequest, statsWindow } from '../domain/activity-stats.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { ActivityRepository } from '../domain/ports/activity-repository.js';
import type { Clock } from '../domain/ports/clock.js';
import type { OutcomeLog } from '../domain/ports/outcome-log.js';
import type { RightsLedger } from '../domain/ports/rights-ledger.js';

export interface OutcomeStatsDeps {
  readonly activities: ActivityRepository;
  readonly outcomes: OutcomeLog;
  readonly ledger: Pick<RightsLedger, 'stock'>;
  readonly clock: Clock;
  /** Appends this process's buffered outcomes first, so that a read sees its own writes. */
  readonly flush: () => Promise<void>;
}

/** `GET /v1/activities/:id/stats`: the hourly outcome counts folded into totals, versions and a series, with the pool's stock. */
export class OutcomeStats {
  readonly #deps: OutcomeStatsDeps;

  constructor(deps: OutcomeStatsDeps) {
    this.#deps = deps;
  }

  async forActivity(activityId: string, request: StatsRequest): Promise<ActivityStats> {
    const nowMs = this.#deps.clock.nowMs();
    const checked = statsWindow(request, nowMs);
    if ('issues' in checked)
      throw new InvalidInputError(
        `invalid stats range: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        checked.issues,
      );
    const { window } = checked;
    const activity = await this.#deps.activities.get(activityId);
    if (!activity) throw new NotFoundError('activity', activityId);
    await this.#deps.flush();
    const [hourly, stock] = await Promise.all([
      this.#deps.outcomes.hourly(activityId, window.fromMs, window.toMs),
      this.#deps.ledger.stock(activity.benefit.pool),
    ]);
    return buildActivityStats({
      activityId,
      window,
      hourly,
      stock: stock ? { total: stock.total, remaining: stock.remaining } : null,
      nowMs,
    });
  }
}
