import { encodeWav } from '@familiar/device-sdk';
import { describe, expect, it } from 'vitest';
import { createInMemoryBlobStore } from '../blobs/index.ts';
import { createSilentLogger } from '../kernel/index.ts';
import { createInMemoryTimelineStore } from '../memory/index.ts';
import { createAudioPerception } from './audio-perception.ts';
import type { SpeechSegment, Transcriber, VadSession, VoiceActivityDetector } from './ports.ts';

const RATE = 16_000;

/** A VAD fake that calls "speech" every sample whose absolute value is over 1000, in runs. */
function thresholdVad(): VoiceActivityDetector & { fed: number } {
  const detector = {
    name: 'threshold-fake',
    fed: 0,
    createSession(): VadSession {
      let position = 0;
      let open: number[] | null = null;
      let openStart = 0;
      const done: SpeechSegment[] = [];
      const close = (end: number) => {
        if (!open) return;
        done.push({
          startMs: (openStart / RATE) * 1000,
          endMs: (end / RATE) * 1000,
          samples: Int16Array.from(open),
        });
        open = null;
      };
      return {
        accept(samples) {
          detector.fed += samples.length;
          for (const sample of samples) {
            if (Math.abs(sample) > 1000) {
              if (!open) {
                open = [];
                openStart = position;
              }
              open.push(sample);
            } else close(position);
            position += 1;
          }
          return done.splice(0);
        },
        finish() {
          close(position);
          return done.splice(0);
        },
      };
    },
  };
  return detector;
}

/** A transcriber fake that records what it was given and "hears" the loudness level as a word. */
function recordingTranscriber(): Transcriber & { calls: Int16Array[] } {
  const calls: Int16Array[] = [];
  return {
    engine: 'fake-asr',
    model: 'levels',
    lowAccuracy: false,
    calls,
    async transcribe(samples) {
      calls.push(samples);
      const level = samples[0]!;
      const ms = (samples.length / RATE) * 1000;
      return [
        {
          text: `level ${level}`,
          startMs: 0,
          endMs: ms,
          words: [{ word: `level-${level}`, startMs: 10, endMs: ms - 10 }],
        },
      ];
    },
  };
}

/** 1 s silence, 0.5 s at level 2000, 2 s silence, 0.8 s at level 3000, 1 s silence. */
function recording(): Int16Array {
  const parts: Array<[number, number]> = [
    [1, 0],
    [0.5, 2000],
    [2, 0],
    [0.8, 3000],
    [1, 0],
  ];
  const samples = new Int16Array(parts.reduce((sum, [s]) => sum + s * RATE, 0));
  let offset = 0;
  for (const [seconds, level] of parts) {
    samples.fill(level, offset, offset + seconds * RATE);
    offset += seconds * RATE;
  }
  return samples;
}

async function setup() {
  const store = createInMemoryTimelineStore();
  const blobs = createInMemoryBlobStore();
  const vad = thresholdVad();
  const transcriber = recordingTranscriber();
  const wav = encodeWav(recording(), RATE);
  const { sha256, size } = await blobs.put('u1', wav);
  const capturedAt = Date.parse('2026-11-29T10:00:00Z');
  await store.insertCapture('u1', {
    id: '01JC0000000000000000000AUD',
    deviceId: 'd1',
    kind: 'audio',
    mediaType: 'audio/wav',
    sha256,
    size,
    capturedAt,
    receivedAt: capturedAt,
  });
  const perception = createAudioPerception({
    store,
    blobs,
    vad,
    transcriber,
    clock: { now: () => capturedAt + 9000 },
    logger: createSilentLogger(),
  });
  return { store, blobs, vad, transcriber, perception, capturedAt };
}

