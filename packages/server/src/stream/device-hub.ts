import {
  type CaptureState,
  type ClientMessage,
  ClientMessageSchema,
  decodeMediaMessage,
  MAX_STREAM_MESSAGE_BYTES,
  PCM16_MEDIA_TYPE,
  type ServerMessage,
  STREAM_CLOSE_CODES,
  STREAM_PROTOCOL_VERSION,
  type StreamErrorCode,
  trustFor,
  UlidSchema,
} from '@familiar/protocol';
import type { ModelMessage } from 'ai';
import type { WebSocket } from 'ws';
import type { Accounts, Principal } from '../accounts/index.ts';
import {
  type Ask,
  type Chat,
  type ChatActor,
  type Notifier,
  presentAction,
  presentAnswer,
} from '../assistant/index.ts';
import type { AuditLog } from '../audit/index.ts';
import {
  type Clock,
  describeIssues,
  FamiliarError,
  fromIso,
  type IdGenerator,
  type Logger,
  NotFoundError,
} from '../kernel/index.ts';
import type { Actor, TimelineStore } from '../memory/index.ts';
import type { MediaLinks, Privacy } from '../safety/index.ts';
import type { AudioSegmenter } from './audio-segmenter.ts';
import { type StreamWrite, type StreamWriteResult, type StreamWriter, writeBytes } from './stream-writer.ts';

/** Limits of the device stream; the defaults suit glasses sending a frame a second and continuous audio. */
export interface HubOptions {
  helloTimeoutMs: number;
  /** Messages a device may have sent but not yet had acknowledged. */
  maxInFlight: number;
  maxInFlightBytes: number;
  pingIntervalMs: number;
  /**
   * How often the hub looks for capture-state changes and notifications made by other processes (the CLI, other
   * servers on the same PostgreSQL database).
   */
  pollMs: number;
}

/**
 * How old a notification may be and still be pushed to a device that never received it: a device that connects
 * after a week away does not get a week of stale reminders.
 */
const NOTIFICATION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** How many questions one connection may have waiting for an answer at once. */
const MAX_ASKS_PER_CONNECTION = 4;
/** How many chat turns and decisions one connection may have waiting for their reply at once. */
const MAX_CHATS_PER_CONNECTION = 4;

const DEFAULT_OPTIONS: HubOptions = {
  helloTimeoutMs: 10_000,
  maxInFlight: 64,
  maxInFlightBytes: 8 * 1024 * 1024,
  pingIntervalMs: 15_000,
  pollMs: 1_000,
};

/** What the hub keeps per device across its connections: where each stream stands and what is being stored. */
interface DeviceState {
  expected: Map<string, number>;
  inflight: Map<string, Promise<StreamWriteResult>>;
  connection: Connection | null;
}

interface Connection {
  socket: WebSocket;
  principal: Principal;
  send(message: ServerMessage): void;
  close(code: StreamErrorCode, message: string): void;
}

/**
 * The device-stream hub: authenticates each socket with `hello`, checks sequence numbers, hands media and
 * observations to the group-commit writer and acknowledges each only once it is durable, pushes back when a device
 * sends faster than the store keeps up, corrects device clocks, and carries capture state, notifications and
 * answers back to devices. Devices also chat with the assistant (`chat` → `chat-delta`…, `chat-reply` with the
 * external actions it proposed) and confirm or reject those actions (`decide` → `action`), as `device:<id>`.
 */
