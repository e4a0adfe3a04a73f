import { PCM16_MEDIA_TYPE, type ServerMessage } from '@familiar/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createDeviceClient,
  type DeviceClientEvents,
  type DeviceClientOptions,
  streamUrl,
  type Welcome,
} from './device-client.ts';
import { DeviceStreamError } from './device-stream-error.ts';
import { FakeStreamServer, welcomeMessage } from './fake-stream-server.ts';

const DEVICE_NOW = 1_764_000_000_000;
const chunk = (samples = 1600) => new Int16Array(samples);
/** Wire size of an audio message on stream `audio` with `samples` samples. */
const audioBytes = (samples = 1600) => 16 + 'audio'.length + samples * 2;

const ACTION = {
  id: '01JACTION00000000000000001',
  tool: 'notes__send_message',
  arguments: { to: 'sam@example.com', text: 'late' },
  summary: 'notes__send_message to sam@example.com',
  status: 'pending' as const,
  result: null,
  requestedBy: 'chat:device:d1',
  origin: null,
  decidedBy: null,
  createdAt: '2026-11-29T10:00:00.000Z',
  decidedAt: null,
  expiresAt: '2026-11-30T10:00:00.000Z',
};

function setup(options: Partial<DeviceClientOptions> = {}) {
  const server = new FakeStreamServer();
  const client = createDeviceClient({
    url: 'http://familiar.test:8787',
    token: 'device-token',
    WebSocket: server.WebSocket,
    now: () => DEVICE_NOW,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
    ...options,
  });
  return { server, client };
}

async function connected(options: Partial<DeviceClientOptions> = {}, welcome: Partial<Welcome> = {}) {
  const { server, client } = setup(options);
  const connecting = client.connect();
  server.latest.accept().reply(welcomeMessage(welcome));
  await connecting;
  return { server, client };
}

function ack(stream: string, seq: number, extra: Partial<Extract<ServerMessage, { type: 'ack' }>> = {}) {
  return { type: 'ack', stream, seq, id: `01JCAPTURE${String(seq).padStart(16, '0')}`, ...extra } as const;
}

