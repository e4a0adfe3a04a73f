import { HomeView } from '../views/home-view.tsx';
import { LoginView } from '../views/login-view.tsx';
import { PairView } from '../views/pair-view.tsx';
import { lazyView } from './lazy-view.tsx';
import { Link, usePath } from './router.tsx';

// Device mode and the dashboard are separate chunks: the device view loads only what it needs.
const DeviceView = lazyView(() => import('../views/device/device-view.tsx').then((m) => m.DeviceView));
const DashboardShell = lazyView(() =>
  import('../views/dashboard/dashboard-shell.tsx').then((m) => m.DashboardShell),
);

/** The dashboard's paths; each is a view of the dashboard shell. */
export const DASHBOARD_PATHS = [
  '/today',
  '/ask',
  '/goals',
  '/inbox',
  '/people',
  '/memory',
  '/settings',
  '/audit',
] as const;

/** The whole app: picks the view for the current path. */
export function App() {
  const path = usePath().replace(/\/+$/, '') || '/';
  if (path === '/') return <HomeView />;
  if (path === '/pair') return <PairView />;
  if (path === '/login') return <LoginView />;
  if (path === '/device') return <DeviceView />;
  if ((DASHBOARD_PATHS as readonly string[]).includes(path)) return <DashboardShell path={path} />;
  return (
    <main class="page narrow" id="main">
      <h1>Not found</h1>
      <p>There is no page at {path}.</p>
      <p>
        <Link href="/">Go to the start</Link>
      </p>
    </main>
  );
}
