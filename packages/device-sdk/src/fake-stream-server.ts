import {
  type ClientMessage,
  ClientMessageSchema,
  decodeMediaMessage,
  type MediaMessage,
  type ServerMessage,
  STREAM_PROTOCOL_VERSION,
} from '@familiar/protocol';
import type { Welcome } from './device-client.ts';
import type { WebSocketConstructor, WebSocketLike } from './web-socket-like.ts';

/** What a device sent on one socket, decoded: JSON messages and binary media messages. */
export type SentMessage = { kind: 'json'; message: ClientMessage } | { kind: 'media'; message: MediaMessage };

/**
 * One socket of the fake server. The device side is the browser WebSocket surface; the test plays the server
 * with `accept`, `reply`, `drop` and reads what the device sent with `received`.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  /** Everything the device sent, as sent (binary messages copied). */
  readonly sent: Array<string | Uint8Array> = [];
  /** The close the device asked for, if it did. */
  closedByClient: { code: number; reason: string } | null = null;

  constructor(readonly url: string) {}

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error(`send on a socket in state ${this.readyState}`);
    this.sent.push(typeof data === 'string' ? data : data.slice());
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.closedByClient = { code, reason };
    queueMicrotask(() => {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    });
  }

  /** Server side: the connection opens (the device then sends `hello`). */
  accept(): this {
    this.readyState = 1;
    this.onopen?.({});
    return this;
  }

  /** Server side: sends a JSON message to the device. */
  reply(message: ServerMessage): this {
    this.onmessage?.({ data: JSON.stringify(message) });
    return this;
  }

  /** Server side: sends raw text (for malformed-message tests). */
  replyRaw(data: string): this {
    this.onmessage?.({ data });
    return this;
  }

  /** Server side: the connection closes with this code (1006 is a lost network). */
  drop(code = 1006, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** Everything the device sent, decoded; throws on anything the real server would reject as malformed. */
  received(): SentMessage[] {
    return this.sent.map((data) => {
      if (typeof data === 'string')
        return { kind: 'json', message: ClientMessageSchema.parse(JSON.parse(data)) } as const;
      const decoded = decodeMediaMessage(data);
      if (!decoded.ok) throw new Error(`malformed media message: ${decoded.reason}`);
      return { kind: 'media', message: decoded.message } as const;
    });
  }

  /** Sequenced messages (media and observations) as `stream:seq`, in the order they were sent. */
  sequenced(): string[] {
    return this.received().flatMap((sent) => {
      if (sent.kind === 'media') return [`${sent.message.streamId}:${sent.message.seq}`];
      if (sent.message.type === 'observation') return [`${sent.message.stream}:${sent.message.seq}`];
      return [];
    });
  }

  /** The JSON messages the device sent of one type. */
  messagesOf<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.received().flatMap((sent) =>
      sent.kind === 'json' && sent.message.type === type
        ? [sent.message as Extract<ClientMessage, { type: T }>]
        : [],
    );
  }
}

/** A hand-written stand-in for the Familiar stream server: pass `WebSocket` to the client, play the server. */
export class FakeStreamServer {
  /** Every socket the client opened, oldest first. */
  readonly sockets: FakeSocket[] = [];
  /** The WebSocket class to give the client. */
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
  }

  /** The socket opened last. */
  get latest(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('the client has not opened a socket');
    return socket;
  }
}

/** A `welcome` message with sensible defaults, for tests. */
export function welcomeMessage(overrides: Partial<Omit<Welcome, 'type'>> = {}): Welcome {
  return {
    type: 'welcome',
    protocol: STREAM_PROTOCOL_VERSION,
    deviceId: '01JDEVICE0000000000000000A',
    userId: '01JUSER000000000000000000A',
    serverTime: 0,
    clockOffsetMs: 0,
    captureState: { paused: false, since: null, by: null },
    streams: {},
    window: { maxInFlight: 32, maxInFlightBytes: 8 * 1024 * 1024 },
    maxMessageBytes: 4 * 1024 * 1024,
    ...overrides,
  };
}