export function createDeviceHub(deps: {
  accounts: Accounts;
  audit: AuditLog;
  store: TimelineStore;
  writer: StreamWriter;
  segmenter: AudioSegmenter;
  privacy: Privacy;
  notifier: Notifier;
  ask: Ask;
  /** The assistant turn and the person's decisions on the external actions it proposes. */
  chat: Pick<Chat, 'chat' | 'confirm' | 'reject'>;
  mediaLinks: MediaLinks;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  options?: Partial<HubOptions>;
}) {
  const {
    accounts,
    audit,
    store,
    writer,
    segmenter,
    privacy,
    notifier,
    ask,
    chat,
    mediaLinks,
    clock,
    newId,
    logger,
  } = deps;
  const options = { ...DEFAULT_OPTIONS, ...deps.options };
  const devices = new Map<string, DeviceState>();
  const sockets = new Set<WebSocket>();
  const pausedUsers = new Map<string, boolean>();
  /** Answers, chat replies and decisions being made, so that closing waits for their audit records. */
  const asking = new Set<Promise<void>>();
  let lastStatePoll = clock.now();
  let polling = false;
  /** The notification delivery running now, if any; the next waits for it. */
  let delivering: Promise<void> = Promise.resolve();

  const connectionCount = () => [...devices.values()].filter((d) => d.connection).length;
  const connectionsOf = (userId: string): Connection[] =>
    [...devices.values()].flatMap((d) =>
      d.connection && d.connection.principal.user.id === userId ? [d.connection] : [],
    );

  async function deviceState(deviceId: string): Promise<DeviceState> {
    let state = devices.get(deviceId);
    if (!state) {
      const positions = await store.streamPositions(deviceId);
      state = devices.get(deviceId) ?? {
        expected: new Map(Object.entries(positions).map(([stream, last]) => [stream, last + 1])),
        inflight: new Map(),
        connection: null,
      };
      devices.set(deviceId, state);
    }
    return state;
  }

  async function isPaused(userId: string): Promise<boolean> {
    const known = pausedUsers.get(userId);
    if (known !== undefined) return known;
    const paused = await privacy.isPaused(userId);
    pausedUsers.set(userId, paused);
    return paused;
  }

  function broadcastState(userId: string, state: CaptureState): void {
    pausedUsers.set(userId, state.paused);
    for (const connection of connectionsOf(userId)) connection.send({ type: 'capture-state', ...state });
  }

  /**
   * Pushes each of the user's (or every user's) connected devices the notifications it has not received yet, and
   * records each delivery per device, so a device gets a notification once whichever server it is connected to and
   * whichever server queued it. A device is offered only notifications created at or after it was added (a new device
   * does not get the history), and within the last week: older ones are not pushed to a device that never got them.
   * Runs one at a time, so a hello and the poll never push the same notification to a device twice.
   */
  function deliverNotifications(userId?: string): Promise<void> {
    const run = delivering.then(() => deliverNow(userId));
    delivering = run.catch(() => {});
    return run;
  }

  async function deliverNow(userId?: string): Promise<void> {
    const byUser = new Map<string, Array<{ deviceId: string; since: number; connection: Connection }>>();
    const oldest = clock.now() - NOTIFICATION_MAX_AGE_MS;
    for (const [deviceId, state] of devices) {
      const connection = state.connection;
      const device = connection?.principal?.device;
      if (!connection || !device) continue;
      const owner = connection.principal.user.id;
      if (userId && owner !== userId) continue;
      const targets = byUser.get(owner) ?? [];
      targets.push({ deviceId, since: Math.max(device.createdAt, oldest), connection });
      byUser.set(owner, targets);
    }
    for (const [owner, targets] of byUser) {
      const since = Math.min(...targets.map((t) => t.since));
      const waiting = await notifier.undeliveredTo(
        owner,
        targets.map((t) => t.deviceId),
        since,
      );
      const delivered: Array<{ notificationId: string; deviceId: string }> = [];
      for (const { notification, deviceIds } of waiting) {
        for (const target of targets) {
          if (!deviceIds.includes(target.deviceId) || notification.createdAt < target.since) continue;
          const { connection } = target;
          // Still this device's connection, and open: otherwise it gets it when it connects again.
          if (devices.get(target.deviceId)?.connection !== connection) continue;
          if (connection.socket.readyState !== connection.socket.OPEN) continue;
          connection.send({
            type: 'notification',
            id: notification.id,
            title: notification.title,
            body: notification.body,
            at: new Date(notification.createdAt).toISOString(),
          });
          delivered.push({ notificationId: notification.id, deviceId: target.deviceId });
        }
      }
      await notifier.markDeliveredTo(owner, delivered);
    }
  }

  /** Picks up changes made by other processes (the CLI): capture state and queued notifications. */
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    (async () => {
      const since = lastStatePoll;
      lastStatePoll = clock.now();
      for (const state of await privacy.changedSince(since - 1)) {
        if (pausedUsers.get(state.userId) === state.paused) continue;
        broadcastState(state.userId, await privacy.state(state.userId));
      }
      // Notifications queued by this process, the CLI or another server, for the devices connected here.
      if (devices.size > 0) await deliverNotifications();
    })()
      .catch((error) => logger.error({ err: error }, 'device hub poll failed'))
      .finally(() => {
        polling = false;
      });
  }, options.pollMs);
  poller.unref();

  function accept(socket: WebSocket): void {
    sockets.add(socket);
    const state = {
      principal: null as Principal | null,
      device: null as DeviceState | null,
      clockOffsetMs: 0,
      bestRttMs: Number.POSITIVE_INFINITY,
      pings: new Map<string, number>(),
      inFlight: 0,
      inFlightBytes: 0,
      reading: true,
      closed: false,
      connectedAt: clock.now(),
      audioStreams: new Set<string>(),
      counts: { stored: 0, duplicates: 0, discarded: 0, rejected: 0, bytes: 0 },
      alive: true,
      processing: Promise.resolve(),
      /** Asks being answered on this connection; aborted when it closes. */
      asks: new Set<AbortController>(),
      /** Chat turns being answered on this connection; aborted when it closes. */
      chats: new Set<AbortController>(),
      /** Decisions being carried out on this connection (not aborted: an action that started runs to its end). */
      decisions: 0,
    };

    const send = (message: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const close = (code: StreamErrorCode, message: string, details?: unknown) => {
      if (state.closed) return;
      send({ type: 'error', code, message, fatal: true, ...(details === undefined ? {} : { details }) });
      state.closed = true;
      socket.resume();
      socket.close(STREAM_CLOSE_CODES[code], message.slice(0, 120));
    };
    const connection: Connection = { socket, principal: null as unknown as Principal, send, close };

    const helloTimer = setTimeout(
      () => close('hello_timeout', `send "hello" within ${options.helloTimeoutMs} ms of connecting`),
      options.helloTimeoutMs,
    );
    helloTimer.unref();

    const heartbeat = setInterval(() => {
      if (!state.principal) return;
      if (!state.alive) {
        logger.info(
          { device: state.principal.device?.id },
          'device stopped answering pings; closing its socket',
        );
        socket.terminate();
        return;
      }
      state.alive = false;
      socket.ping();
      const id = newId();
      state.pings.set(id, clock.now());
      send({ type: 'ping', id, serverTime: clock.now() });
    }, options.pingIntervalMs);
    heartbeat.unref();
    socket.on('pong', () => {
      state.alive = true;
    });

    const correct = (deviceTime: number) => Math.round(deviceTime + state.clockOffsetMs);

    function settle(bytes: number): void {
      state.inFlight -= 1;
      state.inFlightBytes -= bytes;
      if (
        !state.reading &&
        state.inFlight <= options.maxInFlight / 2 &&
        state.inFlightBytes <= options.maxInFlightBytes / 2
      ) {
        state.reading = true;
        socket.resume();
      }
    }

    /**
     * A device that keeps to its window never meets this; one that sends past it is told to slow down and is not
     * read until half of what it has in flight is stored, so its messages wait in its own memory, not the server's.
     */
    function pushBack(): void {
      if (!state.reading) return;
      if (state.inFlight <= options.maxInFlight && state.inFlightBytes <= options.maxInFlightBytes) return;
      state.reading = false;
      socket.pause();
      const share = writer.throughput() / Math.max(1, connectionCount());
      const rate = Math.max(1, Math.floor(share));
      send({
        type: 'slow-down',
        suggestedMessagesPerSecond: rate,
        retryAfterMs: Math.min(5_000, Math.ceil((state.inFlight / 2 / rate) * 1000)),
        reason: `${state.inFlight} messages (${Math.round(state.inFlightBytes / 1024)} KiB) are waiting to be stored`,
      });
    }

    /** Sequence check and hand-off to the writer; the ack goes out once the write is durable. */
    function submit(streamId: string, seq: number, make: () => StreamWrite): void {
      const device = state.device!;
      const expected = device.expected.get(streamId) ?? 1;
      const key = `${streamId}\u0000${seq}`;
      if (seq < expected) {
        const pending = device.inflight.get(key);
        const answer = (result: StreamWriteResult | null) =>
          send({
            type: 'ack',
            stream: streamId,
            seq,
            duplicate: true,
            ...(result?.id ? { id: result.id } : {}),
          });
        if (pending)
          pending.then(answer, () =>
            close('storage_failed', 'the earlier copy of this message could not be stored; reconnect'),
          );
        else answer(null);
        return;
      }
      if (seq > expected) {
        close(
          'sequence_gap',
          `stream "${streamId}" expected sequence ${expected} but got ${seq}: reconnect and resend from ${expected}`,
          {
            stream: streamId,
            expected,
            got: seq,
          },
        );
        return;
      }
      const write = make();
      const bytes = writeBytes(write);
      device.expected.set(streamId, seq + 1);
      state.inFlight += 1;
      state.inFlightBytes += bytes;
      const promise = writer.write(write);
      device.inflight.set(key, promise);
      promise.then(
        (result) => {
          device.inflight.delete(key);
          settle(bytes);
          if (result.status === 'gap') {
            close(
              'sequence_gap',
              `stream "${streamId}" expected sequence ${result.expected}: reconnect and resend from there`,
              {
                stream: streamId,
                expected: result.expected,
              },
            );
            devices.delete(state.principal!.device!.id);
            return;
          }
          if (result.status === 'stored' && write.kind !== 'discard') {
            state.counts.stored += 1;
            state.counts.bytes += bytes;
          } else if (result.status === 'duplicate') state.counts.duplicates += 1;
          if (write.kind === 'discard') state.counts.discarded += 1;
          if (write.kind === 'audio') state.audioStreams.add(streamId);
          if (result.status === 'rejected') {
            state.counts.rejected += 1;
            send({
              type: 'error',
              code: result.code,
              message: result.message,
              fatal: false,
              details: { stream: streamId, seq },
            });
          }
          send({
            type: 'ack',
            stream: streamId,
            seq,
            ...(result.id ? { id: result.id } : {}),
            ...(write.kind === 'discard' ? { discarded: true } : {}),
            ...(result.status === 'duplicate' ? { duplicate: true } : {}),
            ...(result.status === 'rejected' ? { rejected: result.code } : {}),
          });
        },
        (error) => {
          device.inflight.delete(key);
          settle(bytes);
          // The stream position in memory is no longer trustworthy: reload it from the store on the next hello.
          devices.delete(state.principal!.device!.id);
          logger.error({ err: error }, 'a device stream write failed');
          close('storage_failed', 'the server could not store this message; reconnect and resend', {
            stream: streamId,
            seq,
          });
        },
      );
      pushBack();
    }

    async function onHello(message: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
      let principal: Principal;
      try {
        principal = await accounts.authenticate(message.token);
      } catch {
        close('unauthorized', 'this device token is not valid (unknown or revoked)');
        return;
      }
      if (!principal.device) {
        close('unauthorized', 'a device token is required');
        return;
      }
      clearTimeout(helloTimer);
      const device = await deviceState(principal.device.id);
      if (device.connection && device.connection !== connection) {
        device.connection.close('replaced', 'this device connected again; this older connection is closed');
      }
      // `welcome.streams` must say what is stored: let writes of an earlier connection settle, then take the
      // positions from the store.
      if (device.inflight.size > 0) {
        await Promise.allSettled([...device.inflight.values()]);
        const positions = await store.streamPositions(principal.device.id);
        device.expected = new Map(Object.entries(positions).map(([stream, last]) => [stream, last + 1]));
      }
      devices.set(principal.device.id, device);
      const receivedAt = clock.now();
      state.clockOffsetMs = receivedAt - message.deviceTime;
      device.connection = connection;
      connection.principal = principal;
      state.principal = principal;
      state.device = device;
      const captureState = await privacy.state(principal.user.id);
      pausedUsers.set(principal.user.id, captureState.paused);
      send({
        type: 'welcome',
        protocol: STREAM_PROTOCOL_VERSION,
        deviceId: principal.device.id,
        userId: principal.user.id,
        serverTime: receivedAt,
        clockOffsetMs: state.clockOffsetMs,
        captureState,
        streams: Object.fromEntries([...device.expected].map(([stream, next]) => [stream, next - 1])),
        window: { maxInFlight: options.maxInFlight, maxInFlightBytes: options.maxInFlightBytes },
        maxMessageBytes: MAX_STREAM_MESSAGE_BYTES,
      });
      const id = newId();
      state.pings.set(id, clock.now());
      send({ type: 'ping', id, serverTime: clock.now() });
      await deliverNotifications(principal.user.id);
    }

    async function onJson(message: ClientMessage): Promise<void> {
      const principal = state.principal!;
      const actor: Actor = {
        userId: principal.user.id,
        deviceId: principal.device!.id,
        label: `device:${principal.device!.id}`,
      };
      switch (message.type) {
        case 'hello':
          close('bad_message', '"hello" was already received on this connection');
          return;
        case 'ping':
          send({ type: 'pong', id: message.id, deviceTime: message.deviceTime, serverTime: clock.now() });
          return;
        case 'pong': {
          const sentAt = state.pings.get(message.id);
          if (sentAt === undefined) return;
          state.pings.delete(message.id);
          const rtt = clock.now() - sentAt;
          if (rtt <= state.bestRttMs) {
            state.bestRttMs = rtt;
            state.clockOffsetMs = sentAt + rtt / 2 - message.deviceTime;
          }
          return;
        }
        case 'observation': {
          const paused = await isPaused(actor.userId);
          const input = message.observation;
          const perceived = trustFor(input.modality) === 'perceived';
          submit(message.stream, message.seq, () => {
            const base = {
              userId: actor.userId,
              deviceId: actor.deviceId!,
              streamId: message.stream,
              seq: message.seq,
            };
            if (paused && perceived) return { ...base, kind: 'discard' };
            const deviceCapturedAt = fromIso(input.capturedAt);
            return {
              ...base,
              kind: 'observation',
              observation: {
                id: input.id,
                deviceId: actor.deviceId,
                modality: input.modality,
                capturedAt: correct(deviceCapturedAt),
                deviceCapturedAt,
                receivedAt: clock.now(),
                text: input.text,
                captureId: input.captureId ?? null,
                provenance: input.provenance ?? null,
                trust: trustFor(input.modality),
              },
            };
          });
          return;
        }
        case 'pause':
        case 'resume-capture': {
          const { state: next, changed } = await privacy.setPaused(
            actor,
            message.type === 'pause',
            `device "${principal.device!.name}"`,
          );
          if (changed) broadcastState(actor.userId, next);
          else send({ type: 'capture-state', ...next });
          return;
        }
        case 'ask': {
          if (state.asks.size >= MAX_ASKS_PER_CONNECTION) {
            send({
              type: 'error',
              code: 'too_many_asks',
              message: `at most ${MAX_ASKS_PER_CONNECTION} questions at a time: wait for an answer, then ask again`,
              fatal: false,
              id: message.id,
            });
            return;
          }
          // Answered beside the message queue: a model answer takes seconds, and media must keep flowing meanwhile.
          const stop = new AbortController();
          state.asks.add(stop);
          const answering = answer(message.id, message.question, stop.signal).finally(() => {
            state.asks.delete(stop);
            asking.delete(answering);
          });
          asking.add(answering);
          return;
        }
        case 'chat':
        case 'decide': {
          if (state.chats.size + state.decisions >= MAX_CHATS_PER_CONNECTION) {
            send({
              type: 'error',
              code: 'too_many_requests',
              message: `at most ${MAX_CHATS_PER_CONNECTION} chat messages and decisions at a time: wait for a reply, then send again`,
              fatal: false,
              id: message.id,
            });
            return;
          }
          // Beside the message queue, like `ask`: a model turn or an external tool takes seconds.
          let working: Promise<void>;
          if (message.type === 'chat') {
            const stop = new AbortController();
            state.chats.add(stop);
            working = converse(message, stop.signal).finally(() => {
              state.chats.delete(stop);
              asking.delete(working);
            });
          } else {
            state.decisions += 1;
            working = decide(message).finally(() => {
              state.decisions -= 1;
              asking.delete(working);
            });
          }
          asking.add(working);
          return;
        }
      }
    }

    /** The person on this device, as the chat sees them (`device:<id>` in the audit log and on decided actions). */
    function chatActor(): ChatActor {
      const principal = state.principal!;
      return {
        userId: principal.user.id,
        label: `device:${principal.device!.id}`,
        timezone: principal.user.timezone,
      };
    }

    /** Ends the request `id` with a non-fatal `error`: the code of a known error, or `internal` (logged). */
    function requestFailed(id: string, error: unknown, what: string): void {
      if (state.closed) return;
      const known = error instanceof FamiliarError;
      if (!known) logger.error({ err: error }, `${what} failed`);
      send({
        type: 'error',
        code: known ? error.code : 'internal',
        message: known ? error.message : `the server could not finish ${what}; it has been logged`,
        ...(known && error.details !== undefined ? { details: error.details } : {}),
        fatal: false,
        id,
      });
    }

    /** One assistant turn: `chat-delta` messages as the reply is written, then `chat-reply` with any pending actions. */
    async function converse(
      message: Extract<ClientMessage, { type: 'chat' }>,
      signal: AbortSignal,
    ): Promise<void> {
      const { id } = message;
      const history: ModelMessage[] = (message.history ?? []).map((turn) => ({
        role: turn.role,
        content: turn.content,
      }));
      try {
        const reply = await chat.chat(chatActor(), message.message, {
          history,
          signal,
          onDelta: (text) => {
            if (!state.closed && text) send({ type: 'chat-delta', id, text });
          },
        });
        if (state.closed) return;
        send({ type: 'chat-reply', id, ...reply, pendingActions: reply.pendingActions.map(presentAction) });
      } catch (error) {
        requestFailed(id, error, 'this chat message');
      }
    }

    /** The person's yes or no to a pending action: confirm runs it once with its exact stored arguments. */
    async function decide(message: Extract<ClientMessage, { type: 'decide' }>): Promise<void> {
      const { id } = message;
      try {
        const actionId = UlidSchema.safeParse(message.actionId);
        if (!actionId.success) throw new NotFoundError('action', message.actionId);
        const actor = chatActor();
        const action =
          message.decision === 'confirm'
            ? await chat.confirm(actor, actionId.data)
            : await chat.reject(actor, actionId.data);
        if (state.closed) return;
        send({ type: 'action', id, action: presentAction(action) });
      } catch (error) {
        requestFailed(id, error, 'this decision');
      }
    }

    /** Streams one answer to the device: `answer-delta` messages as the text is written, then `answer`. */
    async function answer(id: string, question: string, signal: AbortSignal): Promise<void> {
      const principal = state.principal!;
      const actor = { userId: principal.user.id, label: `device:${principal.device!.id}` };
      const linkFor = (captureId: string) => mediaLinks.urlFor(actor.userId, captureId).url;
      try {
        const events = ask.stream(
          { userId: actor.userId, label: actor.label, timezone: principal.user.timezone },
          question,
          { signal },
        );
        for await (const event of events) {
          if (state.closed) return;
          if (event.type === 'delta') send({ type: 'answer-delta', id, text: event.text });
          else if (event.type === 'done')
            send({ type: 'answer', id, ...presentAnswer(event.answer, linkFor) });
        }
      } catch (error) {
        if (state.closed) return;
        const known = error instanceof FamiliarError;
        logger.error({ err: error }, 'answering a device question failed');
        send({
          type: 'error',
          code: known ? error.code : 'internal',
          message: known ? error.message : 'the server could not answer this question; it has been logged',
          fatal: false,
          id,
        });
      }
    }

    async function onMessage(data: Buffer, isBinary: boolean): Promise<void> {
      if (state.closed) return;
      if (!isBinary) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.toString('utf8'));
        } catch {
          close('bad_message', 'text messages must be JSON');
          return;
        }
        const message = ClientMessageSchema.safeParse(parsed);
        if (!message.success) {
          close(
            'bad_message',
            'the message does not match the protocol',
            describeIssues(message.error.issues),
          );
          return;
        }
        if (!state.principal) {
          if (message.data.type !== 'hello') close('bad_message', 'the first message must be "hello"');
          else await onHello(message.data);
          return;
        }
        await onJson(message.data);
        return;
      }
      if (!state.principal) {
        close('bad_message', 'the first message must be a JSON "hello"');
        return;
      }
      const decoded = decodeMediaMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!decoded.ok) {
        close('bad_message', `malformed media message: ${decoded.reason}`);
        return;
      }
      const media = decoded.message;
      const userId = state.principal.user.id;
      const deviceId = state.principal.device!.id;
      const paused = await isPaused(userId);
      // Copy the payload out of the socket's buffer: it is kept until stored.
      const payload = new Uint8Array(media.payload);
      submit(media.streamId, media.seq, () => {
        const base = { userId, deviceId, streamId: media.streamId, seq: media.seq };
        if (paused) return { ...base, kind: 'discard' };
        if (media.mediaType === PCM16_MEDIA_TYPE) {
          return {
            ...base,
            kind: 'audio',
            pcm: payload,
            capturedAt: correct(media.deviceTime),
            deviceCapturedAt: media.deviceTime,
          };
        }
        return {
          ...base,
          kind: 'frame',
          bytes: payload,
          mediaType: media.mediaType,
          capturedAt: correct(media.deviceTime),
          deviceCapturedAt: media.deviceTime,
        };
      });
    }

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      // One message at a time, in order: a hello must be handled before what follows it.
      state.processing = state.processing
        .then(() => onMessage(data, isBinary))
        .catch((error) => {
          logger.error({ err: error }, 'device stream message failed');
          if (error instanceof FamiliarError && error.code === 'unauthorized')
            close('unauthorized', error.message);
          else close('bad_message', 'the server could not handle this message');
        });
    });
    socket.on('error', (error) => {
      logger.warn({ err: error }, 'device socket error');
    });
    socket.on('close', () => {
      state.closed = true;
      for (const stop of [...state.asks, ...state.chats]) stop.abort(new Error('the device disconnected'));
      clearTimeout(helloTimer);
      clearInterval(heartbeat);
      sockets.delete(socket);
      const principal = state.principal;
      if (principal?.device && state.device?.connection === connection) state.device.connection = null;
      if (!principal?.device) return;
      const deviceId = principal.device.id;
      // Audio of this connection becomes captures now rather than after the idle timeout.
      for (const streamId of state.audioStreams) void segmenter.flush(principal.user.id, deviceId, streamId);
      audit
        .record({
          userId: principal.user.id,
          at: clock.now(),
          actor: `device:${deviceId}`,
          action: 'stream.session',
          target: deviceId,
          details: { ...state.counts, seconds: Math.round((clock.now() - state.connectedAt) / 1000) },
        })
        .catch((error) => logger.error({ err: error }, 'could not record a stream session in the audit log'));
    });
  }

  return {
    accept,
    /** Tells every connected device of the user the current capture state. */
    broadcastState,
    /** Pushes queued notifications to connected devices now. */
    deliverNotifications,
    stats: () => ({
      sockets: sockets.size,
      devices: [...devices.values()].filter((d) => d.connection).length,
    }),
    /** Closes every socket (1001), waits for queued writes, and seals buffered audio. */
    async close(): Promise<void> {
      clearInterval(poller);
      await Promise.all(
        [...sockets].map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.resume();
              socket.close(STREAM_CLOSE_CODES.server_shutdown, 'server shutting down');
              setTimeout(() => {
                socket.terminate();
                resolve();
              }, 2_000).unref();
            }),
        ),
      );
      await Promise.allSettled([...asking]);
      await writer.idle();
      await segmenter.flushBuffered();
    },
  };
}

/** The device hub's type. */
export type DeviceHub = ReturnType<typeof createDeviceHub>;
