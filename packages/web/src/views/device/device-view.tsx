import type { DeviceClient } from '@familiar/device-sdk';
import type { ServerFacts } from '@familiar/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError, type FamiliarApi } from '../../api/index.ts';
import { deviceApi } from '../../app/apis.ts';
import { forgetPairedDevice, loadPairedDevice, type PairedDevice } from '../../app/device-token-store.ts';
import { formatMoment } from '../../app/format.ts';
import { Link, navigate } from '../../app/router.tsx';
import {
  type Camera,
  createFrameScheduler,
  describeMediaError,
  FRAME_INTERVALS_MS,
  type FrameIntervalMs,
  type FrameScheduler,
  isFrameInterval,
  type Microphone,
  mediaAvailability,
  startCamera,
  startMicrophone,
} from '../../capture/index.ts';
import { AskPanel } from './ask-panel.tsx';
import { CaptureIndicator, indicatorState } from './capture-indicator.tsx';
import { engineNotices } from './engine-notices.ts';
import { NotPaired } from './not-paired.tsx';
import { type Connection, useDeviceStream } from './use-device-stream.ts';

type MediaState = { kind: 'off' | 'starting' | 'on' } | { kind: 'error'; message: string };

const INTERVAL_KEY = 'familiar.frameIntervalMs';

/** Device mode ("be the glasses"): needs a paired device token, then streams the camera and microphone. */
export function DeviceView() {
  const [paired, setPaired] = useState<PairedDevice | null>(() => loadPairedDevice());
  if (!paired) return <NotPaired onPaired={setPaired} />;
  return (
    <DeviceConsole
      paired={paired}
      onForget={() => {
        forgetPairedDevice();
        setPaired(null);
      }}
    />
  );
}

