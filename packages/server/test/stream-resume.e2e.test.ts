import { createDeviceClient, type DeliveryReceipt } from '@familiar/device-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';

const CHUNKS = 400;
const FRAMES = 40;

/** The device SDK against the real server process, killed with SIGKILL mid-stream and restarted. */
describe('device stream across a server crash (SDK, real server process)', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  it('stores every message exactly once and in order after SIGKILL, restart and resume', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
    let server = await startServerProcess(home);
    running.push(server);
    const port = new URL(server.url).port;

    const client = createDeviceClient({
      url: server.url,
      token,
      WebSocket,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    await client.connect();
    const receipts: Array<Promise<DeliveryReceipt>> = [];
    const start = Date.now() - 60_000;
    let acked = 0;
    client.on('ack', () => {
      acked += 1;
    });
    const producer = (async () => {
      for (let i = 0; i < CHUNKS; i += 1) {
        const samples = new Int16Array(1600).fill(i);
        receipts.push((await client.sendAudio('mic', samples, start + i * 100)).acked);
        if (i % 10 === 0) {
          const frame = new Uint8Array(20_000).fill(i / 10);
          frame[0] = 0xff;
          frame[1] = 0xd8;
          receipts.push((await client.sendFrame('camera', frame, 'image/jpeg', start + i * 100)).acked);
        }
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    while (acked < 120) await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGKILL');
    await server.exited;
    const ackedBeforeCrash = acked;
    await new Promise((resolve) => setTimeout(resolve, 300));
    server = await startServerProcess(home, { FAMILIAR_PORT: port });
    running.push(server);

    await producer;
    await client.flush(60_000);
    const results = await Promise.all(receipts);
    expect(results).toHaveLength(CHUNKS + FRAMES);
    expect(results.every((r) => !r.discarded && r.rejected === undefined)).toBe(true);
    const stats = client.stats();
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(ackedBeforeCrash).toBeLessThan(CHUNKS + FRAMES);
    await client.close();

    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(0);

    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    const [user] = await familiar.accounts.listUsers();
    const captures = await familiar.timeline.listCaptures(user!.id);
    const frames = captures.filter((c) => c.kind === 'image');
    expect(frames.map((c) => c.streamSeq)).toEqual(Array.from({ length: FRAMES }, (_, i) => i + 1));
    const byTime = [...frames].sort((a, b) => a.capturedAt - b.capturedAt || a.streamSeq! - b.streamSeq!);
    expect(byTime.map((c) => c.streamSeq)).toEqual(frames.map((c) => c.streamSeq));
    for (const frame of frames) {
      const bytes = await familiar.timeline.readBlob(user!.id, frame.sha256);
      expect(bytes?.[2]).toBe(frame.streamSeq! - 1);
    }
    const audio = captures.filter((c) => c.kind === 'audio').sort((a, b) => a.streamSeq! - b.streamSeq!);
    expect(audio.reduce((sum, c) => sum + c.size - 44, 0)).toBe(CHUNKS * 3200);
    // Chunk i holds samples of value i: the WAV captures, in sequence order, must hold 0, 1, 2, … with none twice.
    const values: number[] = [];
    for (const capture of audio) {
      const wav = (await familiar.timeline.readBlob(user!.id, capture.sha256))!;
      const samples = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.byteLength));
      for (let s = 0; s < samples.length; s += 1600) values.push(samples[s]!);
    }
    expect(values).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    expect(await familiar.timelineStore.pendingAudioStreams()).toEqual([]);
    await familiar.close();
  }, 120_000);
});
