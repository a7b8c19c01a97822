import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, describeError } from '../api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'missing' } // the server has no such route: the page says so and carries on
  | { state: 'failed'; message: string };

/** Runs `load` when `keys` change; `reload` runs it again (after a write, or on a timer). */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.routeMissing) setLoaded({ state: 'missing' });
        else setLoaded({ state: 'failed', message: describeError(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [...keys, round]);
  return [loaded, reload];
}

/** Shows a load's value, or why there is none. */
export function Show<T>({ loaded, what, children }: { loaded: Loaded<T>; what: string; children: (value: T) => ComponentChildren }) {
  switch (loaded.state) {
    case 'loading':
      return <p class="muted">Loading {what}…</p>;
    case 'missing':
      return <NotAvailable what={what} />;
    case 'failed':
      return (
        <p class="error" role="alert">
          Could not load {what}: {loaded.message}
        </p>
      );
    default:
      return <>{children(loaded.value)}</>;
  }
}

export function NotAvailable({ what }: { what: string }) {
  return (
    <p class="note" data-testid="not-available">
      {what[0]?.toUpperCase()}
      {what.slice(1)}: not available on this server (its API does not offer this yet).
    </p>
  );
}
