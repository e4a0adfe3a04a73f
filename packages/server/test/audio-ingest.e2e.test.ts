import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeWav } from '@familiar/device-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { perceiveJob } from '../src/memory/index.ts';
import { canTranscribeLibrivox, hasLibrivox, librivoxClips } from './support/librivox.ts';
import {
  FAMILIAR_BIN,
  runCli,
  runCliJson,
  type ServerProcess,
  startServerProcess,
  tempHome,
} from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** A WAV header claiming `dataBytes` of 16 kHz mono 16-bit samples. */
function header(dataBytes: number): Uint8Array {
  const wav = encodeWav(new Int16Array(0), 16_000);
  const view = new DataView(wav.buffer);
  view.setUint32(4, 36 + dataBytes, true);
  view.setUint32(40, dataBytes, true);
  return wav;
}

function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

describe('importing recordings (real CLI, real files)', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  it('gives a clear error for files that are not audio or hold no samples, and stores nothing', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const dir = tempHome('familiar-files-');
    const notAudio = join(dir, 'notes.wav');
    writeFileSync(notAudio, 'these are words, not a recording');
    const empty = join(dir, 'empty.wav');
    writeFileSync(empty, header(0));
    const junkHeader = join(dir, 'junk.wav');
    writeFileSync(junkHeader, Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), Buffer.alloc(64, 7)]));
    for (const [file, message] of [
      [notAudio, 'is not a WAV file'],
      [empty, 'holds no audio samples'],
      [junkHeader, 'no data chunk'],
    ] as const) {
      const result = await runCli(home, ['ingest', '--no-wait', file]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(message);
    }
    const status = await runCliJson<{ users: Array<{ captures: number }> }>(home, ['status']);
    expect(status.users[0]?.captures).toBe(0);
  });

  it('reads compressed formats with ffmpeg, and names ffmpeg when it is missing', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const dir = tempHome('familiar-files-');
    const mp3 = join(dir, 'talk.mp3');
    writeFileSync(mp3, Buffer.from('ID3 pretend this is an mp3'));
    const withoutFfmpeg = await runCli(home, ['ingest', '--no-wait', mp3], { env: { PATH: '/nonexistent' } });
    expect(withoutFfmpeg.code).toBe(1);
    expect(withoutFfmpeg.stderr).toContain('needs ffmpeg, which is not installed (apt-get install ffmpeg)');
    if (!hasFfmpeg || !canTranscribeLibrivox) return;
    const wav = join(dir, 'clip.wav');
    writeFileSync(wav, encodeWav(librivoxClips()[1]!.samples, 16_000));
    const encoded = spawnSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-i',
      wav,
      '-b:a',
      '64k',
      join(dir, 'clip.mp3'),
    ]);
    expect(encoded.status).toBe(0);
    const result = await runCliJson<{
      captures: number;
      perceived: { processed: number; utterances: number };
    }>(home, ['ingest', join(dir, 'clip.mp3')]);
    expect(result).toMatchObject({ captures: 1, perceived: { processed: 1 } });
    expect(result.perceived.utterances).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it.skipIf(!hasLibrivox)(
    'reports a recording the recognizer refuses as failed instead of waiting for ever',
    async () => {
      const api = createServer((_request, response) => {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error: {
              message: 'Incorrect API key provided',
              type: 'invalid_request_error',
              code: 'invalid_api_key',
            },
          }),
        );
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      const port = (api.address() as AddressInfo).port;
      try {
        const home = tempHome();
        await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
        const file = join(tempHome('familiar-files-'), 'clip.wav');
        writeFileSync(file, encodeWav(librivoxClips()[1]!.samples, 16_000));
        const env = {
          FAMILIAR_ASR: 'openai',
          FAMILIAR_ASR_URL: `http://127.0.0.1:${port}/v1`,
          FAMILIAR_ASR_API_KEY: 'sk-test-secret',
        };
        const result = await runCli(home, ['--json', 'ingest', file], { env });
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          captures: 1,
          perceived: { processed: 0, failed: 1 },
        });
        expect(result.stderr).toContain('Incorrect API key provided');
        expect(result.stderr + result.stdout).not.toContain('sk-test-secret');
        const status = await runCliJson<{ users: Array<{ captures: number }> }>(home, ['status']);
        expect(status.users[0]?.captures).toBe(1);
      } finally {
        api.close();
      }
    },
    60_000,
  );

  it('imports a 4-hour recording in 30-minute captures with bounded memory', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const file = join(tempHome('familiar-files-'), 'four-hours.wav');
    const dataBytes = 4 * 3600 * 16_000 * 2;
    const fd = openSync(file, 'w');
    writeSync(fd, header(dataBytes));
    writeSync(fd, Buffer.alloc(1), 0, 1, 44 + dataBytes - 1); // sparse: 4 hours of silence, no disk used
    closeSync(fd);
    const child = spawn(process.execPath, [FAMILIAR_BIN, '--json', 'ingest', '--no-wait', file], {
      env: { ...process.env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    let peak = 0;
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRssMiB(child.pid!));
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearInterval(poll);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ captures: 8 });
    console.log(`4-hour WAV import: 8 captures, CLI peak RSS ${peak.toFixed(0)} MiB`);
    expect(peak).toBeLessThan(600);
  }, 120_000);

  it.skipIf(!canTranscribeLibrivox)(
    'transcribes a truncated recording as far as it goes, and a restart drains the backlog in order',
    async () => {
      const home = tempHome();
      await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
      const dir = tempHome('familiar-files-');
      const clips = librivoxClips().slice(0, 3);
      const files = clips.map((clip, i) => {
        const path = join(dir, `clip-${i}.wav`);
        const wav = encodeWav(clip.samples, 16_000);
        // The last file's header lies: it claims ten minutes of audio the file does not have.
        if (i === clips.length - 1) new DataView(wav.buffer).setUint32(40, 10 * 60 * 32_000, true);
        writeFileSync(path, wav);
        return path;
      });
      for (const [i, file] of files.entries()) {
        const at = new Date(Date.parse('2026-11-28T09:00:00Z') + i * 60_000).toISOString();
        const queued = await runCliJson<{ captures: number; perceived: null }>(home, [
          'ingest',
          '--no-wait',
          '--captured-at',
          at,
          file,
        ]);
        expect(queued).toMatchObject({ captures: 1, perceived: null });
      }
      const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
      const server = await startServerProcess(home);
      running.push(server);
      // While the backlog is being heard, another device keeps being served.
      const { device } = await RawDevice.connect(server.url, token);
      const latencies: number[] = [];
      for (let seq = 1; seq <= 10; seq += 1) {
        const sent = Date.now();
        device.media('camera', seq, 'image/jpeg', new Uint8Array([0xff, 0xd8, seq, 0xff, 0xd9]));
        await device.ack('camera', seq);
        latencies.push(Date.now() - sent);
      }
      device.close();
      expect(Math.max(...latencies)).toBeLessThan(1000);
      const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
      try {
        const [user] = await familiar.accounts.listUsers();
        const captures = (await familiar.timeline.listCaptures(user!.id))
          .filter((c) => c.kind === 'audio')
          .sort((a, b) => a.capturedAt - b.capturedAt);
        const deadline = Date.now() + 60_000;
        let jobs = [];
        do {
          await new Promise((resolve) => setTimeout(resolve, 300));
          jobs = await Promise.all(
            captures.map((c) =>
              familiar.jobs.getByDedupeKey(perceiveJob(user!.id, c.id, 'audio').dedupeKey!),
            ),
          );
        } while (jobs.some((job) => job?.status !== 'succeeded') && Date.now() < deadline);
        expect(jobs.map((job) => job?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
        const finished = jobs.map((job) => job!.updatedAt);
        expect([...finished].sort((a, b) => a - b)).toEqual(finished);
        const utterances = (
          await familiar.timelineStore.listObservations(user!.id, {
            limit: 100,
            modality: 'utterance',
            order: 'asc',
          })
        ).observations;
        expect(new Set(utterances.map((u) => u.captureId))).toEqual(new Set(captures.map((c) => c.id)));
      } finally {
        await familiar.close();
      }
    },
    120_000,
  );
});
