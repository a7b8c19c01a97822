import { useState } from 'preact/hooks';
import { api, type DryRunAnswer, describeError, enc, type Template } from '../api.js';
import { ChainFlow, Status, Waterfall } from '../components/charts.js';
import { Show, useLoad } from '../components/load.js';
import { json } from '../format.js';

/** Every template version and its chains, and what an event would do right now (or at another time) without doing it. */
export function TemplatesPage() {
  const [loaded] = useLoad(() => api<{ templates: Template[] }>('GET', '/v1/templates'), []);
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      <Show loaded={loaded} what="templates">
        {({ templates }) => (
          <>
            <ul class="cards">
              {templates.map((template) => (
                <li key={template.ref} class="card">
                  <h2>
                    <code>{template.ref}</code> {template.lock && <span class="flag">locks the instance</span>}
                  </h2>
                  {template.description && <p class="muted">{template.description}</p>}
                  {Object.entries(template.chains).map(([channel, processors]) => (
                    <ChainFlow key={channel} channel={channel} processors={processors} />
                  ))}
                </li>
              ))}
            </ul>
            <DryRun channels={[...new Set(templates.flatMap((template) => Object.keys(template.chains)))].sort()} />
          </>
        )}
      </Show>
    </section>
  );
}

function DryRun({ channels }: { channels: string[] }) {
  const [channel, setChannel] = useState(channels.find((candidate) => candidate.includes('banner')) ?? channels[0] ?? '');
  const [userId, setUserId] = useState('');
  const [payload, setPayload] = useState('{}');
  const [now, setNow] = useState('');
  const [answer, setAnswer] = useState<DryRunAnswer>();
  const [error, setError] = useState<string>();
  const run = async () => {
    setError(undefined);
    setAnswer(undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload === '' ? '{}' : payload);
    } catch (failure) {
      setError(`payload: not JSON (${(failure as Error).message})`);
      return;
    }
    const query = new URLSearchParams({ dryRun: 'true' });
    if (now.trim() !== '') query.set('now', now.trim());
    try {
      setAnswer(
        await api<DryRunAnswer>('POST', `/v1/channels/${enc(channel)}/events?${query}`, { userId: userId.trim(), payload: parsed }),
      );
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <section aria-labelledby="dry-run-title" class="card">
      <h2 id="dry-run-title">Dry run</h2>
      <p class="muted">Runs the chains with every write simulated: no stock taken, no asset written, nothing stored.</p>
      <form
        class="stack-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <label>
          Channel
          <select value={channel} onChange={(event) => setChannel(event.currentTarget.value)}>
            {channels.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </label>
        <label>
          User id
          <input value={userId} onInput={(event) => setUserId(event.currentTarget.value)} required spellcheck={false} />
        </label>
        <label>
          Payload (JSON)
          <textarea rows={3} value={payload} onInput={(event) => setPayload(event.currentTarget.value)} spellcheck={false} />
        </label>
        <label>
          Evaluate as of (ISO time, empty for now)
          <input value={now} onInput={(event) => setNow(event.currentTarget.value)} placeholder="2026-12-24T18:00:00Z" spellcheck={false} />
        </label>
        <div>
          <button type="submit" class="primary">
            Dry-run
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {answer && (
        <div data-testid="dry-run-answer">
          <h3>Outcomes</h3>
          {answer.outcomes.length === 0 ? (
            <p class="muted">No activity is bound to this channel.</p>
          ) : (
            <ul>
              {answer.outcomes.map((outcome) => (
                <li key={outcome.activityId}>
                  <code>{outcome.activityId}</code> · <code>{outcome.template}</code> · <Status value={outcome.status} />
                  {outcome.reason ? ` — ${outcome.reason}` : ''}
                  {outcome.output !== undefined && <pre>{json(outcome.output)}</pre>}
                </li>
              ))}
            </ul>
          )}
          <h3>Traces</h3>
          {(answer.traces ?? []).map((trace) => (
            <Waterfall key={trace.activityId} chain={trace} />
          ))}
        </div>
      )}
    </section>
  );
}
