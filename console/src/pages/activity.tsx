import { useState } from 'preact/hooks';
import { type Activity, api, type ConfigChange, describeError, enc, type Template } from '../api.js';
import { BurnDown, ChainFlow, Status, StockBar } from '../components/charts.js';
import { ConfirmDialog } from '../components/confirm.js';
import { JsonDiff } from '../components/diff.js';
import { NotAvailable, Show, useLoad } from '../components/load.js';
import { formatCount, formatDuration, formatPercent, formatTime } from '../format.js';
import type { Session } from '../session.js';
import { flagsOf, loadStats } from './activities.js';

const PERIODS = {
  '48h': { label: 'last 48 hours, hourly', spanMs: 48 * 3_600_000, bucket: 'hour' },
  '30d': { label: 'last 30 days, daily', spanMs: 30 * 86_400_000, bucket: 'day' },
} as const;
type Period = keyof typeof PERIODS;

const ref = (template: { id: string; version: string }) => `${template.id}@${template.version}`;

/** The activity as the config file (and `PUT /v1/activities/:id`) declares it: the served form's units back to text. */
export function declarationOf(activity: Activity, changes: Partial<{ status: Activity['status'] }> = {}): Record<string, unknown> {
  return {
    id: activity.id,
    name: activity.name,
    template: ref(activity.template),
    ...(activity.rollout ? { rollout: { template: ref(activity.rollout.template), percent: activity.rollout.percent } } : {}),
    channels: activity.channels,
    window: { start: new Date(activity.window.startMs).toISOString(), end: new Date(activity.window.endMs).toISOString() },
    status: changes.status ?? activity.status,
    rules: activity.rules,
    benefit: {
      pool: activity.benefit.pool,
      stock: activity.benefit.stock,
      perUser: activity.benefit.perUser,
      validFor: formatDuration(activity.benefit.validForMs),
      ...(activity.benefit.stockShards === undefined ? {} : { stockShards: activity.benefit.stockShards }),
    },
    preparedTtl: formatDuration(activity.preparedTtlMs),
    ...(activity.lock === undefined ? {} : { lock: activity.lock }),
    params: activity.params,
  };
}

/** One activity: how its chains run, how its stock burns, how each version does, and the safe ways to change it. */
export function ActivityPage({ activityId, session }: { activityId: string; session: Session }) {
  const [loaded, reload] = useLoad(async () => {
    const [{ activities }, { templates }] = await Promise.all([
      api<{ activities: Activity[] }>('GET', '/v1/activities'),
      api<{ templates: Template[] }>('GET', '/v1/templates'),
    ]);
    const activity = activities.find((candidate) => candidate.id === activityId);
    if (!activity) throw new Error(`no activity '${activityId}'`);
    return { activity, templates };
  }, [activityId]);
  const [changeRound, setChangeRound] = useState(0);
  const afterWrite = () => {
    reload();
    setChangeRound((n) => n + 1);
  };
  return (
    <section aria-labelledby="activity-title">
      <p>
        <a href="#/activities">← Activities</a>
      </p>
      <Show loaded={loaded} what="the activity">
        {({ activity, templates }) => (
          <>
            <h1 id="activity-title">
              {activity.name} <Status value={activity.status} />
            </h1>
            <p class="muted">
              <code>{activity.id}</code> · {formatTime(activity.window.startMs)} → {formatTime(activity.window.endMs)} · pool{' '}
              <code>{activity.benefit.pool}</code>, {activity.benefit.perUser} per user, valid {formatDuration(activity.benefit.validForMs)}
            </p>
            {session.canWrite && <StatusControl activity={activity} onDone={afterWrite} />}
            <Chains activity={activity} templates={templates} />
            <Outcomes activity={activity} />
            <Rollout activity={activity} templates={templates} session={session} onDone={afterWrite} />
            <History activityId={activity.id} round={changeRound} />
          </>
        )}
      </Show>
    </section>
  );
}

