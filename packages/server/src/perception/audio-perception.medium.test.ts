import { encodeWav } from '@familiar/device-sdk';
import { describe, expect, it } from 'vitest';
import { clipsWithSilence, hasLibrivox, librivoxClips } from '../../test/support/librivox.ts';
import { createInMemoryBlobStore } from '../blobs/index.ts';
import { createSilentLogger } from '../kernel/index.ts';
import { createInMemoryTimelineStore } from '../memory/index.ts';
import { createSileroVad } from './audio/silero-vad.ts';
import { createAudioPerception } from './audio-perception.ts';
import type { Transcriber } from './ports.ts';

// CI installs Debian's pocketsphinx-testdata; elsewhere these medium tests are skipped with this reason.
describe.skipIf(!hasLibrivox)(
  'audio perception with the real Silero VAD (LibriVox clips, pocketsphinx-testdata)',
  () => {
    it('never sends silence to speech recognition', async () => {
      const { samples, spoken } = clipsWithSilence(librivoxClips(), 3000);
      const calls: Array<{ length: number; peak: number }> = [];
      const transcriber: Transcriber = {
        engine: 'recording-fake',
        model: 'none',
        lowAccuracy: false,
        async transcribe(segment) {
          calls.push({
            length: segment.length,
            peak: segment.reduce((max, s) => Math.max(max, Math.abs(s)), 0),
          });
          return [{ text: 'words', startMs: 0, endMs: segment.length / 16 }];
        },
      };
      const store = createInMemoryTimelineStore();
      const blobs = createInMemoryBlobStore();
      const wav = encodeWav(samples, 16_000);
      const { sha256, size } = await blobs.put('u1', wav);
      await store.insertCapture('u1', {
        id: '01JC00000000000000000LIBRI',
        deviceId: null,
        kind: 'audio',
        mediaType: 'audio/wav',
        sha256,
        size,
        capturedAt: 0,
        receivedAt: 0,
      });
      const perception = createAudioPerception({
        store,
        blobs,
        vad: createSileroVad(),
        transcriber,
        clock: { now: () => 0 },
        logger: createSilentLogger(),
      });
      const result = await perception.perceive('u1', '01JC00000000000000000LIBRI');
      if ('skipped' in result) throw new Error(result.skipped);
      const speechMs = spoken.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
      expect(calls.length).toBeGreaterThanOrEqual(spoken.length);
      expect(calls.every((call) => call.peak > 0)).toBe(true);
      // What reached speech recognition is the speech (with the VAD's padding), far from the whole recording.
      expect(result.speechMs).toBeLessThan(speechMs * 1.3);
      expect(result.speechMs).toBeGreaterThan(speechMs * 0.8);
      const page = await store.listObservations('u1', { limit: 100, order: 'asc' });
      for (const utterance of page.observations) {
        const span = utterance.details!.span!;
        const inside = spoken.some((s) => span.startMs >= s.startMs - 400 && span.endMs <= s.endMs + 400);
        expect(inside, `utterance at ${span.startMs}-${span.endMs} ms lies in silence`).toBe(true);
      }
    });
  },
);
