import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@familiar/device-sdk';
import { decodeMediaMessage, type MediaMessage, STREAM_PROTOCOL_VERSION } from '@familiar/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FamiliarError } from '../kernel/index.ts';
import { type SimulateRequest, simulateDevice } from './simulate-command.ts';

const TOKEN = 'good-token';
const directory = mkdtempSync(join(tmpdir(), 'familiar-simulate-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A stand-in stream server over real sockets: checks sequences, stores in memory, acks what it stored. */
async function startStreamServer(options: { dropOnce?: number; silent?: boolean } = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const stored = new Map<string, number>();
  const received: MediaMessage[] = [];
  let connections = 0;
  let dropAt = options.dropOnce;
  server.on('connection', (socket) => {
    connections += 1;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const message = JSON.parse(data.toString()) as { type: string; token?: string };
        if (message.type !== 'hello') return;
        if (message.token !== TOKEN) {
          socket.send(
            JSON.stringify({ type: 'error', code: 'unauthorized', message: 'unknown token', fatal: true }),
          );
          socket.close(4401, 'unauthorized');
          return;
        }
        socket.send(
          JSON.stringify({
            type: 'welcome',
            protocol: STREAM_PROTOCOL_VERSION,
            deviceId: 'D1',
            userId: 'U1',
            serverTime: Date.now(),
            clockOffsetMs: 0,
            captureState: { paused: false, since: null, by: null },
            streams: Object.fromEntries(stored),
            window: { maxInFlight: 4, maxInFlightBytes: 1024 * 1024 },
            maxMessageBytes: 4 * 1024 * 1024,
          }),
        );
        return;
      }
      const decoded = decodeMediaMessage(new Uint8Array(data));
      if (!decoded.ok) throw new Error(decoded.reason);
      const { streamId, seq } = decoded.message;
      const last = stored.get(streamId) ?? 0;
      if (seq <= last) {
        socket.send(JSON.stringify({ type: 'ack', stream: streamId, seq, duplicate: true }));
        return;
      }
      if (seq > last + 1) {
        socket.close(4409, 'sequence_gap');
        return;
      }
      stored.set(streamId, seq);
      received.push(decoded.message);
      if (received.length === dropAt) {
        dropAt = undefined;
        socket.terminate();
        return;
      }
      if (!options.silent) socket.send(JSON.stringify({ type: 'ack', stream: streamId, seq, id: `C${seq}` }));
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    close: () => {
      for (const client of server.clients) client.terminate();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(options: Parameters<typeof startStreamServer>[0] = {}) {
  const server = await startStreamServer(options);
  servers.push(server);
  return server;
}

function wavFile(name: string, seconds: number): string {
  const samples = new Int16Array(Math.round(44_100 * seconds));
  for (let i = 0; i < samples.length; i += 1) samples[i] = Math.round(Math.sin(i / 10) * 8000);
  const path = join(directory, name);
  writeFileSync(path, encodeWav(samples, 44_100));
  return path;
}

function imageFile(name: string): string {
  const path = join(directory, name);
  writeFileSync(path, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  return path;
}

const logs: string[] = [];
const deps = { WebSocket, log: (line: string) => logs.push(line) };

function request(server: { url: string }, files: string[], overrides: Partial<SimulateRequest> = {}) {
  return {
    server: server.url,
    token: TOKEN,
    files,
    fast: true,
    streamPrefix: '',
    fps: 1,
    ackTimeoutMs: 10_000,
    ...overrides,
  };
}

describe('simulateDevice', () => {
  it('streams a WAV in 100 ms chunks and images as frames, and returns once all are acknowledged', async () => {
    const server = await serve();
    const summary = await simulateDevice(
      request(server, [wavFile('a.wav', 0.5), imageFile('one.png'), imageFile('two.png')], {
        streamPrefix: 'sim-',
      }),
      deps,
    );
    expect(summary).toMatchObject({
      sent: 7,
      acked: 7,
      duplicates: 0,
      resent: 0,
      reconnects: 0,
      audioChunks: 5,
      frames: 2,
    });
    const audio = server.received.filter((m) => m.streamId === 'sim-audio');
    expect(audio.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(audio.map((m) => m.deviceTime - audio[0]!.deviceTime)).toEqual([0, 100, 200, 300, 400]);
    expect(audio.every((m) => m.payload.byteLength === 3200)).toBe(true);
    const camera = server.received.filter((m) => m.streamId === 'sim-camera');
    expect(camera.map((m) => [m.seq, m.mediaType])).toEqual([
      [1, 'image/png'],
      [2, 'image/png'],
    ]);
    expect(camera[1]!.deviceTime - camera[0]!.deviceTime).toBe(1000);
    expect(audio.at(-1)!.deviceTime).toBeLessThanOrEqual(Date.now());
  });

  it('paces audio in real time unless --fast', async () => {
    const server = await serve();
    const started = Date.now();
    await simulateDevice(request(server, [wavFile('b.wav', 0.4)], { fast: false }), deps);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.received[0]!.deviceTime).toBeGreaterThanOrEqual(started);
  });

  it('reconnects after a dropped connection and resends what was not acknowledged', async () => {
    const server = await serve({ dropOnce: 3 });
    const summary = await simulateDevice(request(server, [wavFile('c.wav', 1)]), deps);
    expect(server.connections()).toBe(2);
    expect(server.received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(summary).toMatchObject({ sent: 10, acked: 10, reconnects: 1 });
    expect(summary.resent).toBeGreaterThanOrEqual(1);
  });

  it('fails clearly on a refused token', async () => {
    const server = await serve();
    const error = await simulateDevice(
      { ...request(server, [imageFile('x.png')]), token: 'wrong' },
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FamiliarError);
    expect(error).toMatchObject({ code: 'unauthorized' });
    expect((error as Error).message).toMatch(/refused the device token.*familiar device/);
  });

  it('fails before connecting on files it cannot use', async () => {
    const server = await serve();
    const bad = join(directory, 'bad.wav');
    writeFileSync(bad, 'not audio');
    await expect(simulateDevice(request(server, [join(directory, 'missing.wav')]), deps)).rejects.toThrow(
      /cannot read .*missing\.wav/,
    );
    await expect(simulateDevice(request(server, [bad]), deps)).rejects.toThrow(/not a WAV file.*sox/);
    const text = join(directory, 'notes.txt');
    writeFileSync(text, 'hi');
    await expect(simulateDevice(request(server, [text]), deps)).rejects.toThrow(/cannot simulate \.txt/);
    await expect(
      simulateDevice(request(server, [imageFile('y.png')], { streamPrefix: 'bad prefix ' }), deps),
    ).rejects.toThrow(/stream-prefix/);
    expect(server.connections()).toBe(0);
  });

  it('takes frames from a video with ffmpeg, or says to install it', async () => {
    const server = await serve();
    const video = join(directory, 'clip.mp4');
    writeFileSync(video, 'not really a video');
    await expect(
      simulateDevice(request(server, [video]), {
        ...deps,
        runFfmpeg: () => Promise.reject(Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' })),
      }),
    ).rejects.toThrow(/ffmpeg is needed .* install it/);
    let args: readonly string[] = [];
    const summary = await simulateDevice(request(server, [video], { fps: 2 }), {
      ...deps,
      runFfmpeg: async (given) => {
        args = given;
        const pattern = given.at(-1)!;
        for (const n of [1, 2, 3]) writeFileSync(pattern.replace('%06d', String(n).padStart(6, '0')), 'jpeg');
        return { code: 0, stderr: '' };
      },
    });
    expect(args).toEqual(expect.arrayContaining(['-i', video, '-vf', 'fps=2']));
    expect(summary).toMatchObject({ frames: 3, acked: 3 });
    const camera = server.received.filter((m) => m.streamId === 'camera');
    expect(camera.map((m) => m.deviceTime - camera[0]!.deviceTime)).toEqual([0, 500, 1000]);
  });

  it('gives up with a clear error when the server stops acknowledging', async () => {
    const server = await serve({ silent: true });
    await expect(
      simulateDevice(request(server, [imageFile('z.png')], { ackTimeoutMs: 1000 }), deps),
    ).rejects.toThrow(/no acknowledgement from .* for 1 s with 1 messages waiting/);
  });
});
