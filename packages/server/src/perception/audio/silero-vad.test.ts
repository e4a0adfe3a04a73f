import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavToStreamAudio } from '@familiar/device-sdk';
import { sileroVadModelPath } from '@familiar/silero-vad-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FamiliarError } from '../../kernel/index.ts';
import type { SpeechSegment } from '../ports.ts';
import { createSileroVad, type SileroVoiceActivityDetector } from './silero-vad.ts';

// Read speech with reference transcripts, from Debian's pocketsphinx-testdata (CI installs it in .ci/run).
const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const HAS_LIBRIVOX = existsSync(LIBRIVOX);
const SAMPLES_PER_MS = 16;
const EDGE_TOLERANCE_MS = 400;

function clip(id: string): Int16Array {
  return wavToStreamAudio(readFileSync(join(LIBRIVOX, `sense_and_sensibility_01_austen_64kb-${id}.wav`))).pcm;
}

/** Room-like quiet (about −60 dBFS white noise), from a seeded generator so every run hears the same. */
function quiet(ms: number, seed = 1): Int16Array {
  const samples = new Int16Array(ms * SAMPLES_PER_MS);
  let state = seed;
  for (let i = 0; i < samples.length; i += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    samples[i] = Math.round((state / 2_147_483_648 - 0.5) * 64);
  }
  return samples;
}

/** Joins parts into one recording; `speech` lists where the parts marked as speech lie, in ms. */
function record(parts: Array<{ audio: Int16Array; speech?: boolean }>) {
  const total = parts.reduce((sum, part) => sum + part.audio.length, 0);
  const audio = new Int16Array(total);
  const speech: Array<{ startMs: number; endMs: number }> = [];
  let at = 0;
  for (const part of parts) {
    audio.set(part.audio, at);
    if (part.speech)
      speech.push({ startMs: at / SAMPLES_PER_MS, endMs: (at + part.audio.length) / SAMPLES_PER_MS });
    at += part.audio.length;
  }
  return { audio, speech, durationMs: total / SAMPLES_PER_MS };
}

function detect(detector: SileroVoiceActivityDetector, audio: Int16Array, chunkSamples: number) {
  const session = detector.createSession();
  const segments: SpeechSegment[] = [];
  let maxBufferedSamples = 0;
  for (let at = 0; at < audio.length; at += chunkSamples) {
    segments.push(...session.accept(audio.subarray(at, at + chunkSamples)));
    maxBufferedSamples = Math.max(maxBufferedSamples, session.bufferedSamples);
  }
  const fromAccept = segments.length;
  segments.push(...session.finish());
  return { segments, fromFinish: segments.slice(fromAccept), maxBufferedSamples };
}

const durationOf = (segments: SpeechSegment[]) => segments.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
const overlaps = (a: { startMs: number; endMs: number }, b: { startMs: number; endMs: number }) =>
  a.startMs < b.endMs && b.startMs < a.endMs;

function expectExactSamples(segments: SpeechSegment[], audio: Int16Array) {
  let previousEnd = 0;
  for (const segment of segments) {
    expect(segment.startMs).toBeGreaterThanOrEqual(previousEnd);
    expect(segment.endMs).toBeGreaterThan(segment.startMs);
    const start = segment.startMs * SAMPLES_PER_MS;
    const end = segment.endMs * SAMPLES_PER_MS;
    expect(segment.samples.length).toBe(end - start);
    expect(Buffer.from(segment.samples.buffer).equals(Buffer.from(audio.slice(start, end).buffer))).toBe(
      true,
    );
    previousEnd = segment.endMs;
  }
}

describe('Silero VAD model file', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'familiar-silero-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  // sherpa-onnx aborts the process on these files, so each must be refused before it reaches the engine.
  const badModels: Array<[string, () => Uint8Array]> = [
    ['random bytes', () => seededBytes(100_000)],
    ['an empty file', () => new Uint8Array(0)],
    ['a truncated model', () => readFileSync(sileroVadModelPath).subarray(0, 1_000_000)],
    ['an ONNX model of another kind', () => tinyOnnxModel()],
  ];
  it.each(badModels)('refuses %s with a clear error', (label, bytes) => {
    const path = join(directory, `model-${label.replaceAll(' ', '-')}.onnx`);
    writeFileSync(path, bytes());
    expect(() => createSileroVad({ modelPath: path })).toThrowError(
      expect.objectContaining({ code: 'validation_failed', message: expect.stringContaining(path) }),
    );
  });

  it('refuses a missing file and bad options', () => {
    const missing = join(directory, 'missing.onnx');
    expect(() => createSileroVad({ modelPath: missing })).toThrowError(/missing.onnx cannot be read/);
    expect(() => createSileroVad({ threshold: 2 })).toThrowError(FamiliarError);
    expect(() => createSileroVad({ maxSpeechMs: 10 })).toThrowError(/maxSpeechMs/);
  });
});

function seededBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = 7;
  for (let i = 0; i < length; i += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    bytes[i] = state >>> 16;
  }
  return bytes;
}

/** A well-formed ONNX ModelProto whose graph has input `x` and output `y` (sherpa-onnx exits on it). */
function tinyOnnxModel(): Uint8Array {
  const valueInfo = (name: string) => [0x0a, 1, name.charCodeAt(0)];
  const graph = [0x5a, 3, ...valueInfo('x'), 0x62, 3, ...valueInfo('y')];
  return Uint8Array.from([0x08, 8, 0x3a, graph.length, ...graph]);
}

describe.skipIf(!HAS_LIBRIVOX)(
  HAS_LIBRIVOX
    ? 'Silero VAD on read speech'
    : `Silero VAD on read speech (skipped: ${LIBRIVOX} is missing; apt-get install pocketsphinx-testdata)`,
  () => {
    let detector: SileroVoiceActivityDetector;
    let clips: Record<'a' | 'b' | 'c', Int16Array>;
    let recording: ReturnType<typeof record>;

    beforeAll(() => {
      detector = createSileroVad();
      clips = { a: clip('0870'), b: clip('0880'), c: clip('0890') };
      recording = record([
        { audio: quiet(2_000, 1) },
        { audio: clips.a, speech: true },
        { audio: quiet(3_000, 2) },
        { audio: clips.b, speech: true },
        { audio: quiet(3_000, 3) },
        { audio: clips.c, speech: true },
        { audio: quiet(2_000, 4) },
      ]);
    });

    it('finds each clip, nothing in the silences, and little more than the speech', () => {
      const started = performance.now();
      const { segments } = detect(detector, recording.audio, 1_600);
      const seconds = (performance.now() - started) / 1000;
      const audioSeconds = recording.durationMs / 1000;
      console.log(
        `Silero VAD real-time factor: ${(seconds / audioSeconds).toFixed(4)} (${seconds.toFixed(3)} s for ${audioSeconds.toFixed(1)} s of audio, 1 thread)`,
      );

      expect(detector.name).toMatch(/^silero-vad \(sherpa-onnx \d+\.\d+\.\d+\)$/);
      for (const speech of recording.speech) {
        const found = segments.filter((segment) => overlaps(segment, speech));
        expect(found.length).toBeGreaterThan(0);
        expect(found[0]!.startMs).toBeLessThanOrEqual(speech.startMs + EDGE_TOLERANCE_MS);
        expect(found[0]!.startMs).toBeGreaterThanOrEqual(speech.startMs - EDGE_TOLERANCE_MS);
        expect(found.at(-1)!.endMs).toBeGreaterThanOrEqual(speech.endMs - EDGE_TOLERANCE_MS);
        expect(found.at(-1)!.endMs).toBeLessThanOrEqual(speech.endMs + EDGE_TOLERANCE_MS);
      }
      for (const segment of segments)
        expect(recording.speech.some((speech) => overlaps(segment, speech))).toBe(true);
      const speechMs = recording.speech.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
      expect(durationOf(segments)).toBeLessThanOrEqual(speechMs * 1.3);
      expectExactSamples(segments, recording.audio);
    });

    it('gives the same segments whatever the chunk size, with one engine reused across sessions', () => {
      const [small, medium, large] = [160, 1_600, 16_000].map((chunk) =>
        detect(detector, recording.audio, chunk).segments.map(({ startMs, endMs }) => ({ startMs, endMs })),
      );
      expect(small!.length).toBe(recording.speech.length);
      for (const other of [medium!, large!]) {
        expect(other).toHaveLength(small!.length);
        other.forEach((segment, i) => {
          expect(Math.abs(segment.startMs - small![i]!.startMs)).toBeLessThanOrEqual(5);
          expect(Math.abs(segment.endMs - small![i]!.endMs)).toBeLessThanOrEqual(5);
        });
      }
    });

    it('returns the speech still open at the end from finish()', () => {
      const endsInSpeech = record([{ audio: quiet(2_000) }, { audio: clips.a, speech: true }]);
      // 1000-sample chunks leave part of a 512-sample window unfed at the end.
      const { segments, fromFinish } = detect(detector, endsInSpeech.audio, 1_000);
      expect(fromFinish).toHaveLength(1);
      expect(fromFinish[0]!.endMs).toBe(endsInSpeech.durationMs);
      expect(segments[0]!.startMs).toBeLessThanOrEqual(2_000 + EDGE_TOLERANCE_MS);
      expectExactSamples(segments, endsInSpeech.audio);

      const session = detector.createSession();
      session.finish();
      expect(() => session.accept(new Int16Array(10))).toThrowError(/finished/);
    });

    it('keeps its memory bounded over ten minutes of silence before one clip', () => {
      const minute = quiet(60_000, 5);
      const session = detector.createSession();
      const segments: SpeechSegment[] = [];
      let maxBufferedSamples = 0;
      let rssAfterFirstMinute = 0;
      for (let m = 0; m < 10; m += 1) {
        for (let at = 0; at < minute.length; at += 1_600) {
          segments.push(...session.accept(minute.subarray(at, at + 1_600)));
          maxBufferedSamples = Math.max(maxBufferedSamples, session.bufferedSamples);
        }
        if (m === 0) rssAfterFirstMinute = process.memoryUsage().rss;
      }
      expect(segments).toEqual([]);
      // Nine more minutes held anywhere (here or in the engine) would be 17 MB as PCM16, 35 MB as float.
      expect(process.memoryUsage().rss - rssAfterFirstMinute).toBeLessThan(16 * 1024 * 1024);
      expect(maxBufferedSamples).toBeLessThan(SAMPLES_PER_MS * 1_000);

      segments.push(...session.accept(clips.b), ...session.accept(quiet(1_000, 6)), ...session.finish());
      expect(segments).toHaveLength(1);
      expect(segments[0]!.startMs).toBeGreaterThanOrEqual(600_000 - EDGE_TOLERANCE_MS);
      expect(segments[0]!.endMs).toBeLessThanOrEqual(
        600_000 + clips.b.length / SAMPLES_PER_MS + EDGE_TOLERANCE_MS,
      );
    });

    it('cuts continuous speech at maxSpeechMs without losing or repeating audio', () => {
      const continuous = record([
        { audio: clips.a, speech: true },
        { audio: clips.b, speech: true },
        { audio: clips.c, speech: true },
        { audio: clips.a, speech: true },
      ]);
      const cutting = createSileroVad({ maxSpeechMs: 5_000 });
      const { segments, maxBufferedSamples } = detect(cutting, continuous.audio, 1_600);
      expect(segments.length).toBeGreaterThanOrEqual(4);
      for (const segment of segments)
        expect(segment.endMs - segment.startMs).toBeLessThanOrEqual(5_000 + 2 * 150 + 32);
      expect(maxBufferedSamples).toBeLessThanOrEqual(SAMPLES_PER_MS * 6_000);
      expect(durationOf(segments)).toBeGreaterThan(continuous.durationMs * 0.9);
      expectExactSamples(segments, continuous.audio);
    });

    it('keeps times exact when the engine is reset in pauses', () => {
      const resetting = createSileroVad({ resetEngineAfterMs: 1_000 });
      const { segments } = detect(resetting, recording.audio, 1_600);
      expect(segments).toHaveLength(recording.speech.length);
      segments.forEach((segment, i) => {
        const speech = recording.speech[i]!;
        expect(Math.abs(segment.startMs - speech.startMs)).toBeLessThanOrEqual(EDGE_TOLERANCE_MS);
        expect(Math.abs(segment.endMs - speech.endMs)).toBeLessThanOrEqual(EDGE_TOLERANCE_MS);
      });
      expectExactSamples(segments, recording.audio);
    });
  },
);