function DeviceConsole({ paired, onForget }: { paired: PairedDevice; onForget: () => void }) {
  const api = useMemo(() => deviceApi(paired.token), [paired.token]);
  const stream = useDeviceStream(paired.token);
  const problem = useMemo(() => mediaAvailability(), []);
  const [cameraWanted, setCameraWanted] = useState(false);
  const [micWanted, setMicWanted] = useState(false);
  const [camera, setCamera] = useState<MediaState>({ kind: 'off' });
  const [mic, setMic] = useState<MediaState>({ kind: 'off' });
  const [intervalMs, setIntervalMs] = useState<FrameIntervalMs>(() => {
    const stored = Number(localStorage.getItem(INTERVAL_KEY));
    return isFrameInterval(stored) ? stored : 2000;
  });
  const [localPaused, setLocalPaused] = useState(false);
  const [pauseNote, setPauseNote] = useState<string | null>(null);
  const [framesSent, setFramesSent] = useState(0);
  const engines = useServerEngines(api, stream.connection.kind === 'online');
  const video = useRef<HTMLVideoElement>(null);
  const scheduler = useRef<FrameScheduler | null>(null);
  const clientRef = useRef<DeviceClient | null>(null);
  clientRef.current = stream.client;

  const paused = localPaused || stream.captureState?.paused === true;
  // Read by the capture callbacks, so a pause stops sending at once, before any re-render.
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  // The camera runs while it is wanted and capture is not paused; frames go out at the chosen rate.
  useEffect(() => {
    if (!cameraWanted || paused || problem || !video.current) return;
    let cancelled = false;
    let running: Camera | null = null;
    setCamera({ kind: 'starting' });
    startCamera(video.current).then(
      (started) => {
        if (cancelled) return started.stop();
        running = started;
        setCamera({ kind: 'on' });
        const frames = createFrameScheduler({
          intervalMs,
          capture: async (deviceTime) => {
            const client = clientRef.current;
            if (pausedRef.current || !client) return;
            const jpeg = await started.grabJpeg();
            if (pausedRef.current) return;
            await client.sendFrame('camera', jpeg, 'image/jpeg', deviceTime);
            setFramesSent((n) => n + 1);
          },
          onError: (error) => console.warn('a frame could not be taken', error),
        });
        scheduler.current = frames;
        frames.start();
      },
      (error: unknown) => {
        if (cancelled) return;
        setCamera({ kind: 'error', message: describeMediaError(error, 'camera').message });
        setCameraWanted(false);
      },
    );
    return () => {
      cancelled = true;
      scheduler.current?.stop();
      scheduler.current = null;
      running?.stop();
      setCamera((state) => (state.kind === 'error' ? state : { kind: 'off' }));
    };
    // The rate is read once here and changed in place below, without restarting the camera.
  }, [cameraWanted, paused, problem]);

  useEffect(() => {
    scheduler.current?.setInterval(intervalMs);
    localStorage.setItem(INTERVAL_KEY, String(intervalMs));
  }, [intervalMs]);

  // The microphone streams 100 ms chunks of 16 kHz PCM while it is wanted and capture is not paused.
  useEffect(() => {
    if (!micWanted || paused || problem) return;
    let cancelled = false;
    let running: Microphone | null = null;
    setMic({ kind: 'starting' });
    startMicrophone({
      onChunk: (pcm, deviceTime) => {
        const client = clientRef.current;
        if (pausedRef.current || !client) return;
        client
          .sendAudio('mic', pcm, deviceTime)
          .catch((error: unknown) => console.warn('audio not queued', error));
      },
    }).then(
      (started) => {
        if (cancelled) return void started.stop();
        running = started;
        setMic({ kind: 'on' });
      },
      (error: unknown) => {
        if (cancelled) return;
        setMic({ kind: 'error', message: describeMediaError(error, 'microphone').message });
        setMicWanted(false);
      },
    );
    return () => {
      cancelled = true;
      void running?.stop();
      setMic((state) => (state.kind === 'error' ? state : { kind: 'off' }));
    };
  }, [micWanted, paused, problem]);

  const togglePause = async (): Promise<void> => {
    setPauseNote(null);
    if (!paused) {
      pausedRef.current = true;
      setLocalPaused(true);
      try {
        stream.setCaptureState(await api.privacy.set(true));
      } catch (error) {
        // Stopped here already; tell the server over the stream as soon as it can be reached.
        stream.client?.pause().catch(() => {});
        setPauseNote(`Paused on this device. The server could not be told yet: ${describeError(error)}`);
      }
      return;
    }
    try {
      const state = await api.privacy.set(false);
      stream.setCaptureState(state);
      setLocalPaused(false);
    } catch (error) {
      setPauseNote(`Still paused: ${describeError(error)}`);
    }
  };

  const state = indicatorState({
    connection: stream.connection.kind,
    paused,
    camera: camera.kind === 'on',
    mic: mic.kind === 'on',
  });
  const waiting = stream.stats ? stream.stats.queued + stream.stats.inFlight : 0;
  const detail =
    state === 'offline'
      ? offlineDetail(stream.connection, waiting)
      : state === 'paused' && stream.captureState?.by && !localPaused
        ? `paused by ${stream.captureState.by}`
        : waiting > 0
          ? `${waiting} waiting to be stored`
          : undefined;

  return (
    <div class="device">
      <CaptureIndicator state={state} detail={detail} />
      <main class="page" id="main">
        <header class="device-header">
          <h1>Device mode</h1>
          <p class="muted">
            {paired.deviceName} · {paired.userName}
          </p>
        </header>

        {stream.connection.kind === 'stopped' && (
          <div class="notice notice-error" role="alert">
            <p>{stream.connection.message}</p>
            {stream.connection.code === 'unauthorized' && (
              <button type="button" onClick={onForget}>
                Pair again
              </button>
            )}
          </div>
        )}

        <button
          type="button"
          class={`pause ${paused ? 'pause-on' : ''}`}
          aria-pressed={paused}
          onClick={() => void togglePause()}
        >
          {paused ? 'Resume capture' : 'Pause capture (privacy)'}
        </button>
        {pauseNote && (
          <p class="notice" role="alert">
            {pauseNote}
          </p>
        )}

        {problem ? (
          <div class="notice notice-warn" role="alert">
            <p>{problem.message}</p>
          </div>
        ) : (
          <section class="card" aria-labelledby="capture-heading">
            <h2 id="capture-heading">Capture</h2>
            <div class="row">
              <label class="toggle">
                <input
                  type="checkbox"
                  checked={cameraWanted}
                  onChange={(e) => setCameraWanted(e.currentTarget.checked)}
                />
                Camera
              </label>
              <label for="frame-rate">Frame every</label>
              <select
                id="frame-rate"
                value={intervalMs}
                onChange={(e) => {
                  const value = Number(e.currentTarget.value);
                  if (isFrameInterval(value)) setIntervalMs(value);
                }}
              >
                {FRAME_INTERVALS_MS.map((ms) => (
                  <option key={ms} value={ms}>
                    {ms / 1000} s
                  </option>
                ))}
              </select>
              <label class="toggle">
                <input
                  type="checkbox"
                  checked={micWanted}
                  onChange={(e) => setMicWanted(e.currentTarget.checked)}
                />
                Microphone
              </label>
            </div>
            {camera.kind === 'error' && (
              <p class="notice notice-error" role="alert">
                {camera.message}
              </p>
            )}
            {mic.kind === 'error' && (
              <p class="notice notice-error" role="alert">
                {mic.message}
              </p>
            )}
            <video
              ref={video}
              class={`preview ${camera.kind === 'on' ? '' : 'hidden'}`}
              muted
              playsInline
              aria-label="Camera preview"
            />
            <p class="muted small">{camera.kind === 'on' ? `${framesSent} frames sent this session.` : ''}</p>
            <EngineNotices engines={engines} mic={mic.kind === 'on'} camera={camera.kind === 'on'} />
          </section>
        )}

        <AskPanel
          api={api}
          client={stream.client}
          online={stream.connection.kind === 'online'}
          paused={paused}
        />

        <section class="card" aria-labelledby="nudges-heading">
          <h2 id="nudges-heading">Nudges</h2>
          {stream.notifications.length === 0 ? (
            <p class="muted">No nudges yet. Reminders and nudges appear here when they are due.</p>
          ) : (
            <ul class="plain" aria-live="polite">
              {stream.notifications.map((note) => (
                <li key={note.id} class="nudge">
                  <strong>{note.title}</strong> <time dateTime={note.at}>{formatMoment(note.at)}</time>
                  {note.body && <p>{note.body}</p>}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section class="card" aria-labelledby="outbox-heading">
          <h2 id="outbox-heading">Connection</h2>
          <p>{connectionText(stream.connection)}</p>
          {stream.stats && (
            <dl class="stats">
              <dt>Sent</dt>
              <dd>{stream.stats.sent}</dd>
              <dt>Stored</dt>
              <dd>{stream.stats.acked}</dd>
              <dt>Waiting</dt>
              <dd>{waiting}</dd>
              <dt>Resent</dt>
              <dd>{stream.stats.resent}</dd>
              <dt>Discarded (paused)</dt>
              <dd>{stream.stats.discarded}</dd>
              <dt>Reconnects</dt>
              <dd>{stream.stats.reconnects}</dd>
            </dl>
          )}
          <p class="muted small">
            Nothing is lost while offline: what is not yet stored is kept here and sent again after
            reconnecting.
          </p>
        </section>

        <nav class="row" aria-label="More">
          <Link href="/today">Dashboard</Link>
          <button
            type="button"
            class="link-button"
            onClick={() => {
              onForget();
              navigate('/device', { replace: true });
            }}
          >
            Forget this pairing
          </button>
        </nav>
      </main>
    </div>
  );
}

/**
 * The server's engines, read once (`GET /v1/server`) as soon as the server is reachable; null until then, or when
 * it cannot be read (then nothing is claimed either way).
 */
function useServerEngines(api: FamiliarApi, online: boolean): ServerFacts['engines'] | null {
  const [engines, setEngines] = useState<ServerFacts['engines'] | null>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (!online || asked.current) return;
    asked.current = true;
    api.server.get().then(
      (facts) => setEngines(facts.engines),
      (error: unknown) => {
        // Asked again at the next reconnection.
        asked.current = false;
        console.warn('what the server can do could not be read', error);
      },
    );
  }, [api, online]);
  return engines;
}

/** Says, without stopping anything, what the server does with what is captured while an engine is missing. */
function EngineNotices({
  engines,
  mic,
  camera,
}: {
  engines: ServerFacts['engines'] | null;
  mic: boolean;
  camera: boolean;
}) {
  return (
    <>
      {engineNotices(engines, { mic, camera }).map((notice) => (
        // An <output> is a status (role="status"): announced politely, never in the way.
        <output key={notice} class="notice notice-warn">
          {notice}
        </output>
      ))}
    </>
  );
}

function offlineDetail(connection: Connection, waiting: number): string {
  const kept = waiting > 0 ? `${waiting} kept to resend` : 'nothing waiting';
  if (connection.kind === 'connecting') return 'connecting…';
  if (connection.kind === 'stopped') return 'stopped';
  if (connection.kind === 'online') return kept;
  return `${connection.reconnecting ? 'reconnecting' : 'disconnected'}, ${kept}`;
}

function connectionText(connection: Connection): string {
  switch (connection.kind) {
    case 'connecting':
      return 'Connecting to the server…';
    case 'online':
      return 'Connected: everything captured is sent and acknowledged once stored.';
    case 'offline':
      return connection.reconnecting
        ? `Offline: trying again (attempt ${connection.attempt}).`
        : 'Offline: not trying again.';
    case 'stopped':
      return `Stopped: ${connection.message}`;
  }
}
