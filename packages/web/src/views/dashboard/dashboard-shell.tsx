import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError, type Session } from '../../api/index.ts';
import { sessionApi, setSessionCsrfToken } from '../../app/apis.ts';
import { lazyView } from '../../app/lazy-view.tsx';
import { Link, navigate } from '../../app/router.tsx';
import { DashboardContext } from './dashboard-context.ts';

// Each view is its own chunk, fetched when first opened.
const VIEWS: Record<string, { label: string; View: ComponentType<object> }> = {
  '/today': { label: 'Today', View: lazyView(() => import('./today-view.tsx').then((m) => m.TodayView)) },
  '/ask': { label: 'Ask', View: lazyView(() => import('./ask-view.tsx').then((m) => m.AskView)) },
  '/goals': { label: 'Goals', View: lazyView(() => import('./goals-view.tsx').then((m) => m.GoalsView)) },
  '/inbox': { label: 'Inbox', View: lazyView(() => import('./inbox-view.tsx').then((m) => m.InboxView)) },
  '/people': { label: 'People', View: lazyView(() => import('./people-view.tsx').then((m) => m.PeopleView)) },
  '/memory': { label: 'Memory', View: lazyView(() => import('./memory-view.tsx').then((m) => m.MemoryView)) },
  '/settings': {
    label: 'Settings',
    View: lazyView(() => import('./settings-view.tsx').then((m) => m.SettingsView)),
  },
  '/audit': { label: 'Audit', View: lazyView(() => import('./audit-view.tsx').then((m) => m.AuditView)) },
};

/** The dashboard: checks the person's session (or sends them to log in), then shows the nav and the view. */
export function DashboardShell({ path }: { path: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    sessionApi.session.current().then(
      (current) => {
        if (!live) return;
        setSessionCsrfToken(current.csrfToken);
        setSession(current);
      },
      (caught: unknown) => {
        if (!live) return;
        if (caught instanceof ApiError && caught.code === 'unauthorized')
          navigate('/login', { replace: true });
        else setError(describeError(caught));
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const logout = async (): Promise<void> => {
    try {
      await sessionApi.session.logout();
    } finally {
      setSessionCsrfToken(null);
      navigate('/login', { replace: true });
    }
  };

  if (error)
    return (
      <main class="page narrow" id="main">
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      </main>
    );
  if (!session)
    return (
      <main class="page narrow" id="main">
        <output class="muted">Checking your session…</output>
      </main>
    );

  const current = VIEWS[path] ?? VIEWS['/today']!;
  return (
    <DashboardContext.Provider value={{ api: sessionApi, session }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Familiar
        </Link>
        <nav aria-label="Dashboard">
          <ul class="nav">
            {Object.entries(VIEWS).map(([href, view]) => (
              <li key={href}>
                <Link href={href} aria-current={href === path ? 'page' : undefined}>
                  {view.label}
                </Link>
              </li>
            ))}
            <li>
              <Link href="/device">Device</Link>
            </li>
          </ul>
        </nav>
        <div class="account">
          <span class="muted">{session.user.name}</span>
          <button type="button" class="link-button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main class="page" id="main">
        <current.View />
      </main>
    </DashboardContext.Provider>
  );
}
