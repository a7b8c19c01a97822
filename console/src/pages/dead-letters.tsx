import { useState } from 'preact/hooks';
import { api, type DeadLetter, describeError, enc } from '../api.js';
import { Show, useLoad } from '../components/load.js';
import { formatTime } from '../format.js';
import type { Session } from '../session.js';

/** What failed on the broker, why, and putting it back. */
export function DeadLettersPage({ session }: { session: Session }) {
  const [includeReplayed, setIncludeReplayed] = useState(false);
  const [loaded, reload] = useLoad(
    () => api<{ deadLetters: DeadLetter[] }>('GET', `/v1/dead-letters?limit=200${includeReplayed ? '&includeReplayed=true' : ''}`),
    [includeReplayed],
  );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [messages, setMessages] = useState<string[]>([]);
  const replay = async (ids: string[]) => {
    const results = await Promise.all(
      ids.map((id) =>
        api('POST', `/v1/dead-letters/${enc(id)}/replay`).then(
          () => `${id}: replayed`,
          (error: unknown) => `${id}: ${describeError(error)}`,
        ),
      ),
    );
    setMessages(results);
    setSelected(new Set());
    reload();
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  return (
    <section aria-labelledby="dead-title">
      <h1 id="dead-title">Dead letters</h1>
      <div class="toolbar">
        <label class="check">
          <input type="checkbox" checked={includeReplayed} onChange={(event) => setIncludeReplayed(event.currentTarget.checked)} /> Show
          replayed letters too
        </label>
        {session.canWrite && (
          <button type="button" class="primary" disabled={selected.size === 0} onClick={() => replay([...selected])}>
            Replay selected ({selected.size})
          </button>
        )}
      </div>
      {messages.length > 0 && (
        <ul class="ok" role="status">
          {messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      <Show loaded={loaded} what="the dead letters">
        {({ deadLetters }) =>
          deadLetters.length === 0 ? (
            <p class="muted">No dead letter.</p>
          ) : (
            <>
              {session.canWrite && (
                <label class="check">
                  <input
                    type="checkbox"
                    checked={
                      deadLetters.some((letter) => !letter.replayedAt) &&
                      deadLetters.every((letter) => letter.replayedAt || selected.has(letter.id))
                    }
                    onChange={(event) =>
                      setSelected(
                        new Set(
                          event.currentTarget.checked ? deadLetters.filter((letter) => !letter.replayedAt).map((letter) => letter.id) : [],
                        ),
                      )
                    }
                  />{' '}
                  Select every letter not replayed yet
                </label>
              )}
              <ul class="cards letters">
                {deadLetters.map((letter) => (
                  <li key={letter.id} class="card" data-letter={letter.id}>
                    <div class="letter-head">
                      {session.canWrite && !letter.replayedAt && (
                        <input
                          type="checkbox"
                          aria-label={`select ${letter.id}`}
                          checked={selected.has(letter.id)}
                          onChange={() => toggle(letter.id)}
                        />
                      )}
                      <code>{letter.id}</code>
                      <span class="muted">
                        {formatTime(letter.createdAt)} · {letter.source} · {letter.attempts} attempt(s)
                      </span>
                      {letter.replayedAt && <span class="flag ok-flag">replayed {formatTime(letter.replayedAt)}</span>}
                      {session.canWrite && !letter.replayedAt && (
                        <button type="button" onClick={() => replay([letter.id])}>
                          Replay
                        </button>
                      )}
                    </div>
                    <p class="reason">{letter.reason}</p>
                    <pre>{letter.body}</pre>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}