function record<K extends keyof DeviceClientEvents>(client: ReturnType<typeof setup>['client'], type: K) {
  const events: DeviceClientEvents[K][] = [];
  client.on(type, (event) => events.push(event));
  return events;
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('streamUrl', () => {
  it('turns a server address into the stream WebSocket URL', () => {
    expect(streamUrl('http://localhost:8787')).toBe('ws://localhost:8787/v1/stream');
    expect(streamUrl('https://familiar.example/')).toBe('wss://familiar.example/v1/stream');
    expect(streamUrl('ws://10.0.0.2:9000/proxy/v1/stream')).toBe('ws://10.0.0.2:9000/proxy/v1/stream');
    expect(() => streamUrl('ftp://x')).toThrow(/http\(s\) or ws\(s\)/);
    expect(() => streamUrl('localhost')).toThrow(/not a URL/);
  });
});

describe('createDeviceClient', () => {
  it('connects, says hello with its token, time and capabilities, and resolves with the welcome', async () => {
    const capabilities = { audio: { mediaType: PCM16_MEDIA_TYPE } } as const;
    const { server, client } = setup({ capabilities });
    const welcomes = record(client, 'welcome');
    const connecting = client.connect();
    expect(server.latest.url).toBe('ws://familiar.test:8787/v1/stream');
    server.latest.accept();
    expect(server.latest.messagesOf('hello')).toEqual([
      { type: 'hello', protocol: 1, token: 'device-token', deviceTime: DEVICE_NOW, capabilities },
    ]);
    server.latest.reply(welcomeMessage({ deviceId: 'D1' }));
    await expect(connecting).resolves.toMatchObject({ type: 'welcome', deviceId: 'D1' });
    expect(welcomes).toHaveLength(1);
    await expect(client.connect()).resolves.toMatchObject({ deviceId: 'D1' });
    expect(server.sockets).toHaveLength(1);
  });

  it('numbers messages only after a welcome, continuing after the server’s last, and encodes them', async () => {
    const { server, client } = setup();
    await client.sendAudio('audio', new Int16Array([1, -2]), 1000);
    await client.sendAudio('audio', chunk());
    await client.sendFrame('camera', new Uint8Array([0xff, 0xd8, 0xff]), 'image/jpeg', 2000);
    await client.sendObservation('notes', {
      id: '01JDCVVW2Y9YB1V4ZQ6K7Q3T0M',
      modality: 'note',
      capturedAt: '2025-11-24T10:00:00Z',
      text: 'bought milk',
    });
    expect(server.sockets).toHaveLength(0);
    expect(client.stats()).toMatchObject({ queued: 4, inFlight: 0, sent: 0 });
    const connecting = client.connect();
    server.latest.accept();
    expect(server.latest.sequenced()).toEqual([]);
    server.latest.reply(welcomeMessage({ streams: { audio: 7, other: 3 } }));
    await connecting;
    expect(server.latest.sequenced()).toEqual(['audio:8', 'audio:9', 'camera:1', 'notes:1']);
    const [, first, second, frame, observation] = server.latest.received();
    expect(first).toEqual({
      kind: 'media',
      message: {
        streamId: 'audio',
        seq: 8,
        deviceTime: 1000,
        mediaType: PCM16_MEDIA_TYPE,
        payload: new Uint8Array([1, 0, 0xfe, 0xff]),
      },
    });
    expect(second).toMatchObject({ kind: 'media', message: { deviceTime: DEVICE_NOW } });
    expect(frame).toMatchObject({ kind: 'media', message: { mediaType: 'image/jpeg', deviceTime: 2000 } });
    expect(observation).toMatchObject({
      kind: 'json',
      message: { type: 'observation', stream: 'notes', seq: 1, observation: { text: 'bought milk' } },
    });
    expect(client.stats()).toMatchObject({ queued: 0, inFlight: 4, sent: 4 });
  });

  it('resolves `acked` on the durable ack, counts duplicates and discards, and flush waits for every ack', async () => {
    const { server, client } = await connected();
    const acks = record(client, 'ack');
    const first = await client.sendAudio('audio', chunk());
    const second = await client.sendAudio('audio', chunk());
    const third = await client.sendAudio('audio', chunk());
    let flushed = false;
    const flushing = client.flush().then(() => {
      flushed = true;
    });
    server.latest.reply(ack('audio', 1));
    await expect(first.acked).resolves.toEqual({
      stream: 'audio',
      seq: 1,
      id: '01JCAPTURE0000000000000001',
      duplicate: false,
      discarded: false,
      resumed: false,
    });
    server.latest.reply({ type: 'ack', stream: 'audio', seq: 2, duplicate: true });
    server.latest.reply({ type: 'ack', stream: 'audio', seq: 2, duplicate: true });
    await settle();
    expect(flushed).toBe(false);
    server.latest.reply({ type: 'ack', stream: 'audio', seq: 3, discarded: true });
    await flushing;
    await expect(second.acked).resolves.toMatchObject({ duplicate: true });
    await expect(third.acked).resolves.toMatchObject({ discarded: true });
    expect(acks.map((a) => a.seq)).toEqual([1, 2, 3]);
    expect(client.stats()).toEqual({
      queued: 0,
      inFlight: 0,
      sent: 3,
      acked: 3,
      duplicates: 1,
      discarded: 1,
      rejected: 0,
      resent: 0,
      reconnects: 0,
      bufferedBytes: 0,
    });
  });

  it('rejects `acked` when the server refuses a message for good, and carries on with the rest', async () => {
    const { server, client } = await connected();
    const observation = {
      id: '01JDCVVW2Y9YB1V4ZQ6K7Q3T0M',
      modality: 'utterance',
      capturedAt: '2025-11-24T10:00:00Z',
      text: 'hello',
    } as const;
    const refused = await client.sendObservation('asr', observation);
    const stored = await client.sendObservation('asr', { ...observation, id: '01JDCVVW2Y9YB1V4ZQ6K7Q3T0N' });
    server.latest
      .reply({ type: 'error', code: 'id_conflict', message: 'observation id reused', fatal: false })
      .reply({ type: 'ack', stream: 'asr', seq: 1, rejected: 'id_conflict' })
      .reply(ack('asr', 2));
    await expect(refused.acked).rejects.toMatchObject({ code: 'id_conflict' });
    await expect(stored.acked).resolves.toMatchObject({ seq: 2 });
    await client.flush();
    expect(client.stats()).toMatchObject({ acked: 1, rejected: 1 });
  });

  it('never has more messages or bytes in flight than the welcome’s window', async () => {
    const { server, client } = await connected(
      {},
      { window: { maxInFlight: 2, maxInFlightBytes: audioBytes() * 3 } },
    );
    for (let i = 0; i < 5; i += 1) await client.sendAudio('audio', chunk());
    expect(server.latest.sequenced()).toEqual(['audio:1', 'audio:2']);
    expect(client.stats()).toMatchObject({ inFlight: 2, queued: 3 });
    server.latest.reply(ack('audio', 1));
    expect(server.latest.sequenced()).toEqual(['audio:1', 'audio:2', 'audio:3']);
    server.latest.reply(ack('audio', 2)).reply(ack('audio', 3));
    expect(server.latest.sequenced()).toHaveLength(5);

    const bytes = await connected({}, { window: { maxInFlight: 100, maxInFlightBytes: audioBytes() * 2 } });
    for (let i = 0; i < 4; i += 1) await bytes.client.sendAudio('audio', chunk());
    expect(bytes.server.latest.sequenced()).toEqual(['audio:1', 'audio:2']);
  });

  it('reconnects after a lost connection, takes what the server stored as acked and resends the rest first', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected();
    const disconnected = record(client, 'disconnected');
    const reconnecting = record(client, 'reconnecting');
    const acks = record(client, 'ack');
    const handles = [];
    for (let i = 0; i < 4; i += 1) handles.push(await client.sendAudio('audio', chunk()));
    server.latest.reply(ack('audio', 1));
    server.latest.drop(1006);
    expect(disconnected).toEqual([{ code: 1006, reason: '', willReconnect: true }]);
    expect(reconnecting).toEqual([{ attempt: 1, delayMs: 100 }]);
    const late = await client.sendAudio('audio', chunk());
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 4 });
    vi.advanceTimersByTime(99);
    expect(server.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(server.sockets).toHaveLength(2);
    server.latest.accept();
    expect(server.latest.messagesOf('hello')).toHaveLength(1);
    server.latest.reply(welcomeMessage({ streams: { audio: 2 } }));
    await expect(handles[1]!.acked).resolves.toMatchObject({ seq: 2, resumed: true });
    expect(acks.map((a) => [a.seq, a.resumed])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(server.latest.sequenced()).toEqual(['audio:3', 'audio:4', 'audio:5']);
    server.latest.reply(ack('audio', 3)).reply(ack('audio', 4)).reply(ack('audio', 5));
    await expect(late.acked).resolves.toMatchObject({ seq: 5 });
    await client.flush();
    expect(client.stats()).toMatchObject({ sent: 5, acked: 5, resent: 2, reconnects: 1 });
  });

  it('backs off exponentially up to the maximum while the server stays away, then resets', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected();
    const reconnecting = record(client, 'reconnecting');
    server.latest.drop(1006);
    for (let i = 0; i < 5; i += 1) {
      vi.advanceTimersByTime(reconnecting.at(-1)!.delayMs);
      server.latest.drop(1006);
    }
    expect(reconnecting.map((r) => r.delayMs)).toEqual([100, 200, 400, 800, 1000, 1000]);
    vi.advanceTimersByTime(1000);
    server.latest.accept().reply(welcomeMessage()).drop(1001);
    expect(reconnecting.at(-1)).toEqual({ attempt: 1, delayMs: 100 });
  });

  it('on a sequence gap reconnects at once and resends from the welcome’s last + 1', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected();
    const errors = record(client, 'error');
    for (let i = 0; i < 3; i += 1) await client.sendAudio('audio', chunk());
    server.latest
      .reply({ type: 'error', code: 'sequence_gap', message: 'expected seq 1, got 2', fatal: true })
      .drop(4409);
    expect(errors).toMatchObject([{ code: 'sequence_gap' }]);
    vi.advanceTimersByTime(0);
    server.latest.accept().reply(welcomeMessage({ streams: { audio: 1 } }));
    expect(server.latest.sequenced()).toEqual(['audio:2', 'audio:3']);
  });

  it('stops and surfaces the error when the server refuses the token', async () => {
    vi.useFakeTimers();
    const { server, client } = setup();
    const handle = await client.sendAudio('audio', chunk());
    const connecting = client.connect();
    server.latest
      .accept()
      .reply({ type: 'error', code: 'unauthorized', message: 'this device token was revoked', fatal: true })
      .drop(4401);
    const error = await connecting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceStreamError);
    expect(error).toMatchObject({ code: 'unauthorized', fatal: true, closeCode: 4401 });
    expect((error as Error).message).toContain('revoked');
    await expect(handle.acked).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(client.flush()).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(client.sendAudio('audio', chunk())).rejects.toMatchObject({ code: 'unauthorized' });
    vi.advanceTimersByTime(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('stops when another connection of the same device replaces it', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected();
    const errors = record(client, 'error');
    const handle = await client.sendAudio('audio', chunk());
    server.latest.drop(4410);
    expect(errors).toMatchObject([{ code: 'replaced', fatal: true }]);
    await expect(handle.acked).rejects.toMatchObject({ code: 'replaced' });
    vi.advanceTimersByTime(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('reconnects after a server shutdown (1001) and a hello timeout (4408)', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected();
    const handle = await client.sendAudio('audio', chunk());
    server.latest.drop(1001, 'server shutting down');
    vi.advanceTimersByTime(100);
    server.latest.drop(4408);
    vi.advanceTimersByTime(200);
    server.latest.accept().reply(welcomeMessage()).reply(ack('audio', 1));
    await expect(handle.acked).resolves.toMatchObject({ seq: 1 });
    expect(server.sockets).toHaveLength(3);
  });

  it('fails the first connect when the server cannot be reached or never welcomes, without retrying', async () => {
    vi.useFakeTimers();
    const { server, client } = setup({ welcomeTimeoutMs: 1000 });
    const first = client.connect();
    server.latest.drop(1006);
    await expect(first).rejects.toMatchObject({ code: 'connect_failed' });
    vi.advanceTimersByTime(60_000);
    expect(server.sockets).toHaveLength(1);
    const second = client.connect();
    server.latest.accept();
    vi.advanceTimersByTime(1000);
    await expect(second).rejects.toThrow(/no welcome within 1000 ms/);
    expect(server.sockets[1]!.closedByClient).not.toBeNull();
  });

  it('honours slow-down: pauses for retryAfterMs, then keeps to the suggested rate for a while', async () => {
    vi.useFakeTimers();
    const { server, client } = await connected({ slowDownHoldMs: 5000 });
    const slowDowns = record(client, 'slow-down');
    server.latest.reply({
      type: 'slow-down',
      suggestedMessagesPerSecond: 10,
      retryAfterMs: 500,
      reason: 'storage is behind',
    });
    expect(slowDowns).toHaveLength(1);
    for (let i = 0; i < 4; i += 1) await client.sendAudio('audio', chunk());
    expect(server.latest.sequenced()).toHaveLength(0);
    vi.advanceTimersByTime(499);
    expect(server.latest.sequenced()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(server.latest.sequenced()).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(server.latest.sequenced()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(server.latest.sequenced()).toHaveLength(2);
    vi.advanceTimersByTime(200);
    expect(server.latest.sequenced()).toHaveLength(4);
    vi.advanceTimersByTime(5000);
    for (let i = 0; i < 3; i += 1) await client.sendAudio('audio', chunk());
    expect(server.latest.sequenced()).toHaveLength(7);
  });

  it('slows a producer that outruns the server instead of buffering without limit', async () => {
    const { server, client } = await connected({ maxBufferedBytes: audioBytes() * 2 });
    await client.sendAudio('audio', chunk());
    await client.sendAudio('audio', chunk());
    let queued = false;
    const third = client.sendAudio('audio', chunk()).then((handle) => {
      queued = true;
      return handle;
    });
    await settle();
    expect(queued).toBe(false);
    expect(client.stats().bufferedBytes).toBe(audioBytes() * 2);
    server.latest.reply(ack('audio', 1));
    await third;
    expect(queued).toBe(true);
    expect(server.latest.sequenced()).toEqual(['audio:1', 'audio:2', 'audio:3']);
  });

  it('rejects flush with a clear error when acks do not come in time', async () => {
    vi.useFakeTimers();
    const { client } = await connected();
    await client.sendAudio('audio', chunk());
    const flushing = client.flush(2000);
    vi.advanceTimersByTime(2000);
    await expect(flushing).rejects.toThrow('1 message was not acknowledged within 2000 ms (1 in flight');
  });

  it('answers pings, passes notifications and capture state on, and sends pause, resume and ask', async () => {
    const { server, client } = await connected();
    const states = record(client, 'capture-state');
    const notifications = record(client, 'notification');
    server.latest.reply({ type: 'ping', id: 'p1', serverTime: 5 });
    expect(server.latest.messagesOf('pong')).toEqual([{ type: 'pong', id: 'p1', deviceTime: DEVICE_NOW }]);
    await client.pause();
    await client.resumeCapture();
    expect(server.latest.received().map((m) => m.kind === 'json' && m.message.type)).toEqual([
      'hello',
      'pong',
      'pause',
      'resume-capture',
    ]);
    server.latest.reply({ type: 'capture-state', paused: true, since: '2025-11-24T10:00:00Z', by: 'cli' });
    expect(states).toEqual([{ paused: true, since: '2025-11-24T10:00:00Z', by: 'cli' }]);
    server.latest.reply({
      type: 'notification',
      id: 'n1',
      title: 'Hi',
      body: 'there',
      at: '2025-11-24T10:00:00Z',
    });
    expect(notifications).toMatchObject([{ id: 'n1', title: 'Hi' }]);
    const answering = client.ask('  where are my keys? ');
    const [asked] = server.latest.messagesOf('ask');
    expect(asked).toMatchObject({ question: 'where are my keys?' });
    server.latest.reply({
      type: 'answer',
      id: asked!.id,
      answer: 'On the desk.',
      citations: [],
      model: null,
      episodes: [],
      time: null,
    });
    await expect(answering).resolves.toEqual({
      answer: 'On the desk.',
      citations: [],
      model: null,
      episodes: [],
      time: null,
    });
  });

  it('passes answer-delta pieces to onDelta, and rejects an ask the server ends with an error', async () => {
    const { server, client } = await connected();
    const pieces: string[] = [];
    const answering = client.ask('when is the deadline?', { onDelta: (text) => pieces.push(text) });
    const [asked] = server.latest.messagesOf('ask');
    server.latest.reply({ type: 'answer-delta', id: asked!.id, text: 'Friday ' });
    server.latest.reply({ type: 'answer-delta', id: 'someone-else', text: 'ignored' });
    server.latest.reply({ type: 'answer-delta', id: asked!.id, text: '[1].' });
    server.latest.reply({
      type: 'answer',
      id: asked!.id,
      answer: 'Friday [1].',
      citations: [],
      model: 'local:m',
      episodes: [],
      time: null,
    });
    await expect(answering).resolves.toMatchObject({ answer: 'Friday [1].', model: 'local:m' });
    expect(pieces).toEqual(['Friday ', '[1].']);

    const errors = record(client, 'error');
    const failing = client.ask('and then?');
    const [, second] = server.latest.messagesOf('ask');
    server.latest.reply({
      type: 'error',
      id: second!.id,
      code: 'too_many_asks',
      message: 'at most 4 questions at a time',
      fatal: false,
    });
    await expect(failing).rejects.toMatchObject({ code: 'too_many_asks' });
    expect(errors).toEqual([]);
  });

  it('sends chat with its history, streams chat-delta to onDelta and resolves with the chat-reply', async () => {
    const { server, client } = await connected();
    const pieces: string[] = [];
    const chatting = client.chat('  message Sam that I am late ', {
      history: [{ role: 'user', content: 'hi' }],
      onDelta: (text) => pieces.push(text),
    });
    const [sent] = server.latest.messagesOf('chat');
    expect(sent).toMatchObject({
      message: 'message Sam that I am late',
      history: [{ role: 'user', content: 'hi' }],
    });
    // Pieces of an ask's answer, and a reply of the wrong kind, do not reach a chat.
    server.latest.reply({ type: 'answer-delta', id: sent!.id, text: 'ignored' });
    server.latest.reply({ type: 'chat-delta', id: sent!.id, text: 'Drafted; ' });
    server.latest.reply({ type: 'chat-delta', id: sent!.id, text: 'confirm?' });
    server.latest.reply({
      type: 'answer',
      id: sent!.id,
      answer: 'wrong kind',
      citations: [],
      model: null,
      episodes: [],
      time: null,
    });
    server.latest.reply({
      type: 'chat-reply',
      id: sent!.id,
      reply: 'Drafted; confirm?',
      model: 'local:m',
      rule: null,
      toolCalls: [{ name: 'notes__send_message', tier: 'external', status: 'awaiting_confirmation' }],
      pendingActions: [ACTION],
    });
    await expect(chatting).resolves.toEqual({
      reply: 'Drafted; confirm?',
      model: 'local:m',
      rule: null,
      toolCalls: [{ name: 'notes__send_message', tier: 'external', status: 'awaiting_confirmation' }],
      pendingActions: [ACTION],
    });
    expect(pieces).toEqual(['Drafted; ', 'confirm?']);
  });

  it('sends decide and resolves with the action, or rejects with the server error code and details', async () => {
    const { server, client } = await connected();
    const confirming = client.decide(ACTION.id, 'confirm');
    const [first] = server.latest.messagesOf('decide');
    expect(first).toMatchObject({ actionId: ACTION.id, decision: 'confirm' });
    const done = { ...ACTION, status: 'done' as const, result: { sent: true }, decidedBy: 'device:d1' };
    server.latest.reply({ type: 'action', id: first!.id, action: done });
    await expect(confirming).resolves.toEqual(done);

    const again = client.decide(ACTION.id, 'reject');
    const [, second] = server.latest.messagesOf('decide');
    server.latest.reply({
      type: 'error',
      id: second!.id,
      code: 'conflict',
      message: 'this action was already decided: it is done',
      details: { id: ACTION.id, status: 'done' },
      fatal: false,
    });
    await expect(again).rejects.toMatchObject({ code: 'conflict', details: { status: 'done' } });
  });

  it('refuses invalid chat and decide input, queues them until connected, and rejects them on a lost connection', async () => {
    const { server, client } = setup({ reconnect: false });
    await expect(client.chat('   ')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      client.chat('hi', { history: Array(51).fill({ role: 'user', content: 'x' }) }),
    ).rejects.toThrow(/history/);
    await expect(client.decide('', 'confirm')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(client.decide(ACTION.id, 'maybe' as 'confirm')).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const deciding = client.decide(ACTION.id, 'confirm');
    const connecting = client.connect();
    server.latest.accept().reply(welcomeMessage());
    await connecting;
    expect(server.latest.messagesOf('decide')).toHaveLength(1);
    server.latest.drop(1006);
    await expect(deciding).rejects.toMatchObject({ code: 'disconnected' });
    await expect(deciding).rejects.toThrow(/check the action before deciding again/);
  });

  it('times out a chat that gets no reply', async () => {
    vi.useFakeTimers();
    const { client } = await connected();
    const chatting = client.chat('hello', { timeoutMs: 1000 });
    vi.advanceTimersByTime(1000);
    await expect(chatting).rejects.toThrow('no reply within 1000 ms');
  });

  it('reports a malformed server message as an error event and carries on', async () => {
    const { server, client } = await connected();
    const errors = record(client, 'error');
    server.latest.replyRaw('not json').replyRaw('{"type":"ack"}');
    expect(errors.map((e) => e.code)).toEqual(['bad_server_message', 'bad_server_message']);
    const handle = await client.sendAudio('audio', chunk());
    server.latest.reply(ack('audio', 1));
    await expect(handle.acked).resolves.toMatchObject({ seq: 1 });
  });

  it('refuses messages it could never deliver, with clear errors', async () => {
    const { client } = await connected({}, { maxMessageBytes: 1000 });
    await expect(client.sendAudio('bad stream!', chunk(10))).rejects.toThrow(/not a stream id/);
    await expect(client.sendAudio('audio', new Uint8Array(3))).rejects.toThrow(/16-bit samples/);
    await expect(client.sendFrame('camera', new Uint8Array(2000), 'image/png')).rejects.toMatchObject({
      code: 'message_too_large',
    });
    await expect(
      client.sendObservation('notes', {
        id: 'nope',
        modality: 'note',
        capturedAt: 'yesterday',
        text: '',
      }),
    ).rejects.toThrow(/invalid observation: id: .*capturedAt/);
    expect(client.stats().queued).toBe(0);
  });

  it('close rejects what was not acknowledged and closes the socket', async () => {
    const { server, client } = await connected();
    const handle = await client.sendAudio('audio', chunk());
    await client.close();
    await expect(handle.acked).rejects.toMatchObject({ code: 'closed' });
    expect(server.latest.closedByClient).toMatchObject({ code: 1000 });
    await expect(client.sendAudio('audio', chunk())).rejects.toMatchObject({ code: 'closed' });
  });
});
