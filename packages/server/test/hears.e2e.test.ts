import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeviceClient, encodeWav } from '@familiar/device-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import type { StoredObservation } from '../src/memory/index.ts';
import { wordErrorRate } from '../src/perception/audio/word-error-rate.ts';
import { canTranscribeLibrivox, clipsWithSilence, librivoxClips } from './support/librivox.ts';
import { runCli, runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';

const START = Date.parse('2026-11-28T09:00:00Z');

async function utterancesOf(home: string): Promise<StoredObservation[]> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    const [user] = await familiar.accounts.listUsers();
    const page = await familiar.timelineStore.listObservations(user!.id, {
      limit: 1000,
      modality: 'utterance',
      order: 'asc',
    });
    return page.observations;
  } finally {
    await familiar.close();
  }
}

async function pendingAudio(home: string): Promise<number> {
  const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
  try {
    const [user] = await familiar.accounts.listUsers();
    const captures = await familiar.timeline.listCaptures(user!.id);
    return (
      captures.filter((c) => c.kind === 'audio' && c.status === 'pending').length +
      (captures.length === 0 ? 1 : 0)
    );
  } finally {
    await familiar.close();
  }
}

// Needs Debian's pocketsphinx, pocketsphinx-en-us and pocketsphinx-testdata, which .ci/run installs.
describe.skipIf(!canTranscribeLibrivox)(
  'hears what you hear (real server, device SDK, Silero VAD, pocketsphinx)',
  () => {
    const running: ServerProcess[] = [];
    afterEach(() => {
      for (const server of running.splice(0)) server.child.kill('SIGKILL');
    });

    it('turns streamed speech into timed utterances, none for the silence, and ingest of the same audio agrees', async () => {
      const clips = librivoxClips().slice(0, 3);
      const { samples, spoken } = clipsWithSilence(clips, 2000);
      expect(samples.length / 16).toBeLessThan(30_000);

      const home = tempHome();
      await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
      const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
      const server = await startServerProcess(home);
      running.push(server);
      const client = createDeviceClient({ url: server.url, token, WebSocket, now: () => Date.now() });
      const welcome = await client.connect();
      const skew = welcome.serverTime - Date.now();
      for (let start = 0, i = 0; start < samples.length; start += 1600, i += 1) {
        await client.sendAudio('mic', samples.subarray(start, start + 1600), START - skew + i * 100);
      }
      await client.flush(30_000);
      await client.close();
      const deadline = Date.now() + 90_000;
      while ((await pendingAudio(home)) > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 500));
      server.child.kill('SIGINT');
      await server.exited;

      const heard = await utterancesOf(home);
      expect(heard.length).toBeGreaterThanOrEqual(clips.length);
      for (const utterance of heard) {
        const offset = utterance.capturedAt - START;
        const inside = spoken.some((s) => offset >= s.startMs - 500 && offset <= s.endMs + 500);
        expect(
          inside,
          `utterance at +${offset} ms ("${utterance.text}") is not inside a spoken interval`,
        ).toBe(true);
        expect(utterance).toMatchObject({ trust: 'perceived', provenance: { engine: 'pocketsphinx' } });
        expect(utterance.details?.speaker).toEqual({ label: 'unknown', personId: null });
      }
      const reference = clips.map((clip) => clip.reference).join(' ');
      const hypothesis = heard.map((u) => u.text).join(' ');
      const wer = wordErrorRate(reference, hypothesis);
      console.log(`streamed LibriVox clips: ${heard.length} utterances, WER ${(wer * 100).toFixed(1)} %`);
      expect(wer).toBeLessThanOrEqual(0.45);

      // The same audio as a WAV file, with no server running.
      const file = join(tempHome('familiar-files-'), 'recording.wav');
      writeFileSync(file, encodeWav(samples, 16_000));
      const other = tempHome();
      await runCliJson(other, ['user', 'add', 'ada', '--timezone', 'UTC']);
      const ingested = await runCli(other, [
        '--json',
        'ingest',
        file,
        '--captured-at',
        new Date(START).toISOString(),
      ]);
      expect(ingested.code, ingested.stderr).toBe(0);
      expect(JSON.parse(ingested.stdout)).toMatchObject({
        captures: 1,
        perceived: { processed: 1, failed: 0 },
      });
      const fromFile = await utterancesOf(other);
      // The same words from the same audio; times agree up to the stream's clock-offset estimate.
      expect(fromFile.map((u) => u.text)).toEqual(heard.map((u) => u.text));
      for (const [i, u] of fromFile.entries())
        expect(Math.abs(u.capturedAt - heard[i]!.capturedAt)).toBeLessThan(100);
    }, 180_000);
  },
);
