import { useState } from 'preact/hooks';
import { type Activity, type Asset, api, describeError, type ExplainedEvent, type Explanation, enc } from '../api.js';
import { Status } from '../components/charts.js';
import { Show, useLoad } from '../components/load.js';
import { formatTime, json } from '../format.js';
import { href } from '../route.js';
import type { Session } from '../session.js';

/** Why did this user get, or not get, this benefit — and what do they hold now. */
export function UserPage({ session, activityId, userId }: { session: Session; activityId?: string; userId?: string }) {
  const [activities] = useLoad(() => api<{ activities: Activity[] }>('GET', '/v1/activities'), []);
  const [activity, setActivity] = useState(activityId ?? '');
  const [user, setUser] = useState(userId ?? '');
  return (
    <section aria-labelledby="user-title">
      <h1 id="user-title">A user</h1>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          location.hash = href('users', activity, user.trim());
        }}
      >
        <Show loaded={activities} what="activities">
          {({ activities: list }) => (
            <label>
              Activity
              <select value={activity} onChange={(event) => setActivity(event.currentTarget.value)} required>
                <option value="" disabled>
                  choose…
                </option>
                {list.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.id} — {candidate.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </Show>
        <label>
          User id
          <input value={user} onInput={(event) => setUser(event.currentTarget.value)} required autocomplete="off" spellcheck={false} />
        </label>
        <button type="submit" class="primary">
          Explain
        </button>
      </form>
      {activityId && userId && <Explain key={`${activityId}/${userId}`} activityId={activityId} userId={userId} session={session} />}
    </section>
  );
}

function Explain({ activityId, userId, session }: { activityId: string; userId: string; session: Session }) {
  const [loaded, reload] = useLoad(
    () => api<Explanation>('GET', `/v1/activities/${enc(activityId)}/users/${enc(userId)}/explain?limit=20`),
    [activityId, userId],
  );
  return (
    <Show loaded={loaded} what="the explanation">
      {(explanation) => (
        <div class="explanation">
          <p class="summary" data-testid="summary">
            {explanation.summary}
          </p>
          <h2>Assets</h2>
          {explanation.assets.length === 0 ? (
            <p class="muted">No asset.</p>
          ) : (
            <ul class="assets">
              {explanation.assets.map((asset) => (
                <AssetRow key={asset.id} asset={asset} canWrite={session.canWrite} onRedeemed={reload} />
              ))}
            </ul>
          )}
          <h2>Prepared offer</h2>
          {explanation.prepared ? (
            <>
              <p class="muted">
                by <code>{explanation.prepared.template}</code> at {formatTime(explanation.prepared.preparedAt)} for event{' '}
                <code>{explanation.prepared.eventId}</code>
              </p>
              <pre>{json(explanation.prepared.data)}</pre>
            </>
          ) : (
            <p class="muted">Nothing prepared.</p>
          )}
          <h2>Recent events</h2>
          {explanation.events.length === 0 ? (
            <p class="muted">No recorded event for this user in this activity.</p>
          ) : (
            <ol class="events">
              {explanation.events.map((event) => (
                <ExplainedEventItem key={`${event.eventId}-${event.at}`} event={event} />
              ))}
            </ol>
          )}
        </div>
      )}
    </Show>
  );
}

function ExplainedEventItem({ event }: { event: ExplainedEvent }) {
  return (
    <li class="event">
      <p>
        <a href={href('events', event.eventId)}>
          <code>{event.eventId}</code>
        </a>{' '}
        · {event.channelCode} · {formatTime(event.at)} · <code>{event.template}</code> · <Status value={event.status} />
        {event.reason ? ` — ${event.reason}` : ''}
        {event.lock ? ` · lock fence ${event.lock.fence}` : ''}
      </p>
      {event.decidedBy && (
        <div class="decided" data-testid="decided-by">
          <strong>Decided by {event.decidedBy.processor}</strong> ({event.decidedBy.status}
          {event.decidedBy.reason ? `: ${event.decidedBy.reason}` : ''}){event.decidedBy.notes && <pre>{json(event.decidedBy.notes)}</pre>}
        </div>
      )}
      {event.inputs.length > 0 && (
        <details>
          <summary>Inputs of every processor ({event.inputs.length})</summary>
          <dl class="inputs">
            {event.inputs.map((input, index) => (
              <div key={`${input.processor}-${index}`} class={input.processor === event.decidedBy?.processor ? 'decided' : ''}>
                <dt>{input.processor}</dt>
                <dd>
                  <pre>{json(input.notes)}</pre>
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </li>
  );
}

function AssetRow({ asset, canWrite, onRedeemed }: { asset: Asset; canWrite: boolean; onRedeemed: () => void }) {
  const [error, setError] = useState<string>();
  const redeem = async () => {
    try {
      await api('POST', `/v1/assets/${enc(asset.id)}/redeem`);
      onRedeemed();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <li data-asset={asset.id}>
      <code>{asset.id}</code> <Status value={asset.status} /> issued {formatTime(asset.issuedAt)}, expires {formatTime(asset.expiresAt)}
      {canWrite && asset.status === 'active' && (
        <button type="button" onClick={redeem}>
          Redeem
        </button>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </li>
  );
}
