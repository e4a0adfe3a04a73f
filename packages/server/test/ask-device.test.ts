import { createDeviceClient } from '@familiar/device-sdk';
import type { ServerMessage } from '@familiar/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';
import {
  openAiChatStream,
  type ReplayServer,
  startReplayServer,
  writeReplayModelConfig,
} from './support/replay-server.ts';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);
const PIECES = ['Sam moved ', 'the deadline ', 'to Friday [1].'];

/** Asking over the device stream with a model configured (the replay server plays an OpenAI-compatible one). */
describe('device stream: streamed answers', () => {
  let replay: ReplayServer;
  let server: RunningServer;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(async () => {
    await replay.close();
  });
  beforeEach(async () => {
    vi.stubEnv('TEST_LLM_KEY', 'device-test-key');
    // Slow enough that the answer is still being written when the device sends a frame.
    replay.script('POST', '/v1/chat/completions', [openAiChatStream(PIECES, { eventDelayMs: 150 })]);
    const home = tempHome();
    writeReplayModelConfig(home, replay.url);
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: home, FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      {
        hub: { pollMs: 100 },
      },
    );
    userId = (await server.familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' })).id;
    token = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    await server.familiar.timeline.ingest({ userId, deviceId: null, label: 'test' }, [
      {
        id: '01JC0000000000000000000088',
        modality: 'note',
        capturedAt: '2026-11-20T10:00:00Z',
        text: 'Sam moved the deadline to Friday',
      },
    ]);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  it('sends answer-delta messages before the answer, and keeps acknowledging media while it answers', async () => {
    const { device } = await RawDevice.connect(server.url, token);
    device.json({ type: 'ask', id: 'q1', question: 'when is the deadline?' });
    await device.next((m) => m.type === 'answer-delta');
    device.media('camera', 1, 'image/jpeg', JPEG);
    await device.ack('camera', 1);
    const answer = await device.next((m) => m.type === 'answer');
    const ofAsk = device.received.filter(
      (m): m is Extract<ServerMessage, { type: 'answer-delta' | 'answer' }> =>
        (m.type === 'answer-delta' || m.type === 'answer') && m.id === 'q1',
    );
    expect(ofAsk.map((m) => m.type)).toEqual(['answer-delta', 'answer-delta', 'answer-delta', 'answer']);
    expect(ofAsk.flatMap((m) => (m.type === 'answer-delta' ? [m.text] : []))).toEqual(PIECES);
    // The frame was acknowledged while the answer was still being written.
    const ackIndex = device.received.findIndex((m) => m.type === 'ack');
    expect(ackIndex).toBeLessThan(device.received.indexOf(answer));
    expect(answer).toMatchObject({
      id: 'q1',
      answer: PIECES.join(''),
      model: 'local:replayed-model',
      citations: [{ id: '01JC0000000000000000000088', ref: 1 }],
    });
    device.close();
  });

  it('gives the device SDK each piece through onDelta and resolves with the whole answer', async () => {
    const client = createDeviceClient({ url: server.url, token, WebSocket, reconnect: false });
    await client.connect();
    const pieces: string[] = [];
    const answer = await client.ask('when is the deadline?', { onDelta: (text) => pieces.push(text) });
    expect(pieces).toEqual(PIECES);
    expect(answer).toMatchObject({ answer: PIECES.join(''), model: 'local:replayed-model' });
    await client.close();
  });
});
