import type { AssistantSettingsWire } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

/** The router's own entry in `GET /v1/models`; the others are `familiar:<model id>`. */
const ROUTER_MODEL = 'familiar';

/**
 * Settings: the models this server can route to, the capture pause, and how the assistant may speak up. What the
 * HTTP API does not expose yet (retention, encryption at rest, the open-only switch) says where to see or set it.
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
  const [models, reload] = useLoad(() => api.models.list(), []);
  return (
    <section class="card" aria-labelledby="settings-models">
      <h2 id="settings-models" class="h3">
        Models and routing
      </h2>
      <LoadStates
        state={models}
        retry={reload}
        isEmpty={(data) => data.data.every((model) => model.id === ROUTER_MODEL)}
        empty={
          <>
            No language model is configured, so answers quote your memory instead of writing an answer. Add
            one to <code>familiar.config.json</code> → <code>models.providers</code> (see{' '}
            <code>familiar models</code>).
          </>
        }
      >
        {(data) => (
          <>
            <p>Every call goes through the router, which may choose among these models:</p>
            <ul>
              {data.data
                .filter((model) => model.id !== ROUTER_MODEL)
                .map((model) => (
                  <li key={model.id}>
                    <code>{model.id.replace(/^familiar:/, '')}</code>{' '}
                    <span class="muted small">({model.owned_by})</span>
                  </li>
                ))}
            </ul>
          </>
        )}
      </LoadStates>
      <p class="small">
        Private data goes only to models on this machine, or to cloud models named in{' '}
        <code>models.allowPrivate</code>; every call is in the Audit view. “Open models only” (
        <code>models.openOnly</code>) is set in <code>familiar.config.json</code> for now: the web app cannot
        switch it yet.
      </p>
    </section>
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
