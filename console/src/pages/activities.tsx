import { type Activity, type ActivityStats, ApiError, api, enc } from '../api.js';
import { Status, StockBar } from '../components/charts.js';
import { Show, useLoad } from '../components/load.js';
import { formatCount, formatPercent, formatTime, relative } from '../format.js';
import { href } from '../route.js';

const ENDING_SOON_MS = 3 * 86_400_000;
const LOW_STOCK_SHARE = 0.1;

export type StatsOrMissing = ActivityStats | 'missing';

/** The stats of an activity, or 'missing' when the server has no stats route. */
export async function loadStats(activityId: string, query = ''): Promise<StatsOrMissing> {
  try {
    return await api<ActivityStats>('GET', `/v1/activities/${enc(activityId)}/stats${query}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return 'missing';
    throw error;
  }
}

export function flagsOf(activity: Activity, stats: StatsOrMissing, now = Date.now()): string[] {
  const flags: string[] = [];
  if (stats !== 'missing' && stats.stock && stats.stock.total > 0 && stats.stock.remaining / stats.stock.total < LOW_STOCK_SHARE) {
    flags.push(stats.stock.remaining === 0 ? 'out of stock' : 'low stock');
  }
  if (activity.status === 'active' && activity.window.endMs > now && activity.window.endMs - now < ENDING_SOON_MS)
    flags.push('ending soon');
  if (activity.window.endMs <= now) flags.push('window over');
  return flags;
}

/** What is running: every activity with its window, version and rollout, stock and outcomes. */
export function ActivitiesPage() {
  const [loaded] = useLoad(async () => {
    const { activities } = await api<{ activities: Activity[] }>('GET', '/v1/activities');
    const stats = await Promise.all(activities.map((activity) => loadStats(activity.id)));
    return activities.map((activity, index) => ({ activity, stats: stats[index]! }));
  }, []);
  return (
    <section aria-labelledby="activities-title">
      <h1 id="activities-title">Activities</h1>
      <Show loaded={loaded} what="activities">
        {(rows) =>
          rows.length === 0 ? (
            <p class="muted">No activity yet.</p>
          ) : (
            <>
              {rows.some((row) => row.stats === 'missing') && (
                <p class="note" data-testid="not-available">
                  Outcome statistics: not available on this server (no <code>/v1/activities/:id/stats</code>); stock shows the total only.
                </p>
              )}
              <ul class="cards">
                {rows.map(({ activity, stats }) => (
                  <ActivityCard key={activity.id} activity={activity} stats={stats} />
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}

function ActivityCard({ activity, stats }: { activity: Activity; stats: StatsOrMissing }) {
  const flags = flagsOf(activity, stats);
  return (
    <li class="card" data-activity={activity.id}>
      <h2>
        <a href={href('activities', activity.id)}>{activity.name}</a>
      </h2>
      <p class="muted">
        <code>{activity.id}</code> <Status value={activity.status} />
        {flags.map((flag) => (
          <span key={flag} class="flag">
            {flag}
          </span>
        ))}
      </p>
      <dl class="facts">
        <dt>Window</dt>
        <dd>
          {formatTime(activity.window.startMs)} → {formatTime(activity.window.endMs)} ({relative(activity.window.endMs)})
        </dd>
        <dt>Template</dt>
        <dd>
          <code>
            {activity.template.id}@{activity.template.version}
          </code>
          {activity.rollout && (
            <>
              {' '}
              + rollout{' '}
              <code>
                {activity.rollout.template.id}@{activity.rollout.template.version}
              </code>{' '}
              to {activity.rollout.percent}%
            </>
          )}
        </dd>
        <dt>Stock</dt>
        <dd>
          {stats !== 'missing' && stats.stock ? (
            <StockBar total={stats.stock.total} remaining={stats.stock.remaining} />
          ) : (
            `${formatCount(activity.benefit.stock)} in total`
          )}
        </dd>
        {stats !== 'missing' && (
          <>
            <dt>Outcomes</dt>
            <dd data-testid="outcomes">
              {formatCount(stats.totals.issued)} issued · {formatCount(stats.totals.redeemed)} redeemed ·{' '}
              {formatPercent(stats.totals.redemptionRate)} redemption rate
            </dd>
          </>
        )}
      </dl>
    </li>
  );
}
