import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { ActivitiesPage } from './pages/activities.js';
import { ActivityPage } from './pages/activity.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { EventsPage } from './pages/events.js';
import { SignInPage } from './pages/sign-in.js';
import { TemplatesPage } from './pages/templates.js';
import { UserPage } from './pages/user.js';
import { useHashPath } from './route.js';
import { forgetToken, type Session, signIn, storedToken } from './session.js';

const PAGES = [
  ['activities', 'Activities'],
  ['users', 'Users'],
  ['events', 'Live events'],
  ['dead-letters', 'Dead letters'],
  ['templates', 'Templates'],
] as const;

function Page({ path, session }: { path: string[]; session: Session }) {
  const [page = 'activities', first, second] = path;
  switch (page) {
    case 'activities':
      return first ? <ActivityPage activityId={first} session={session} /> : <ActivitiesPage />;
    case 'users':
      return (
        <UserPage
          key={`${first}/${second}`}
          session={session}
          {...(first ? { activityId: first } : {})}
          {...(second ? { userId: second } : {})}
        />
      );
    case 'events':
      return <EventsPage {...(first ? { eventId: first } : {})} />;
    case 'dead-letters':
      return <DeadLettersPage session={session} />;
    case 'templates':
      return <TemplatesPage />;
    default:
      return <p>No page here. Pick one above.</p>;
  }
}

function App() {
  const path = useHashPath();
  const [session, setSession] = useState<Session | undefined>();
  // A reload keeps the sign-in of this tab: the token is checked again, its rights probed again.
  const [restoring, setRestoring] = useState(() => storedToken() !== undefined);
  useEffect(() => {
    const token = storedToken();
    if (token === undefined) return;
    signIn(token)
      .then(setSession, forgetToken)
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p class="muted">Signing in…</p>;
  if (!session) return <SignInPage onSignedIn={setSession} />;
  const current = path[0] ?? 'activities';
  return (
    <>
      <header class="top">
        <strong class="brand">strategy-center</strong>
        <nav aria-label="pages">
          {PAGES.map(([key, label]) => (
            <a key={key} href={`#/${key}`} aria-current={current === key ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.canWrite ? 'admin' : 'read-only'}
          <button
            type="button"
            onClick={() => {
              forgetToken();
              setSession(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} session={session} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
