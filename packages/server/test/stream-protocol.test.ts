import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PCM16_MEDIA_TYPE } from '@familiar/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);
const pcm = (ms: number, value = 1000) => {
  const samples = new Int16Array((16_000 * ms) / 1000).fill(value);
  return new Uint8Array(samples.buffer);
};

/** The device stream protocol against the real server (in-process), real SQLite and real sockets on loopback. */
describe('device stream protocol', () => {
  let home: string;
  let server: RunningServer;
  let token: string;
  let otherToken: string;
  let userId: string;

  beforeEach(async () => {
    home = tempHome();
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      {
        hub: { helloTimeoutMs: 500, pollMs: 100 },
      },
    );
    const { accounts } = server.familiar;
    userId = (await accounts.addUser({ name: 'ada', timezone: 'UTC' })).id;
    await accounts.addUser({ name: 'bo', timezone: 'UTC' });
    token = (await accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    otherToken = (await accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  });
  afterEach(async () => {
    await server.close();
  });

  const blobFiles = () => {
    try {
      return readdirSync(join(home, 'blobs'), { recursive: true }).filter((f) =>
        /[0-9a-f]{64}$/.test(String(f)),
      );
    } catch {
      return [];
    }
  };

  it('welcomes a device, stores a frame and acknowledges it, and treats a resend as a duplicate', async () => {
    const { device, welcome } = await RawDevice.connect(server.url, token, Date.now() - 60_000);
    expect(welcome).toMatchObject({ protocol: 1, streams: {}, captureState: { paused: false } });
    expect(welcome.clockOffsetMs).toBeGreaterThan(59_000);
    const shotAt = Date.now() - 60_000;
    device.media('camera', 1, 'image/jpeg', JPEG, shotAt);
    const ack = await device.ack('camera', 1);
    expect(ack.id).toMatch(/^[0-9A-Z]{26}$/);
    const capture = await server.familiar.timeline.getCapture(
      { userId, deviceId: null, label: 'test' },
      ack.id!,
    );
    expect(capture).toMatchObject({
      kind: 'image',
      mediaType: 'image/jpeg',
      streamId: 'camera',
      streamSeq: 1,
      deviceCapturedAt: shotAt,
    });
    expect(Math.abs(capture.capturedAt - (shotAt + welcome.clockOffsetMs))).toBeLessThan(1000);
    device.media('camera', 1, 'image/jpeg', JPEG, shotAt);
    expect(await device.next((m) => m.type === 'ack' && m.seq === 1 && m.duplicate === true)).toBeTruthy();
    device.close();
    const again = await RawDevice.connect(server.url, token);
    expect(again.welcome.streams).toEqual({ camera: 1 });
    again.device.close();
  });

  it('turns audio chunks into one WAV capture per segment', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    const start = Date.now();
    for (let seq = 1; seq <= 10; seq += 1)
      device.media('mic', seq, PCM16_MEDIA_TYPE, pcm(100), start + (seq - 1) * 100);
    await device.ack('mic', 10);
    device.close();
    await device.closed;
    await server.close();
    const reopened = await startServer(
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
      createSilentLogger(),
    );
    server = reopened;
    const captures = await reopened.familiar.timeline.listCaptures(userId);
    expect(captures).toHaveLength(1);
    expect(captures[0]).toMatchObject({
      kind: 'audio',
      mediaType: 'audio/wav',
      size: 44 + 32_000,
      streamSeq: 1,
    });
  });

  it('refuses a gap in sequence numbers with a coded close, storing nothing of it', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    device.media('camera', 1, 'image/jpeg', JPEG);
    await device.ack('camera', 1);
    device.media('camera', 3, 'image/jpeg', JPEG);
    const error = await device.next((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'sequence_gap', fatal: true, details: { expected: 2, got: 3 } });
    expect((await device.closed).code).toBe(4409);
    expect(await server.familiar.timeline.listCaptures(userId)).toHaveLength(1);
  });

  const badOpenings: Array<[string, (d: RawDevice) => void, string, number]> = [
    ['garbage before hello', (d) => d.socket.send('not json at all'), 'bad_message', 4400],
    ['a media message before hello', (d) => d.media('camera', 1, 'image/jpeg', JPEG), 'bad_message', 4400],
    ['another message before hello', (d) => d.json({ type: 'pause' }), 'bad_message', 4400],
    [
      'a bad token',
      (d) => d.json({ type: 'hello', protocol: 1, token: 'fam_wrong', deviceTime: Date.now() }),
      'unauthorized',
      4401,
    ],
    [
      'a hello of another protocol version',
      (d) => d.json({ type: 'hello', protocol: 9, token: 'x', deviceTime: 1 }),
      'bad_message',
      4400,
    ],
  ];
  for (const [name, send, code, closeCode] of badOpenings) {
    it(`closes on ${name} with a clear code`, async () => {
      const device = await RawDevice.open(server.url);
      send(device);
      expect(await device.next((m) => m.type === 'error')).toMatchObject({ code, fatal: true });
      expect((await device.closed).code).toBe(closeCode);
    });
  }

  it('closes a socket that never says hello', async () => {
    const device = await RawDevice.open(server.url);
    expect((await device.closed).code).toBe(4408);
    expect(device.received[0]).toMatchObject({ type: 'error', code: 'hello_timeout' });
  });

  it('closes on malformed media headers, binary junk and oversized messages, while other devices keep streaming', async () => {
    const { device: other } = await RawDevice.connect(server.url, otherToken);
    const cases: Array<[(d: RawDevice) => void, number]> = [
      [
        (d) => d.socket.send(new Uint8Array([0xfa, 1, 99, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 99, 99])),
        4400,
      ],
      [(d) => d.socket.send(new Uint8Array([1, 2, 3, 4, 5])), 4400],
      [(d) => d.socket.send(new Uint8Array(6 * 1024 * 1024)), 1009],
      [(d) => d.json({ type: 'observation', stream: 'notes', seq: 1, observation: { id: 'nope' } }), 4400],
    ];
    let seq = 0;
    for (const [send, closeCode] of cases) {
      const { device } = await RawDevice.connect(server.url, token);
      send(device);
      expect((await device.closed).code).toBe(closeCode);
      seq += 1;
      other.media('camera', seq, 'image/jpeg', JPEG);
      await other.ack('camera', seq);
    }
    other.close();
  });

  it('pausing stores no blob and no observation for media sent while paused, and tells every device', async () => {
    const glasses = await RawDevice.connect(server.url, token);
    const second = await server.familiar.accounts.addDevice({ userName: 'ada', name: 'phone' });
    const phone = await RawDevice.connect(server.url, second.token);
    glasses.device.json({ type: 'pause' });
    expect(await phone.device.next((m) => m.type === 'capture-state' && m.paused === true)).toMatchObject({
      by: expect.stringContaining('device:'),
    });
    await glasses.device.next((m) => m.type === 'capture-state' && m.paused === true);
    const before = blobFiles().length;
    glasses.device.media('camera', 1, 'image/jpeg', JPEG);
    glasses.device.media('mic', 1, PCM16_MEDIA_TYPE, pcm(100));
    glasses.device.json({
      type: 'observation',
      stream: 'asr',
      seq: 1,
      observation: {
        id: '01JC0000000000000000000077',
        modality: 'utterance',
        capturedAt: new Date().toISOString(),
        text: 'overheard secret',
      },
    });
    expect(await glasses.device.ack('camera', 1)).toMatchObject({ discarded: true });
    expect(await glasses.device.ack('mic', 1)).toMatchObject({ discarded: true });
    expect(await glasses.device.ack('asr', 1)).toMatchObject({ discarded: true });
    expect(blobFiles().length).toBe(before);
    expect(await server.familiar.timeline.listCaptures(userId)).toEqual([]);
    const timeline = await server.familiar.timeline.list(
      { userId, deviceId: null, label: 'test' },
      { limit: 10 },
    );
    expect(timeline.observations.map((o) => [o.modality, o.text])).toEqual([
      ['event', 'Capture paused from device "glasses".'],
    ]);

    const overHttp = await fetch(`${server.url}/v1/observations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        observations: [
          {
            id: '01JC0000000000000000000070',
            modality: 'utterance',
            capturedAt: new Date().toISOString(),
            text: 'heard while paused',
          },
          {
            id: '01JC0000000000000000000071',
            modality: 'note',
            capturedAt: new Date().toISOString(),
            text: 'typed while paused',
          },
        ],
      }),
    });
    expect(await overHttp.json()).toEqual({
      ids: ['01JC0000000000000000000071'],
      discarded: ['01JC0000000000000000000070'],
    });
    const refusedCapture = await fetch(`${server.url}/v1/captures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      body: JPEG,
    });
    expect(refusedCapture.status).toBe(409);
    expect(blobFiles().length).toBe(before);

    glasses.device.json({ type: 'resume-capture' });
    await phone.device.next((m) => m.type === 'capture-state' && m.paused === false);
    glasses.device.media('camera', 2, 'image/jpeg', JPEG);
    expect((await glasses.device.ack('camera', 2)).id).toBeDefined();
    expect(blobFiles().length).toBe(before + 1);
    glasses.device.close();
    phone.device.close();
    await glasses.device.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sessions = await server.familiar.audit.list(userId, { action: 'stream.session' });
    expect(sessions.find((e) => e.target === glasses.welcome.deviceId)?.details).toMatchObject({
      stored: 1,
      discarded: 3,
    });
  });

  it('carries capture-state changes made with the CLI, notifications and answers to the device', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    await server.familiar.privacy.setPaused(
      { userId, deviceId: null, label: 'cli' },
      true,
      'the command line',
    );
    expect(await device.next((m) => m.type === 'capture-state')).toMatchObject({ paused: true, by: 'cli' });
    await server.familiar.notifier.notify(userId, { title: 'Call Sam', body: 'about the deadline' });
    expect(await device.next((m) => m.type === 'notification')).toMatchObject({
      title: 'Call Sam',
      body: 'about the deadline',
    });
    await server.familiar.timeline.ingest({ userId, deviceId: null, label: 'test' }, [
      {
        id: '01JC0000000000000000000088',
        modality: 'note',
        capturedAt: '2026-11-20T10:00:00Z',
        text: 'Sam moved the deadline to Friday',
      },
    ]);
    device.json({ type: 'ask', id: 'q1', question: 'when is the deadline?' });
    const answer = await device.next((m) => m.type === 'answer');
    expect(answer).toMatchObject({
      id: 'q1',
      model: null,
      citations: [{ id: '01JC0000000000000000000088' }],
    });
    device.json({ type: 'ping', id: 'p1', deviceTime: 123 });
    expect(await device.next((m) => m.type === 'pong')).toMatchObject({ id: 'p1', deviceTime: 123 });
    device.close();
  });

  it('stores observations sent on the stream with the device clock corrected and kept', async () => {
    const skew = -120_000;
    const { device } = await RawDevice.connect(server.url, token, Date.now() + skew);
    const deviceSaid = new Date(Date.now() + skew).toISOString();
    device.json({
      type: 'observation',
      stream: 'asr',
      seq: 1,
      observation: {
        id: '01JC0000000000000000000099',
        modality: 'utterance',
        capturedAt: deviceSaid,
        text: 'see you at noon',
      },
    });
    expect(await device.ack('asr', 1)).toMatchObject({ id: '01JC0000000000000000000099' });
    const stored = await server.familiar.timeline.get(
      { userId, deviceId: null, label: 'test' },
      '01JC0000000000000000000099',
    );
    expect(stored.deviceCapturedAt).toBe(Date.parse(deviceSaid));
    expect(Math.abs(stored.capturedAt - Date.now())).toBeLessThan(5_000);
    expect(stored.trust).toBe('perceived');
    device.close();
  });

  it('replaces an older connection of the same device', async () => {
    const first = await RawDevice.connect(server.url, token);
    const second = await RawDevice.connect(server.url, token);
    expect((await first.device.closed).code).toBe(4410);
    second.device.media('camera', 1, 'image/jpeg', JPEG);
    await second.device.ack('camera', 1);
    second.device.close();
  });
});
