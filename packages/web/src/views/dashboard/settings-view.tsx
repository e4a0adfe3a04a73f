import type { AssistantSettingsWire, ModelSettings, ServerEngine, ServerFacts } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { type Load, useLoad } from './use-load.ts';

/** What the server can do for this person (`GET /v1/server`), loaded once for the cards that show it. */
interface ServerLoad {
  state: Load<ServerFacts>;
  reload: () => void;
}

/**
 * Settings: the models this server can route to with the "Open models only" switch, the capture pause, how the
 * assistant may speak up, retention and encryption at rest, and which engines the server has (and what a missing one
 * means for the person's captures). Retention, encryption and engines are the server's; they are read here, not set.
 */
export function SettingsView() {
  const { api } = useDashboard();
  const [state, reload] = useLoad(() => api.server.get(), []);
  const server: ServerLoad = { state, reload };
  return (
    <>
      <h1>Settings</h1>
      <ModelsSection server={server} />
      <PrivacySection />
      <AssistantSection />
      <RetentionSection server={server} />
      <EnginesSection server={server} />
    </>
  );
}

function ModelsSection({ server }: { server: ServerLoad }) {
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
      // Where this person's asks go follows the switch.
      server.reload();
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
        {(settings) => (
          <>
            <ModelSettingsForm settings={settings} busy={busy} onOpenOnly={setOpenOnly} />
            {settings.models.length > 0 && server.state.kind === 'loaded' && (
              <AskRoute ask={server.state.data.models.ask} />
            )}
          </>
        )}
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

/** Where a question of this person's goes now, as the server's router decides it (their switch included). */
function AskRoute({ ask }: { ask: ServerFacts['models']['ask'] }) {
  return ask.choice ? (
    <p>
      Your questions go to <code>{ask.choice}</code> first.
    </p>
  ) : (
    <p class="notice notice-warn">
      No model may take your questions now, so answers quote your memory instead: {ask.reason}.
    </p>
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

const MODALITY_NAMES: Record<string, string> = {
  utterance: 'speech',
  frame: 'frames',
  note: 'notes',
  chat: 'chats',
  location: 'locations',
  event: 'events',
};

function days(count: number): string {
  return `${count} ${count === 1 ? 'day' : 'days'}`;
}

function RetentionSection({ server }: { server: ServerLoad }) {
  return (
    <section class="card" aria-labelledby="settings-server">
      <h2 id="settings-server" class="h3">
        Retention and encryption
      </h2>
      <LoadStates state={server.state} retry={server.reload} isEmpty={() => false} empty={null}>
        {(facts) => <RetentionList facts={facts} />}
      </LoadStates>
      <p class="small muted">
        These are set on the server (<code>FAMILIAR_AUDIO_RETENTION_DAYS</code>,{' '}
        <code>FAMILIAR_RETENTION</code>, <code>FAMILIAR_KEY</code> or <code>FAMILIAR_KEY_FILE</code>) and
        cannot be changed from the web app.
      </p>
    </section>
  );
}

function RetentionList({ facts }: { facts: ServerFacts }) {
  const { retention, encryption } = facts;
  const kept = Object.entries(retention.observationDays).flatMap(([modality, count]) =>
    count === undefined ? [] : [`${MODALITY_NAMES[modality] ?? modality} ${days(count)}`],
  );
  const at = (encrypted: boolean) => (encrypted ? 'encrypted at rest' : 'not encrypted');
  return (
    <>
      <dl class="stats">
        <dt>Raw audio</dt>
        <dd>
          {retention.audioDays === null
            ? 'kept forever'
            : `kept ${days(retention.audioDays)} once transcribed (transcripts stay)`}
        </dd>
        <dt>Moments</dt>
        <dd>
          {kept.length === 0
            ? 'kept until you forget them'
            : `${kept.join(', ')}; the rest until you forget them`}
        </dd>
        <dt>Database</dt>
        <dd>{at(encryption.database)}</dd>
        <dt>Media</dt>
        <dd>{at(encryption.media)}</dd>
      </dl>
      <p class={encryption.atRest ? '' : 'notice notice-warn'}>
        {encryption.detail}.
        {encryption.keyFrom && (
          <>
            {' '}
            The key comes from <code>{encryption.keyFrom}</code>.
          </>
        )}
        {encryption.howToEnable && <> To turn it on, the server's operator can {encryption.howToEnable}.</>}
      </p>
    </>
  );
}

/** The engines in the order a capture meets them, with the names people know them by. */
const ENGINES: ReadonlyArray<[keyof ServerFacts['engines'], string]> = [
  ['voiceActivity', 'Voice activity'],
  ['speechRecognition', 'Speech recognition'],
  ['textReading', 'Text reading'],
  ['objectsAndFaces', 'Objects and faces'],
  ['captions', 'Frame captions'],
  ['embeddings', 'Search by meaning'],
  ['guard', 'Content guard'],
];

function EnginesSection({ server }: { server: ServerLoad }) {
  return (
    <section class="card" aria-labelledby="settings-engines">
      <h2 id="settings-engines" class="h3">
        Engines
      </h2>
      <LoadStates state={server.state} retry={server.reload} isEmpty={() => false} empty={null}>
        {(facts) => (
          <ul class="plain">
            {ENGINES.map(([key, label]) => (
              <EngineItem key={key} label={label} engine={facts.engines[key]} />
            ))}
          </ul>
        )}
      </LoadStates>
      <p class="small muted">
        What this server runs on what you capture; only its operator can install what is missing.
      </p>
    </section>
  );
}

function EngineItem({ label, engine }: { label: string; engine: ServerEngine }) {
  return (
    <li class={engine.available ? 'notice' : 'notice notice-warn'}>
      <strong>{label}</strong>: {engine.available ? 'available' : 'missing'}
      {engine.name && <span class="small muted"> ({engine.name})</span>}
      <br />
      <span class="small">{engine.detail}.</span>
      {engine.howToInstall && (
        <>
          <br />
          <span class="small muted">How to get it (on the server): {engine.howToInstall}.</span>
        </>
      )}
    </li>
  );
}
