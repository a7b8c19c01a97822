import { useState } from 'preact/hooks';
import { describeError } from '../api.js';
import { type Session, signIn } from '../session.js';

/** The operator's bearer token: ADMIN_TOKEN (everything) or ADMIN_READ_TOKEN (read only). */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <h1>strategy-center console</h1>
      <form
        class="stack-form card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            onSignedIn(await signIn(token.trim()));
          } catch (failure) {
            setError(describeError(failure));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Admin token
          <input
            type="password"
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
            autocomplete="current-password"
            aria-describedby="token-help"
          />
        </label>
        <p id="token-help" class="muted">
          <code>ADMIN_TOKEN</code> may change plays; <code>ADMIN_READ_TOKEN</code> only looks. Leave empty on an open server. The token
          stays in this tab only.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
