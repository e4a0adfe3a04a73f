import { encodeMediaMessage, type ServerMessage, type StreamMediaType } from '@familiar/protocol';
import WebSocket from 'ws';

/** A bare WebSocket device for protocol tests: sends exactly what a test says and records what comes back. */
export class RawDevice {
  readonly socket: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as ServerMessage;
      this.received.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens a socket to `<base>/v1/stream`. */
  static async open(baseUrl: string): Promise<RawDevice> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawDevice(socket);
  }

  /** Opens a socket and says hello; resolves with the welcome. */
  static async connect(
    baseUrl: string,
    token: string,
    deviceTime = Date.now(),
  ): Promise<{ device: RawDevice; welcome: Extract<ServerMessage, { type: 'welcome' }> }> {
    const device = await RawDevice.open(baseUrl);
    device.json({ type: 'hello', protocol: 1, token, deviceTime });
    const welcome = (await device.next((m) => m.type === 'welcome' || m.type === 'error')) as Extract<
      ServerMessage,
      { type: 'welcome' }
    >;
    if (welcome.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`);
    return { device, welcome };
  }

  json(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  media(
    streamId: string,
    seq: number,
    mediaType: StreamMediaType,
    payload: Uint8Array,
    deviceTime = Date.now(),
  ): void {
    this.socket.send(encodeMediaMessage({ streamId, seq, deviceTime, mediaType, payload }));
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; received ${JSON.stringify(this.received.slice(-5))}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  ack(stream: string, seq: number): Promise<Extract<ServerMessage, { type: 'ack' }>> {
    return this.next((m) => m.type === 'ack' && m.stream === stream && m.seq === seq) as Promise<
      Extract<ServerMessage, { type: 'ack' }>
    >;
  }

  close(): void {
    this.socket.close();
  }
}