function StatusControl({ activity, onDone }: { activity: Activity; onDone: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (activity.status === 'ended') return null;
  const next = activity.status === 'active' ? 'paused' : 'active';
  const change = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('PUT', `/v1/activities/${enc(activity.id)}`, declarationOf(activity, { status: next }));
      onDone();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="toolbar">
      <button type="button" class={next === 'paused' ? 'danger' : 'primary'} disabled={busy} onClick={change}>
        {next === 'paused' ? 'Pause activity' : 'Resume activity'}
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function Chains({ activity, templates }: { activity: Activity; templates: Template[] }) {
  const running = [activity.template, ...(activity.rollout ? [activity.rollout.template] : [])];
  return (
    <section aria-labelledby="chains-title">
      <h2 id="chains-title">Chains</h2>
      {running.map((templateRef, index) => {
        const template = templates.find((candidate) => candidate.ref === ref(templateRef));
        return (
          <div key={ref(templateRef)} class="chains">
            <h3>
              <code>{ref(templateRef)}</code>{' '}
              {index === 0
                ? activity.rollout
                  ? `(${100 - activity.rollout.percent}% of users)`
                  : '(all users)'
                : `(rollout, ${activity.rollout?.percent}% of users)`}
            </h3>
            {template ? (
              activity.channels.map((channel) => <ChainFlow key={channel} channel={channel} processors={template.chains[channel] ?? []} />)
            ) : (
              <p class="error">template not registered</p>
            )}
          </div>
        );
      })}
    </section>
  );
}

function Outcomes({ activity }: { activity: Activity }) {
  const [period, setPeriod] = useState<Period>('48h');
  const [loaded] = useLoad(() => {
    const { spanMs, bucket } = PERIODS[period];
    const to = new Date();
    const from = new Date(Math.max(activity.window.startMs, to.getTime() - spanMs));
    return loadStats(activity.id, `?from=${enc(from.toISOString())}&to=${enc(to.toISOString())}&bucket=${bucket}`);
  }, [activity.id, period]);
  return (
    <section aria-labelledby="outcomes-title">
      <h2 id="outcomes-title">Stock and outcomes</h2>
      <div class="inline-form">
        <label>
          Period{' '}
          <select value={period} onChange={(event) => setPeriod(event.currentTarget.value as Period)}>
            {Object.entries(PERIODS).map(([key, { label }]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Show loaded={loaded} what="outcome statistics">
        {(stats) =>
          stats === 'missing' ? (
            <NotAvailable what="outcome statistics" />
          ) : (
            <>
              {flagsOf(activity, stats).map((flag) => (
                <span key={flag} class="flag">
                  {flag}
                </span>
              ))}
              {stats.stock && <StockBar total={stats.stock.total} remaining={stats.stock.remaining} />}
              <p data-testid="totals">
                {formatCount(stats.totals.issued)} issued · {formatCount(stats.totals.redeemed)} redeemed ·{' '}
                {formatCount(stats.totals.expired)} expired · {formatPercent(stats.totals.redemptionRate)} redemption rate
                {Object.entries(stats.totals.rejected).length > 0 &&
                  ` · rejected: ${Object.entries(stats.totals.rejected)
                    .map(([reason, count]) => `${reason} ${count}`)
                    .join(', ')}`}
              </p>
              <h3>Burn-down</h3>
              <BurnDown series={stats.series} stock={stats.stock} />
              <h3>Outcomes by version</h3>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">version</th>
                      <th scope="col">issued</th>
                      <th scope="col">redeemed</th>
                      <th scope="col">expired</th>
                      <th scope="col">rejected</th>
                      <th scope="col">redemption rate</th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.versions.map((version) => (
                      <tr key={`${version.templateId}@${version.version}`}>
                        <th scope="row">
                          <code>
                            {version.templateId}@{version.version}
                          </code>
                        </th>
                        <td>{formatCount(version.issued)}</td>
                        <td>{formatCount(version.redeemed)}</td>
                        <td>{formatCount(version.expired)}</td>
                        <td>{formatCount(version.rejected)}</td>
                        <td>{formatPercent(version.redemptionRate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}

function Rollout({
  activity,
  templates,
  session,
  onDone,
}: {
  activity: Activity;
  templates: Template[];
  session: Session;
  onDone: () => void;
}) {
  const candidates = templates.filter((template) => template.ref !== ref(activity.template));
  const [template, setTemplate] = useState(activity.rollout ? ref(activity.rollout.template) : (candidates[0]?.ref ?? ''));
  const [percent, setPercent] = useState(activity.rollout?.percent ?? 10);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const write = async (method: 'PUT' | 'DELETE') => {
    setConfirming(false);
    setError(undefined);
    try {
      await api(method, `/v1/activities/${enc(activity.id)}/rollout`, method === 'PUT' ? { template, percent } : undefined);
      setDone(
        method === 'PUT' ? `Rollout of ${template} to ${percent}% is live.` : 'Rolled back: every user runs the activity’s template.',
      );
      onDone();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">Rollout</h2>
      <p data-testid="rollout-now">
        {activity.rollout
          ? `${ref(activity.rollout.template)} runs for ${activity.rollout.percent}% of users; ${ref(activity.template)} for the rest.`
          : `No rollout: every user runs ${ref(activity.template)}.`}
      </p>
      {session.canWrite && (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            setConfirming(true);
          }}
        >
          <label>
            Template version
            <select value={template} onChange={(event) => setTemplate(event.currentTarget.value)} required>
              {candidates.map((candidate) => (
                <option key={candidate.ref} value={candidate.ref}>
                  {candidate.ref}
                </option>
              ))}
            </select>
          </label>
          <label>
            Percent of users
            <input
              type="number"
              min={0}
              max={100}
              step={1}
              value={percent}
              onInput={(event) => setPercent(Number(event.currentTarget.value))}
              required
            />
          </label>
          <button type="submit" class="primary" disabled={template === ''}>
            Apply rollout…
          </button>
          {activity.rollout && (
            <button type="button" class="danger" onClick={() => write('DELETE')}>
              Roll back
            </button>
          )}
        </form>
      )}
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title="Change the rollout?"
          confirmLabel="Roll out"
          onConfirm={() => write('PUT')}
          onCancel={() => setConfirming(false)}
        >
          <p>
            <code>{template}</code> will run for {percent}% of the users of <strong>{activity.name}</strong>, live in every process within
            seconds. Users keep the version that prepared their offer.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function History({ activityId, round }: { activityId: string; round: number }) {
  const [loaded] = useLoad(
    () => api<{ changes: ConfigChange[] }>('GET', `/v1/changes?kind=activity&id=${enc(activityId)}&limit=20`),
    [activityId, round],
  );
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Change history</h2>
      <Show loaded={loaded} what="the change history">
        {({ changes }) =>
          changes.length === 0 ? (
            <p class="muted">No change recorded.</p>
          ) : (
            <ol class="changes">
              {changes.map((change) => (
                <li key={change.seq}>
                  <details>
                    <summary>
                      #{change.seq} · {formatTime(change.at)} · {change.actor}
                    </summary>
                    <JsonDiff before={change.before} after={change.after} />
                  </details>
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </section>
  );
}
