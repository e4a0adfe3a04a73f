import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/index.ts';
import { sessionApi } from '../app/apis.ts';
import { savePairedDevice } from '../app/device-token-store.ts';
import { navigate } from '../app/router.tsx';

/** Reads the one-time code from a pairing link's fragment (`/pair#code=…`); the fragment never reaches a server. */
export function pairingCodeFrom(hash: string): string | null {
  const code = new URLSearchParams(hash.replace(/^#/, '')).get('code')?.trim();
  return code ? code : null;
}

function explain(error: unknown): string {
  if (error instanceof ApiError && error.code === 'unauthorized') {
    return `${error.message} Pairing codes work once and for 10 minutes: on the server, run \`familiar device add <name>\` again and open the new link.`;
  }
  return describeError(error);
}

/** Pairing: trades the one-time code from the link for this device's token, keeps it, and opens device mode. */
export function PairView() {
  const [code, setCode] = useState(() => pairingCodeFrom(location.hash) ?? '');
  const [state, setState] = useState<{ kind: 'idle' | 'pairing' } | { kind: 'failed'; message: string }>({
    kind: 'idle',
  });

  const pair = async (value: string): Promise<void> => {
    setState({ kind: 'pairing' });
    try {
      const result = await sessionApi.pair(value.trim());
      savePairedDevice({
        token: result.token,
        deviceName: result.device.name,
        userName: result.user.name,
        pairedAt: new Date().toISOString(),
      });
      // Replace the entry, so the spent code does not stay in the history.
      navigate('/device', { replace: true });
    } catch (error) {
      setState({ kind: 'failed', message: explain(error) });
    }
  };

  // Pair once, with the code the link carried.
  useEffect(() => {
    const fromLink = pairingCodeFrom(location.hash);
    if (fromLink) {
      history.replaceState(null, '', '/pair');
      void pair(fromLink);
    }
  }, []);

  return (
    <main class="page narrow" id="main">
      <h1>Pair this device</h1>
      {state.kind === 'pairing' ? (
        <output>Pairing…</output>
      ) : (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            if (code.trim()) void pair(code);
          }}
        >
          <p>
            On the server, run <code>familiar device add &lt;name&gt;</code>, then open the link it prints on
            this device or type the code here.
          </p>
          <label for="pair-code">Pairing code</label>
          <input
            id="pair-code"
            name="code"
            autocomplete="one-time-code"
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
            required
          />
          <button type="submit">Pair</button>
        </form>
      )}
      {state.kind === 'failed' && (
        <p class="notice notice-error" role="alert">
          {state.message}
        </p>
      )}
    </main>
  );
}
