import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/index.ts';
import { sessionApi, setSessionCsrfToken } from '../app/apis.ts';
import { navigate } from '../app/router.tsx';

/** The person's login: name and passphrase (set with `familiar user passphrase`), then the dashboard. */
export function LoginView() {
  const [user, setUser] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await sessionApi.session.login(user.trim(), passphrase);
      setSessionCsrfToken(session.csrfToken);
      navigate('/today', { replace: true });
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.code === 'unauthorized' ? caught.message : describeError(caught),
      );
      setPassphrase('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page narrow" id="main">
      <h1>Log in to Familiar</h1>
      <form class="stack" onSubmit={submit}>
        <label for="login-user">Name</label>
        <input
          id="login-user"
          name="username"
          autocomplete="username"
          value={user}
          onInput={(e) => setUser(e.currentTarget.value)}
          required
        />
        <label for="login-passphrase">Passphrase</label>
        <input
          id="login-passphrase"
          name="password"
          type="password"
          autocomplete="current-password"
          value={passphrase}
          onInput={(e) => setPassphrase(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        {error && (
          <p class="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <p class="muted">
          No passphrase yet? On the server, run <code>familiar user passphrase</code>.
        </p>
      </form>
    </main>
  );
}
