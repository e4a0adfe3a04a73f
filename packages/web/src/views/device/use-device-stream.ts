import {
  createDeviceClient,
  type DeviceClient,
  type DeviceClientStats,
  type DeviceNotification,
  DeviceStreamError,
} from '@familiar/device-sdk';
import { type CaptureState, PCM16_MEDIA_TYPE } from '@familiar/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Where the device stream stands, for the indicator and the outbox line. */
export type Connection =
  | { kind: 'connecting' }
  | { kind: 'online' }
  | { kind: 'offline'; reconnecting: boolean; attempt: number }
  | { kind: 'stopped'; code: string; message: string };

/** The device stream as the view sees it. */
export interface DeviceStream {
  client: DeviceClient | null;
  connection: Connection;
  /** The server's capture state (paused for all of the person's devices, and by whom). */
  captureState: CaptureState | null;
  setCaptureState(state: CaptureState): void;
  notifications: DeviceNotification[];
  stats: DeviceClientStats | null;
}

const STOP_MESSAGES: Record<string, string> = {
  unauthorized:
    'The server no longer accepts this device token (it was revoked, or the server was reset). Pair again.',
  replaced:
    'This device connected from another tab or browser; this one has stopped. Close the other, then reload.',
  bad_message:
    'The server refused a message from this app. Reload the page; if it goes on, the app and server differ in version.',
  message_too_large: 'A frame was too large for the server.',
};

/** Connects to the device stream with the device token and follows its state until the view goes away. */
export function useDeviceStream(token: string): DeviceStream {
  const [client, setClient] = useState<DeviceClient | null>(null);
  const [connection, setConnection] = useState<Connection>({ kind: 'connecting' });
  const [captureState, setCaptureState] = useState<CaptureState | null>(null);
  const [notifications, setNotifications] = useState<DeviceNotification[]>([]);
  const [stats, setStats] = useState<DeviceClientStats | null>(null);
  const attempt = useRef(0);

  useEffect(() => {
    const device = createDeviceClient({
      url: location.origin,
      token,
      WebSocket: window.WebSocket,
      capabilities: {
        audio: { mediaType: PCM16_MEDIA_TYPE },
        frames: { mediaTypes: ['image/jpeg'] },
        speaker: 'speechSynthesis' in window,
        display: true,
      },
    });
    const stopListening = [
      device.on('welcome', (welcome) => {
        attempt.current = 0;
        setConnection({ kind: 'online' });
        setCaptureState(welcome.captureState);
      }),
      device.on('capture-state', (state) => setCaptureState(state)),
      device.on('notification', (note) => setNotifications((list) => [note, ...list].slice(0, 20))),
      device.on('disconnected', ({ willReconnect }) =>
        setConnection((current) =>
          current.kind === 'stopped'
            ? current
            : { kind: 'offline', reconnecting: willReconnect, attempt: attempt.current },
        ),
      ),
      device.on('reconnecting', ({ attempt: n }) => {
        attempt.current = n;
        setConnection({ kind: 'offline', reconnecting: true, attempt: n });
      }),
      device.on('error', (error) => {
        if (!error.fatal) return;
        setConnection({
          kind: 'stopped',
          code: error.code,
          message: STOP_MESSAGES[error.code] ?? error.message,
        });
      }),
    ];
    setClient(device);
    device.connect().catch((error: unknown) => {
      if (error instanceof DeviceStreamError && error.fatal) {
        setConnection({
          kind: 'stopped',
          code: error.code,
          message: STOP_MESSAGES[error.code] ?? error.message,
        });
      }
    });
    const ticker = window.setInterval(() => setStats(device.stats()), 1000);
    return () => {
      window.clearInterval(ticker);
      for (const stop of stopListening) stop();
      void device.close();
      setClient(null);
    };
  }, [token]);

  return { client, connection, captureState, setCaptureState, notifications, stats };
}
