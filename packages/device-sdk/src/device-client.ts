import {
  type AskResponse,
  type CaptureState,
  type ChatRequest,
  ChatRequestSchema,
  type ChatResponse,
  type ClientMessage,
  encodeMediaMessage,
  MAX_STREAM_MESSAGE_BYTES,
  MEDIA_HEADER_FIXED_BYTES,
  type ObservationInput,
  ObservationInputSchema,
  PCM16_MEDIA_TYPE,
  type PendingActionWire,
  type ServerMessage,
  ServerMessageSchema,
  STREAM_CLOSE_CODES,
  STREAM_PATH,
  STREAM_PROTOCOL_VERSION,
  StreamIdSchema,
  type StreamMediaType,
} from '@familiar/protocol';
import { DeviceStreamError } from './device-stream-error.ts';
import { Outbox } from './outbox.ts';
import type { WebSocketConstructor, WebSocketLike } from './web-socket-like.ts';

/** The server's `welcome`: the device's identity, last stored sequence per stream, and the send window. */
export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
/** The server's `slow-down`: stop sending for `retryAfterMs`, then at most `suggestedMessagesPerSecond`. */
export type SlowDown = Extract<ServerMessage, { type: 'slow-down' }>;
/** A notification the server pushes to the device. */
export type DeviceNotification = Extract<ServerMessage, { type: 'notification' }>;
/** What a device announces it can send in `hello`. */
export type DeviceCapabilities = NonNullable<Extract<ClientMessage, { type: 'hello' }>['capabilities']>;
/** An earlier turn of a conversation, sent with `chat` (the server keeps no chat state). */
export type ChatTurn = NonNullable<ChatRequest['history']>[number];
/** The person's answer to an external action the assistant proposed. */
export type ActionDecision = 'confirm' | 'reject';
/** Image types a frame may have. */
export type FrameMediaType = Exclude<StreamMediaType, typeof PCM16_MEDIA_TYPE>;

/** The server's word on one message: stored (with its id), a duplicate of a stored one, or discarded. */
export interface DeliveryReceipt {
  stream: string;
  seq: number;
  /** The stored capture or observation; absent for duplicates and discarded messages. */
  id?: string;
  duplicate: boolean;
  /** Capture was paused: the server acknowledged the message and stored nothing. */
  discarded: boolean;
  /** Acknowledged by a `welcome` after a reconnect (the server had stored it; its ack was lost). */
  resumed: boolean;
  /** The server cannot store it and resending will not help (e.g. `id_conflict`); `acked` rejects with it. */
  rejected?: string;
}

/**
 * A queued message; `acked` resolves when the server stores (or discards) it, and rejects when the server rejects
 * it for good or the client closes or fails first.
 */
export interface QueuedMessage {
  readonly stream: string;
  readonly acked: Promise<DeliveryReceipt>;
}

/** Counters of the client's work so far. */
export interface DeviceClientStats {
  /** Queued and not in flight (waiting for the window, a slow-down or a connection). */
  queued: number;
  /** Sent on the current connection, not yet acknowledged. */
  inFlight: number;
  /** Distinct messages sent at least once. */
  sent: number;
  /** Messages stored, found already stored, or discarded while capture was paused. */
  acked: number;
  duplicates: number;
  discarded: number;
  /** Messages the server refused for good (acknowledged with `rejected`). */
  rejected: number;
  /** Sends of a message that had been sent before (after a reconnect). */
  resent: number;
  /** Connections welcomed after the first. */
  reconnects: number;
  /** Bytes of every message not yet acknowledged. */
  bufferedBytes: number;
}

/** Events of the client, by type. */
export interface DeviceClientEvents {
  welcome: Welcome;
  ack: DeliveryReceipt;
  'slow-down': SlowDown;
  'capture-state': CaptureState;
  notification: DeviceNotification;
  /** Errors the server reports and errors that stop the client (`fatal`). */
  error: DeviceStreamError;
  disconnected: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
}

