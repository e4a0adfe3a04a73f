import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { deviceApi } from '../../app/apis.ts';
import { type PairedDevice, savePairedDevice } from '../../app/device-token-store.ts';

/** Device mode before pairing: how to pair, and a way to enter a device token by hand. */
export function NotPaired({ onPaired }: { onPaired: (device: PairedDevice) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await deviceApi(token.trim()).me();
      const device: PairedDevice = {
        token: token.trim(),
        deviceName: me.device?.name ?? 'this browser',
        userName: me.user.name,
        pairedAt: new Date().toISOString(),
      };
      savePairedDevice(device);
      onPaired(device);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page narrow" id="main">
      <h1>Pair this device</h1>
      <p>
        To use this browser as your glasses, pair it: on the server run <code>familiar device add phone</code>
        , then scan the QR code it prints, or open its pairing link on this device.
      </p>
      <details>
        <summary>Use a device token instead</summary>
        <form class="stack" onSubmit={submit}>
          <label for="device-token">Device token (starts with fam_)</label>
          <input
            id="device-token"
            type="password"
            autocomplete="off"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            required
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Use this token'}
          </button>
          {error && (
            <p class="notice notice-error" role="alert">
              {error}
            </p>
          )}
        </form>
      </details>
    </main>
  );
}
