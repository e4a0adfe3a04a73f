import type { AssistantSettingsWire, ModelSettings } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

/**
 * Settings: the models this server can route to with the "Open models only" switch, the capture pause, and how the
 * assistant may speak up. What the HTTP API does not expose yet (retention, encryption at rest) says where to see it.
 */
export function SettingsView() {
  return (
    <>
      <h1>Settings</h1>
      <ModelsSection />
      <PrivacySection />
      <AssistantSection />
      <section class="card" aria-labelledby="settings-server">
        <h2 id="settings-server" class="h3">
          Retention and encryption
        </h2>
        <p>
          How long raw audio and each kind of moment are kept, and whether media is encrypted at rest, are set
          on the server (<code>FAMILIAR_AUDIO_RETENTION_DAYS</code>, <code>FAMILIAR_KEY_FILE</code>) and shown
          by <code>familiar status</code>. They cannot be read or changed from the web app yet.
        </p>
      </section>
    </>
  );
}

function ModelsSection() {
  const { api } = useDashboard();
  const [loaded, reload] = useLoad(() => api.modelSettings.get(), []);
  // The answer of the last change, shown until the next load (the server's word, never a guess).
  const [changed, setChanged] = useState<ModelSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setOpenOnly = async (openOnly: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setChanged(await api.modelSettings.setOpenOnly(openOnly));
    } catch (caught) {
      setError(describeError(caught));
      setChanged(null);
      reload();
    } finally {
      setBusy(false);
    }
  };
  const state = changed && loaded.kind === 'loaded' ? { kind: 'loaded' as const, data: changed } : loaded;
  return (
    <section class="card" aria-labelledby="settings-models">
      <h2 id="settings-models" class="h3">
        Models and routing
      </h2>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <LoadStates state={state} retry={reload} isEmpty={() => false} empty={null}>
        {(settings) => <ModelSettingsForm settings={settings} busy={busy} onOpenOnly={setOpenOnly} />}
      </LoadStates>
      <p class="small">
        Private data goes only to models on this machine, or to cloud models named in{' '}
        <code>models.allowPrivate</code>; every call, and every change of this switch, is in the Audit view.
      </p>
    </section>
  );
}

function ModelSettingsForm({
  settings,
  busy,
  onOpenOnly,
}: {
  settings: ModelSettings;
  busy: boolean;
  onOpenOnly: (openOnly: boolean) => void;
}) {
  return (
    <>
      <label class="toggle">
        <input
          type="checkbox"
          role="switch"
          checked={settings.openOnly}
          aria-checked={settings.openOnly}
          disabled={busy || settings.lockedByConfig}
          aria-describedby="open-only-note"
          onChange={(e) => onOpenOnly(e.currentTarget.checked)}
        />
        Open models only
      </label>
      <p id="open-only-note" class="small muted">
        {settings.lockedByConfig ? (
          <>
            This server keeps every call to open models for everyone (<code>models.openOnly</code> in{' '}
            <code>familiar.config.json</code>), so it cannot be turned off here.
          </>
        ) : (
          'While on, only models whose weights are published take your calls; closed models are never sent anything.'
        )}
      </p>
      {settings.models.length === 0 ? (
        <p class="empty">
          No language model is configured, so answers quote your memory instead of writing an answer. Add one
          to <code>familiar.config.json</code> → <code>models.providers</code> (see{' '}
          <code>familiar models</code>).
        </p>
      ) : (
        <>
          <p>Every call goes through the router, which may choose among these models:</p>
          <ul>
            {settings.models.map((model) => (
              <li key={model.id}>
                <code>{model.id}</code> {model.openWeights ? 'open weights' : 'closed'},{' '}
                {model.local ? 'on this machine' : 'cloud'}
                {settings.openOnly && !model.openWeights && (
                  <span class="muted small"> (not used while open models only is on)</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function PrivacySection() {
  const { api } = useDashboard();
  const [state, reload] = useLoad(() => api.privacy.get(), []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = async (paused: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.privacy.set(paused);
      reload();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="settings-privacy">
      <h2 id="settings-privacy" class="h3">
        Privacy
      </h2>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <LoadStates state={state} retry={reload} isEmpty={() => false} empty={null}>
        {(capture) => (
          <>
            <p>
              {capture.paused ? 'Capture is paused on all your devices' : 'Capture is on'}
              {capture.since && (
                <>
                  {' '}
                  since <time dateTime={capture.since}>{formatMoment(capture.since)}</time>
                </>
              )}
              .
            </p>
            <button type="button" disabled={busy} onClick={() => void set(!capture.paused)}>
              {capture.paused ? 'Resume capture' : 'Pause capture'}
            </button>
          </>
        )}
      </LoadStates>
    </section>
  );
}

function AssistantSection() {
  const { api } = useDashboard();
  const [settings, reload] = useLoad(() => api.assistantSettings.get(), []);
  return (
    <section class="card" aria-labelledby="settings-assistant">
      <h2 id="settings-assistant" class="h3">
        When the assistant speaks up
      </h2>
      <LoadStates state={settings} retry={reload} isEmpty={() => false} empty={null}>
        {(data) => <AssistantSettingsList settings={data} />}
      </LoadStates>
    </section>
  );
}

function AssistantSettingsList({ settings }: { settings: AssistantSettingsWire }) {
  return (
    <dl class="stats">
      <dt>Quiet hours</dt>
      <dd>{settings.quietHours ? `${settings.quietHours.start}–${settings.quietHours.end}` : 'none'}</dd>
      <dt>Daily digest</dt>
      <dd>{settings.digestAt ?? 'off'}</dd>
      <dt>At most</dt>
      <dd>
        {settings.maxPerHour} an hour, {settings.maxPerDay} a day
      </dd>
      <dt>Dates</dt>
      <dd>{settings.dateLeadDays} days ahead</dd>
      <dt>Reminders</dt>
      <dd>
        {settings.reminderLeadMinutes === 0
          ? 'at the due time'
          : `${settings.reminderLeadMinutes} minutes before`}
      </dd>
      <dt>Not now</dt>
      <dd>{settings.notNowUntil ? `until ${formatMoment(settings.notNowUntil)}` : 'off'}</dd>
    </dl>
  );
}