/** Options of `createDeviceClient`. */
export interface DeviceClientOptions {
  /** The server: `http(s)://host:port` or `ws(s)://…`; `/v1/stream` is added when the path is empty. */
  url: string;
  /** The device token from `familiar device add`. */
  token: string;
  /** The WebSocket class; defaults to `globalThis.WebSocket` (pass `ws`'s in Node 20). */
  WebSocket?: WebSocketConstructor;
  capabilities?: DeviceCapabilities;
  /** The device clock (epoch ms) used for device times, `hello` and `pong`. */
  now?: () => number;
  /** While unacknowledged messages hold more bytes than this, the send methods wait. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** Backoff for reconnecting after a lost connection, a server shutdown or a sequence gap; `false`: never. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: number } | false;
  /** Give up on a connection that has not been welcomed within this time, and try again. Default 15 s. */
  welcomeTimeoutMs?: number;
  /** How long a slow-down's rate limit stays after its pause ends. Default 10 s. */
  slowDownHoldMs?: number;
  /** Random numbers in [0, 1) for the backoff jitter. */
  random?: () => number;
}

/** A connection to the Familiar device stream that keeps every message until the server has stored it. */
export interface DeviceClient {
  /** Connects (or waits for the connection in progress) and resolves with the server's welcome. */
  connect(): Promise<Welcome>;
  /** Queues 16 kHz mono s16le audio; resolves once queued (later when the buffer is full). */
  sendAudio(streamId: string, pcm: Uint8Array | Int16Array, deviceTime?: number): Promise<QueuedMessage>;
  /** Queues one image (JPEG, PNG or WebP). */
  sendFrame(
    streamId: string,
    bytes: Uint8Array,
    mediaType: FrameMediaType,
    deviceTime?: number,
  ): Promise<QueuedMessage>;
  /** Queues an observation the device made itself (it shares the stream's sequence numbers). */
  sendObservation(streamId: string, observation: ObservationInput): Promise<QueuedMessage>;
  /** Pauses capture on all of the user's devices; resolves once the request is sent. */
  pause(): Promise<void>;
  /** Resumes capture on all of the user's devices; resolves once the request is sent. */
  resumeCapture(): Promise<void>;
  /**
   * Asks about the timeline and resolves with the whole answer; `onDelta` gets each piece of its text as the server
   * writes it (a model's answer streams; an extractive one comes in one piece). `timeoutMs` bounds the whole answer.
   */
  ask(
    question: string,
    options?: { timeoutMs?: number; onDelta?: (text: string) => void },
  ): Promise<AskResponse>;
  /**
   * One assistant turn (as `POST /v1/chat`), with the conversation so far in `history`; resolves with the reply.
   * `onDelta` gets each piece of the reply's text as the server writes it. External actions the assistant proposes
   * are in `pendingActions` with their exact arguments and summary: show them, ask the person, then `decide`.
   * `timeoutMs` (default 120 s) bounds the whole reply.
   */
  chat(
    message: string,
    options?: { history?: ChatTurn[]; timeoutMs?: number; onDelta?: (text: string) => void },
  ): Promise<ChatResponse>;
  /**
   * Confirms (runs once, with its exact stored arguments) or rejects a pending action; resolves with the action
   * after the decision (`done` or `failed` with its `result`, or `rejected`). Rejects with `conflict` when it was
   * already decided, `action_expired` when its time ran out, `not_found` for an unknown id.
   */
  decide(
    actionId: string,
    decision: ActionDecision,
    options?: { timeoutMs?: number },
  ): Promise<PendingActionWire>;
  /** Resolves when every queued message is acknowledged; rejects on timeout or when the client fails. */
  flush(timeoutMs?: number): Promise<void>;
  /** Closes the connection; messages not yet acknowledged are rejected with `closed`. */
  close(): Promise<void>;
  stats(): DeviceClientStats;
  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof DeviceClientEvents>(
    type: K,
    listener: (event: DeviceClientEvents[K]) => void,
  ): () => void;
}

/** Turns a server address into the device-stream WebSocket URL. */
export function streamUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw new DeviceStreamError('invalid_input', `"${server}" is not a URL, e.g. http://localhost:7777`, {
      cause,
    });
  }
  const schemes: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };
  const scheme = schemes[url.protocol];
  if (!scheme)
    throw new DeviceStreamError('invalid_input', `the server URL must be http(s) or ws(s): ${server}`);
  url.protocol = scheme;
  if (url.pathname === '' || url.pathname === '/') url.pathname = STREAM_PATH;
  return url.toString();
}

