import { useEffect, useState } from 'preact/hooks';
import { api, type EventTrace, enc, type RecentEvent } from '../api.js';
import { Status, Waterfall } from '../components/charts.js';
import { Show, useLoad } from '../components/load.js';
import { formatTime } from '../format.js';
import { href } from '../route.js';

const POLL_MS = 2_000;
const STATUSES = ['issued', 'existing', 'prepared', 'skipped', 'rejected', 'failed'];

/** Recent events as they happen (polled every 2 s), and one event's trace as a waterfall. */
export function EventsPage({ eventId }: { eventId?: string }) {
  const [channel, setChannel] = useState('');
  const [status, setStatus] = useState('');
  const [paused, setPaused] = useState(false);
  const [lookup, setLookup] = useState(eventId ?? '');
  const [loaded, reload] = useLoad(() => {
    const query = new URLSearchParams({ limit: '50' });
    if (channel.trim() !== '') query.set('channel', channel.trim());
    if (status !== '') query.set('status', status);
    return api<{ events: RecentEvent[] }>('GET', `/v1/events/recent?${query}`);
  }, [channel, status]);
  const live = loaded.state !== 'missing' && !paused;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [live, reload]);
  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Live events</h1>
      {loaded.state !== 'missing' && (
        <form class="inline-form" onSubmit={(event) => event.preventDefault()}>
          <label>
            Channel
            <input value={channel} onChange={(event) => setChannel(event.currentTarget.value)} placeholder="any" spellcheck={false} />
          </label>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
              <option value="">any</option>
              {STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume updates' : 'Pause updates'}
          </button>
        </form>
      )}
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (lookup.trim() !== '') location.hash = href('events', lookup.trim());
        }}
      >
        <label>
          Event id
          <input value={lookup} onInput={(event) => setLookup(event.currentTarget.value)} spellcheck={false} />
        </label>
        <button type="submit">Show trace</button>
      </form>
      {eventId && <Trace key={eventId} eventId={eventId} />}
      <Show loaded={loaded} what="the recent events">
        {({ events }) =>
          events.length === 0 ? (
            <p class="muted">No event yet{channel || status ? ' matching the filter' : ''}.</p>
          ) : (
            <div class="table-wrap">
              <table class="recent">
                <thead>
                  <tr>
                    <th scope="col">received</th>
                    <th scope="col">event</th>
                    <th scope="col">channel</th>
                    <th scope="col">user</th>
                    <th scope="col">activities</th>
                    <th scope="col">status</th>
                    <th scope="col">ms</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((event) => (
                    <tr key={event.eventId} class={event.eventId === eventId ? 'selected' : ''}>
                      <td>{formatTime(event.receivedAt)}</td>
                      <td>
                        <a href={href('events', event.eventId)}>
                          <code>{event.eventId}</code>
                        </a>
                      </td>
                      <td>{event.channelCode}</td>
                      <td>{event.userId}</td>
                      <td>{event.activityIds.join(', ')}</td>
                      <td>
                        <Status value={event.status} />
                      </td>
                      <td>{event.durationMs.toFixed(1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}

function Trace({ eventId }: { eventId: string }) {
  const [loaded] = useLoad(() => api<EventTrace>('GET', `/v1/events/${enc(eventId)}/trace`), [eventId]);
  return (
    <section aria-labelledby="trace-title" class="trace">
      <h2 id="trace-title">
        Trace of <code>{eventId}</code>
      </h2>
      <Show loaded={loaded} what="the trace">
        {(trace) =>
          trace.chains.length === 0 ? (
            <p class="muted">No chain ran for this event.</p>
          ) : (
            trace.chains.map((chain) => <Waterfall key={`${chain.activityId}-${chain.startedAt}`} chain={chain} />)
          )
        }
      </Show>
    </section>
  );
}