describe('audio perception', () => {
  it('transcribes only the speech, one utterance per segment, timed inside the capture', async () => {
    const { store, vad, transcriber, perception, capturedAt } = await setup();
    const result = await perception.perceive('u1', '01JC0000000000000000000AUD');
    expect(result).toMatchObject({ audioMs: 5300, segments: 2, utterances: 2, speechMs: 1300 });
    expect(vad.fed).toBe(5.3 * RATE);
    expect(transcriber.calls.map((samples) => samples.length)).toEqual([0.5 * RATE, 0.8 * RATE]);
    expect(transcriber.calls.every((samples) => samples.every((s) => s !== 0))).toBe(true);
    const page = await store.listObservations('u1', { limit: 10, order: 'asc' });
    expect(page.observations.map((o) => [o.text, o.capturedAt - capturedAt, o.modality, o.trust])).toEqual([
      ['level 2000', 1000, 'utterance', 'perceived'],
      ['level 3000', 3500, 'utterance', 'perceived'],
    ]);
    expect(page.observations[0]).toMatchObject({
      captureId: '01JC0000000000000000000AUD',
      deviceId: 'd1',
      provenance: { engine: 'fake-asr', model: 'levels' },
      details: {
        span: { startMs: 1000, endMs: 1500 },
        speaker: { label: 'unknown', personId: null },
        words: [{ word: 'level-2000', startMs: 1010, endMs: 1490 }],
      },
    });
    expect((await store.getCapture('u1', '01JC0000000000000000000AUD'))?.status).toBe('processed');
  });

  it('stores nothing twice when the job runs again, and skips what is gone or done', async () => {
    const { store, perception } = await setup();
    await perception.perceive('u1', '01JC0000000000000000000AUD');
    await store.setCaptureStatus('u1', '01JC0000000000000000000AUD', 'pending');
    await perception.perceive('u1', '01JC0000000000000000000AUD');
    expect(await store.countObservations('u1')).toBe(2);
    expect(await perception.perceive('u1', '01JC0000000000000000000AUD')).toMatchObject({
      skipped: expect.stringContaining('already processed'),
    });
    expect(await perception.perceive('u1', '01JC0000000000000000000XXX')).toMatchObject({
      skipped: expect.stringContaining('no longer exists'),
    });
  });

  it('does not transcribe a speaker who opted out', async () => {
    const { store, blobs, vad, transcriber, capturedAt } = await setup();
    const perception = createAudioPerception({
      store,
      blobs,
      vad,
      transcriber,
      identifySpeaker: async (_user, samples) =>
        samples[0] === 3000
          ? { label: 'p-ana', personId: 'p-ana', score: 0.9, optedOut: true }
          : { label: 'wearer', personId: null, score: 0.8, optedOut: false },
      clock: { now: () => capturedAt },
      logger: createSilentLogger(),
    });
    const result = await perception.perceive('u1', '01JC0000000000000000000AUD');
    expect(result).toMatchObject({ segments: 2, utterances: 1, skippedOptedOut: 1 });
    expect(transcriber.calls).toHaveLength(1);
    const page = await store.listObservations('u1', { limit: 10 });
    expect(page.observations.map((o) => o.details?.speaker?.label)).toEqual(['wearer']);
  });

  it('marks a capture that is not audio it can read as failed, with the reason', async () => {
    const { store, blobs, perception } = await setup();
    const { sha256, size } = await blobs.put(
      'u1',
      new TextEncoder().encode('RIFF....WAVEjunk that is not audio'),
    );
    await store.insertCapture('u1', {
      id: '01JC0000000000000000000BAD',
      deviceId: null,
      kind: 'audio',
      mediaType: 'audio/wav',
      sha256,
      size,
      capturedAt: 0,
      receivedAt: 0,
    });
    const outcome = await perception.handle(
      {
        id: 'j1',
        type: 'perceive.audio',
        userId: 'u1',
        payload: { captureId: '01JC0000000000000000000BAD' },
      } as never,
      { signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(await store.getCapture('u1', '01JC0000000000000000000BAD')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('data chunk'),
    });
  });
});