/** Default limit on unacknowledged bytes before the send methods wait. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

const FATAL_CLOSES: Record<number, { code: string; message: string }> = {
  [STREAM_CLOSE_CODES.unauthorized]: {
    code: 'unauthorized',
    message: 'the server refused the device token',
  },
  [STREAM_CLOSE_CODES.replaced]: {
    code: 'replaced',
    message: 'this device connected again elsewhere; this client stopped',
  },
  [STREAM_CLOSE_CODES.bad_message]: {
    code: 'bad_message',
    message: 'the server rejected a message as malformed',
  },
  [STREAM_CLOSE_CODES.message_too_large]: {
    code: 'message_too_large',
    message: 'the server rejected a message as too large',
  },
};

type Payload =
  | { kind: 'media'; mediaType: StreamMediaType; deviceTime: number; bytes: Uint8Array }
  | { kind: 'observation'; observation: ObservationInput };

interface Pending {
  payload: Payload;
  resolve(receipt: DeliveryReceipt): void;
  reject(error: DeviceStreamError): void;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: DeviceStreamError): void;
}

type State = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed' | 'failed';

/** The requests that get a reply by id: `ask` → `answer`, `chat` → `chat-reply`, `decide` → `action`. */
type RequestKind = 'ask' | 'chat' | 'decide';

/** Which request kind each reply (and each delta) belongs to, so that a reply of the wrong kind is ignored. */
const REPLY_KIND = {
  answer: 'ask',
  'answer-delta': 'ask',
  'chat-reply': 'chat',
  'chat-delta': 'chat',
  action: 'decide',
} as const;

const WAITED_FOR: Record<RequestKind, string> = {
  ask: 'answer',
  chat: 'reply',
  decide: 'answer to the decision',
};

const DISCONNECTED: Record<RequestKind, string> = {
  ask: 'the connection closed before the answer came; ask again',
  chat: 'the connection closed before the reply came; send the message again',
  decide:
    'the connection closed before the decision was confirmed; it may have been made: check the action before deciding again',
};

interface RequestWaiter extends Waiter<unknown> {
  kind: RequestKind;
  /** Whether the request went out on the current connection (queued ones are sent after the next welcome). */
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  onDelta: ((text: string) => void) | undefined;
}

const textEncoder = new TextEncoder();
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies PCM samples into little-endian bytes (a copy, so the caller may reuse its buffer). */
function pcmBytes(pcm: Uint8Array | Int16Array): Uint8Array {
  if (pcm instanceof Uint8Array) return pcm.slice();
  if (littleEndian) return new Uint8Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let index = 0; index < pcm.length; index += 1) view.setInt16(index * 2, pcm[index]!, true);
  return out;
}

/** Creates a device-stream client (browser-safe: it takes the WebSocket class and imports nothing from Node). */
export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  const {
    token,
    capabilities,
    now = () => Date.now(),
    maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES,
    welcomeTimeoutMs = 15_000,
    slowDownHoldMs = 10_000,
    random = Math.random,
  } = options;
  const url = streamUrl(options.url);
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass)
    throw new DeviceStreamError(
      'invalid_input',
      'no WebSocket class: pass one as the WebSocket option (in Node: import { WebSocket } from "ws")',
    );
  if (!token) throw new DeviceStreamError('invalid_input', 'a device token is required');
  const backoff =
    options.reconnect === false
      ? null
      : { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.2, ...options.reconnect };

  const outbox = new Outbox<Pending>();
  const listeners = new Map<keyof DeviceClientEvents, Set<(event: never) => void>>();
  const producers: Array<{ bytes: number; admit(): void; reject(error: DeviceStreamError): void }> = [];
  const flushWaiters = new Set<Waiter<void>>();
  const connectWaiters: Waiter<Welcome>[] = [];
  const controlQueue: Array<{ message: ClientMessage; sent(): void }> = [];
  /** Asks, chat turns and decisions sent (or queued) and not yet answered, by request id. */
  const requests = new Map<string, RequestWaiter>();
  const counters = { sent: 0, acked: 0, duplicates: 0, discarded: 0, rejected: 0, resent: 0, reconnects: 0 };

  let state: State = 'idle';
  let socket: WebSocketLike | null = null;
  let welcome: Welcome | null = null;
  let everWelcomed = false;
  let failure: DeviceStreamError | null = null;
  let lastServerError: DeviceStreamError | null = null;
  let socketError: string | null = null;
  let attempt = 0;
  let welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pumpTimer: ReturnType<typeof setTimeout> | undefined;
  let pumpAt = 0;
  let pausedUntil = 0;
  let rate: { perSecond: number; until: number } | null = null;
  let nextSendAt = 0;
  let requestCounter = 0;
  let closing: (() => void) | null = null;

  function emit<K extends keyof DeviceClientEvents>(type: K, event: DeviceClientEvents[K]): void {
    for (const listener of listeners.get(type) ?? []) {
      try {
        (listener as (event: DeviceClientEvents[K]) => void)(event);
      } catch (error) {
        // A listener's bug must not break the client's bookkeeping; report it the way an uncaught error is.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function messageLimit(): number {
    return welcome?.maxMessageBytes ?? MAX_STREAM_MESSAGE_BYTES;
  }

  function open(): void {
    state = 'connecting';
    lastServerError = null;
    socketError = null;
    let created: WebSocketLike;
    try {
      created = new WebSocketClass!(url);
    } catch (cause) {
      fail(
        new DeviceStreamError('connect_failed', `cannot open ${url}: ${String(cause)}`, {
          fatal: true,
          cause,
        }),
      );
      return;
    }
    socket = created;
    created.binaryType = 'arraybuffer';
    created.onopen = () => {
      if (socket !== created) return;
      sendNow({
        type: 'hello',
        protocol: STREAM_PROTOCOL_VERSION,
        token,
        deviceTime: now(),
        ...(capabilities ? { capabilities } : {}),
      });
    };
    created.onmessage = (event) => {
      if (socket === created) handleMessage(event.data);
    };
    created.onclose = (event) => {
      if (socket === created) handleClose(event.code, event.reason);
    };
    created.onerror = (event) => {
      // The close event follows; keep what Node's `ws` says about the cause (browsers give no detail).
      const detail = (event as { message?: unknown } | null)?.message;
      if (socket === created && typeof detail === 'string' && detail) socketError = detail;
    };
    welcomeTimer = setTimeout(() => {
      if (socket !== created || state !== 'connecting') return;
      detach(created);
      handleClose(1006, `no welcome within ${welcomeTimeoutMs} ms`);
    }, welcomeTimeoutMs);
  }

  /** Stops listening to a socket that is being replaced, and closes it. */
  function detach(old: WebSocketLike): void {
    socket = null;
    old.onopen = () => {};
    old.onmessage = () => {};
    old.onclose = () => closing?.();
    old.onerror = () => {};
    try {
      old.close(1000, 'client giving up on this connection');
    } catch {
      // Already closed.
    }
  }

  function sendNow(message: ClientMessage | Uint8Array): boolean {
    if (!socket) return false;
    try {
      socket.send(message instanceof Uint8Array ? message : JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  function handleMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      emit(
        'error',
        new DeviceStreamError('bad_server_message', 'the server sent a message that is not JSON'),
      );
      return;
    }
    const result = ServerMessageSchema.safeParse(parsed);
    if (!result.success) {
      const type = (parsed as { type?: unknown } | null)?.type;
      emit(
        'error',
        new DeviceStreamError('bad_server_message', `the server sent an invalid ${String(type)} message`),
      );
      return;
    }
    const message = result.data;
    switch (message.type) {
      case 'welcome':
        handleWelcome(message);
        return;
      case 'ack':
        handleAck(message);
        return;
      case 'slow-down': {
        const at = Date.now();
        pausedUntil = Math.max(pausedUntil, at + message.retryAfterMs);
        if (message.suggestedMessagesPerSecond > 0)
          rate = { perSecond: message.suggestedMessagesPerSecond, until: pausedUntil + slowDownHoldMs };
        emit('slow-down', message);
        pump();
        return;
      }
      case 'ping':
        sendNow({ type: 'pong', id: message.id, deviceTime: now() });
        return;
      case 'pong':
        return;
      case 'capture-state': {
        const { type: _type, ...captureState } = message;
        emit('capture-state', captureState);
        return;
      }
      case 'notification':
        emit('notification', message);
        return;
      case 'answer-delta':
      case 'chat-delta': {
        const waiter = requests.get(message.id);
        const onDelta = waiter?.kind === REPLY_KIND[message.type] ? waiter.onDelta : undefined;
        if (!onDelta) return;
        try {
          onDelta(message.text);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
        return;
      }
      case 'answer':
      case 'chat-reply':
      case 'action': {
        const waiter = requests.get(message.id);
        if (!waiter || waiter.kind !== REPLY_KIND[message.type]) return;
        requests.delete(message.id);
        clearTimeout(waiter.timer);
        if (message.type === 'action') {
          waiter.resolve(message.action);
          return;
        }
        const { type: _type, id: _id, ...reply } = message;
        waiter.resolve(reply);
        return;
      }
      case 'error': {
        const error = new DeviceStreamError(message.code, message.message, {
          retryable: !message.fatal,
          ...(message.details === undefined ? {} : { details: message.details }),
        });
        const asked = message.id === undefined ? undefined : requests.get(message.id);
        if (asked && message.id !== undefined) {
          requests.delete(message.id);
          clearTimeout(asked.timer);
          asked.reject(error);
          return;
        }
        if (message.fatal) lastServerError = error;
        emit('error', error);
        return;
      }
    }
  }

  function handleWelcome(message: Welcome): void {
    if (state !== 'connecting') return;
    clearTimeout(welcomeTimer);
    welcome = message;
    state = 'open';
    attempt = 0;
    if (everWelcomed) counters.reconnects += 1;
    everWelcomed = true;
    pausedUntil = 0;
    rate = null;
    const { stored } = outbox.resume(message.streams);
    for (const entry of stored) {
      counters.acked += 1;
      const receipt = {
        stream: entry.stream,
        seq: entry.seq!,
        duplicate: false,
        discarded: false,
        resumed: true,
      };
      entry.payload.resolve(receipt);
      emit('ack', receipt);
    }
    for (const control of controlQueue.splice(0)) if (sendNow(control.message)) control.sent();
    for (const waiter of connectWaiters.splice(0)) waiter.resolve(message);
    emit('welcome', message);
    admitProducers();
    pump();
    settleFlushes();
  }

  function handleAck(message: Extract<ServerMessage, { type: 'ack' }>): void {
    const entry = outbox.acknowledge(message.stream, message.seq);
    if (!entry) return;
    const receipt: DeliveryReceipt = {
      stream: message.stream,
      seq: message.seq,
      ...(message.id === undefined ? {} : { id: message.id }),
      duplicate: message.duplicate === true,
      discarded: message.discarded === true,
      resumed: false,
      ...(message.rejected === undefined ? {} : { rejected: message.rejected }),
    };
    if (receipt.rejected === undefined) {
      counters.acked += 1;
      if (receipt.duplicate) counters.duplicates += 1;
      if (receipt.discarded) counters.discarded += 1;
      entry.payload.resolve(receipt);
    } else {
      counters.rejected += 1;
      entry.payload.reject(
        new DeviceStreamError(
          receipt.rejected,
          `the server refused ${receipt.stream} #${receipt.seq} for good (${receipt.rejected})`,
        ),
      );
    }
    emit('ack', receipt);
    admitProducers();
    pump();
    settleFlushes();
  }

  function handleClose(code: number, reason: string): void {
    socket = null;
    clearTimeout(welcomeTimer);
    clearTimeout(pumpTimer);
    pumpTimer = undefined;
    const wasWelcomed = state === 'open';
    outbox.disconnected();
    for (const [id, waiter] of requests) {
      if (!waiter.sent) continue;
      requests.delete(id);
      clearTimeout(waiter.timer);
      waiter.reject(new DeviceStreamError('disconnected', DISCONNECTED[waiter.kind], { retryable: true }));
    }
    if (state === 'closed' || state === 'failed') return;
    const fatal = FATAL_CLOSES[code];
    if (fatal) {
      const detail = lastServerError?.message;
      emit('disconnected', { code, reason, willReconnect: false });
      fail(
        new DeviceStreamError(fatal.code, detail ? `${fatal.message}: ${detail}` : fatal.message, {
          fatal: true,
          closeCode: code,
        }),
      );
      return;
    }
    if (!everWelcomed || !backoff) {
      const why = lastServerError?.message ?? socketError ?? (reason || `connection closed (code ${code})`);
      emit('disconnected', { code, reason, willReconnect: false });
      const error = new DeviceStreamError(
        wasWelcomed ? 'disconnected' : 'connect_failed',
        wasWelcomed ? `the connection to ${url} closed: ${why}` : `could not connect to ${url}: ${why}`,
        { retryable: true, closeCode: code },
      );
      if (!backoff && everWelcomed) {
        fail(error);
        return;
      }
      state = 'idle';
      for (const waiter of connectWaiters.splice(0)) waiter.reject(error);
      return;
    }
    emit('disconnected', { code, reason, willReconnect: true });
    scheduleReconnect(code === STREAM_CLOSE_CODES.sequence_gap);
  }

  function scheduleReconnect(immediate: boolean): void {
    if (!backoff) return;
    state = 'backoff';
    const base = immediate ? 0 : Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** attempt);
    const delayMs = Math.round(base * (1 - backoff.jitter * random()));
    attempt += 1;
    emit('reconnecting', { attempt, delayMs });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (state === 'backoff') open();
    }, delayMs);
  }

  /** Stops for good and rejects everything that waits. */
  function fail(error: DeviceStreamError): void {
    if (state === 'failed' || state === 'closed') return;
    state = 'failed';
    failure = error;
    if (socket) detach(socket);
    stopTimers();
    emit('error', error);
    rejectEverything(error);
  }

  function stopTimers(): void {
    clearTimeout(welcomeTimer);
    clearTimeout(reconnectTimer);
    clearTimeout(pumpTimer);
    pumpTimer = undefined;
  }

  function rejectEverything(error: DeviceStreamError): void {
    for (const entry of outbox.drain()) entry.payload.reject(error);
    for (const producer of producers.splice(0)) producer.reject(error);
    for (const waiter of connectWaiters.splice(0)) waiter.reject(error);
    for (const waiter of flushWaiters) waiter.reject(error);
    flushWaiters.clear();
    for (const waiter of requests.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    requests.clear();
    controlQueue.length = 0;
  }

  /** Sends what the window, any slow-down and the rate limit allow; sets a timer for the rest. */
  function pump(): void {
    if (state !== 'open' || !welcome) return;
    const window = welcome.window;
    for (;;) {
      const at = Date.now();
      if (at < pausedUntil) {
        schedulePump(pausedUntil);
        return;
      }
      if (rate && at >= rate.until) rate = null;
      const entry = outbox.next(window);
      if (!entry) return;
      if (rate && at < nextSendAt) {
        schedulePump(nextSendAt);
        return;
      }
      const { seq, resend } = outbox.markSent(entry);
      const { payload } = entry.payload;
      const ok = sendNow(
        payload.kind === 'media'
          ? encodeMediaMessage({
              streamId: entry.stream,
              seq,
              deviceTime: payload.deviceTime,
              mediaType: payload.mediaType,
              payload: payload.bytes,
            })
          : { type: 'observation', stream: entry.stream, seq, observation: payload.observation },
      );
      if (resend) counters.resent += 1;
      else counters.sent += 1;
      if (rate) nextSendAt = Math.max(at, nextSendAt) + 1000 / rate.perSecond;
      if (!ok) return;
    }
  }

  function schedulePump(at: number): void {
    if (pumpTimer !== undefined && pumpAt <= at) return;
    clearTimeout(pumpTimer);
    pumpAt = at;
    pumpTimer = setTimeout(
      () => {
        pumpTimer = undefined;
        pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  function admitProducers(): void {
    while (producers.length > 0) {
      const next = producers[0]!;
      const buffered = outbox.bufferedBytes;
      if (buffered > 0 && buffered + next.bytes > maxBufferedBytes) return;
      producers.shift();
      next.admit();
    }
  }

  function settleFlushes(): void {
    if (outbox.size > 0 || producers.length > 0) return;
    for (const waiter of flushWaiters) waiter.resolve();
    flushWaiters.clear();
  }

  function refusal(): DeviceStreamError | null {
    if (failure) return failure;
    if (state === 'closed') return new DeviceStreamError('closed', 'the client is closed');
    return null;
  }

  function enqueue(stream: string, bytes: number, payload: Payload): Promise<QueuedMessage> {
    const refused = refusal();
    if (refused) return Promise.reject(refused);
    if (!StreamIdSchema.safeParse(stream).success)
      return Promise.reject(
        new DeviceStreamError('invalid_input', `"${stream}" is not a stream id (1-64 of A-Z a-z 0-9 . _ -)`),
      );
    if (bytes > messageLimit())
      return Promise.reject(
        new DeviceStreamError(
          'message_too_large',
          `a ${bytes}-byte message is over the server's limit of ${messageLimit()} bytes`,
        ),
      );
    return new Promise<QueuedMessage>((resolveQueued, rejectQueued) => {
      producers.push({
        bytes,
        reject: rejectQueued,
        admit() {
          let pending!: Pending;
          const acked = new Promise<DeliveryReceipt>((resolve, reject) => {
            pending = { payload, resolve, reject };
          });
          acked.catch(() => {});
          outbox.add(stream, bytes, pending);
          resolveQueued({ stream, acked });
        },
      });
      admitProducers();
      pump();
    });
  }

  /** Sends a request now, or once connected, and resolves with the server's reply to its id. */
  function request<T>(
    kind: RequestKind,
    message: (id: string) => ClientMessage,
    timeoutMs: number,
    onDelta?: (text: string) => void,
  ): Promise<T> {
    requestCounter += 1;
    const id = `${kind}-${requestCounter}-${Math.floor(random() * 1e9).toString(36)}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        requests.delete(id);
        reject(
          new DeviceStreamError('timeout', `no ${WAITED_FOR[kind]} within ${timeoutMs} ms`, {
            retryable: true,
          }),
        );
      }, timeoutMs);
      const waiter: RequestWaiter = {
        kind,
        resolve: resolve as (value: unknown) => void,
        reject,
        sent: false,
        timer,
        onDelta,
      };
      requests.set(id, waiter);
      const outgoing = message(id);
      if (state === 'open' && sendNow(outgoing)) waiter.sent = true;
      else {
        controlQueue.push({
          message: outgoing,
          sent: () => {
            waiter.sent = true;
          },
        });
      }
    });
  }

  function control(message: ClientMessage): Promise<void> {
    const refused = refusal();
    if (refused) return Promise.reject(refused);
    if (state === 'open' && sendNow(message)) return Promise.resolve();
    return new Promise((resolve) => controlQueue.push({ message, sent: resolve }));
  }

  const client: DeviceClient = {
    connect() {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      if (state === 'open' && welcome) return Promise.resolve(welcome);
      const promise = new Promise<Welcome>((resolve, reject) => connectWaiters.push({ resolve, reject }));
      if (state === 'idle') open();
      return promise;
    },

    sendAudio(streamId, pcm, deviceTime = now()) {
      const bytes = pcmBytes(pcm);
      if (bytes.byteLength === 0 || bytes.byteLength % 2 !== 0)
        return Promise.reject(
          new DeviceStreamError('invalid_input', 'audio needs a whole, non-zero number of 16-bit samples'),
        );
      return enqueue(streamId, MEDIA_HEADER_FIXED_BYTES + streamId.length + bytes.byteLength, {
        kind: 'media',
        mediaType: PCM16_MEDIA_TYPE,
        deviceTime,
        bytes,
      });
    },

    sendFrame(streamId, bytes, mediaType, deviceTime = now()) {
      if (!['image/jpeg', 'image/png', 'image/webp'].includes(mediaType))
        return Promise.reject(
          new DeviceStreamError(
            'invalid_input',
            `frames are image/jpeg, image/png or image/webp, not ${mediaType}`,
          ),
        );
      if (bytes.byteLength === 0)
        return Promise.reject(new DeviceStreamError('invalid_input', 'the frame is empty'));
      return enqueue(streamId, MEDIA_HEADER_FIXED_BYTES + streamId.length + bytes.byteLength, {
        kind: 'media',
        mediaType,
        deviceTime,
        bytes: bytes.slice(),
      });
    },

    sendObservation(streamId, observation) {
      const parsed = ObservationInputSchema.safeParse(observation);
      if (!parsed.success)
        return Promise.reject(
          new DeviceStreamError(
            'invalid_input',
            `invalid observation: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
          ),
        );
      const size = textEncoder.encode(
        JSON.stringify({ type: 'observation', stream: streamId, seq: 0xffffffff, observation: parsed.data }),
      ).byteLength;
      return enqueue(streamId, size, { kind: 'observation', observation: parsed.data });
    },

    pause() {
      return control({ type: 'pause' });
    },

    resumeCapture() {
      return control({ type: 'resume-capture' });
    },

    ask(question, { timeoutMs = 60_000, onDelta } = {}) {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      const trimmed = question.trim();
      if (!trimmed || trimmed.length > 2000)
        return Promise.reject(new DeviceStreamError('invalid_input', 'a question is 1-2000 characters'));
      return request<AskResponse>(
        'ask',
        (id) => ({ type: 'ask', id, question: trimmed }),
        timeoutMs,
        onDelta,
      );
    },

    chat(message, { history, timeoutMs = 120_000, onDelta } = {}) {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      const parsed = ChatRequestSchema.safeParse({ message, ...(history ? { history } : {}) });
      if (!parsed.success)
        return Promise.reject(
          new DeviceStreamError(
            'invalid_input',
            `invalid chat message: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
          ),
        );
      return request<ChatResponse>(
        'chat',
        (id) => ({ type: 'chat', id, ...parsed.data }),
        timeoutMs,
        onDelta,
      );
    },

    decide(actionId, decision, { timeoutMs = 60_000 } = {}) {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      if (!actionId || actionId.length > 64)
        return Promise.reject(new DeviceStreamError('invalid_input', 'an action id is 1-64 characters'));
      if (decision !== 'confirm' && decision !== 'reject')
        return Promise.reject(
          new DeviceStreamError(
            'invalid_input',
            `a decision is "confirm" or "reject", not "${String(decision)}"`,
          ),
        );
      return request<PendingActionWire>(
        'decide',
        (id) => ({ type: 'decide', id, actionId, decision }),
        timeoutMs,
      );
    },

    flush(timeoutMs) {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      if (outbox.size === 0 && producers.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waiter: Waiter<void> = {
          resolve() {
            clearTimeout(timer);
            resolve();
          },
          reject(error) {
            clearTimeout(timer);
            reject(error);
          },
        };
        flushWaiters.add(waiter);
        if (timeoutMs !== undefined)
          timer = setTimeout(() => {
            flushWaiters.delete(waiter);
            const waiting = outbox.size + producers.length;
            reject(
              new DeviceStreamError(
                'timeout',
                `${waiting} message${waiting === 1 ? ' was' : 's were'} not acknowledged within ${timeoutMs} ms (${outbox.inFlight} in flight; connection ${state === 'open' ? 'open' : 'not open'})`,
                { retryable: true },
              ),
            );
          }, timeoutMs);
      });
    },

    close() {
      if (state === 'closed') return Promise.resolve();
      const previous = state;
      state = 'closed';
      stopTimers();
      const waiting = outbox.size + producers.length;
      if (previous !== 'failed')
        rejectEverything(
          new DeviceStreamError(
            'closed',
            `the client was closed with ${waiting} message${waiting === 1 ? '' : 's'} not acknowledged`,
          ),
        );
      const current = socket;
      if (!current) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(grace);
          closing = null;
          resolve();
        };
        const grace = setTimeout(done, 1000);
        closing = done;
        detach(current);
      });
    },

    stats() {
      return {
        queued: outbox.size - outbox.inFlight,
        inFlight: outbox.inFlight,
        ...counters,
        bufferedBytes: outbox.bufferedBytes,
      };
    },

    on(type, listener) {
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
      }
      set.add(listener as (event: never) => void);
      return () => {
        set.delete(listener as (event: never) => void);
      };
    },
  };
  return client;
}
