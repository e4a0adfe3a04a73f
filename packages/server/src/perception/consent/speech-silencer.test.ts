import { describe, expect, it } from 'vitest';
import { createInMemoryBlobStore } from '../../blobs/index.ts';
import { createSilentLogger } from '../../kernel/index.ts';
import { createInMemoryTimelineStore } from '../../memory/index.ts';
import { decodeAudio } from '../audio-decoder.ts';
import { createSpeechSilencer, encodeWav, silenceSpans } from './speech-silencer.ts';

const RATE = 16_000;

/** Two seconds of a steady tone (never zero), as 16 kHz samples. */
function tone(seconds: number): Int16Array {
  return Int16Array.from({ length: seconds * RATE }, (_, i) => 1000 + Math.round(800 * Math.sin(i / 5)));
}

describe('silenceSpans and encodeWav', () => {
  it('zeroes each span with a quarter second either side, and nothing else', () => {
    const samples = tone(3);
    const silenced = silenceSpans(samples, [{ startMs: 1000, endMs: 1500 }]);
    expect(silenced).toBe(RATE);
    expect(samples.subarray(0.75 * RATE, 1.75 * RATE).every((s) => s === 0)).toBe(true);
    expect(samples[0.75 * RATE - 1]).not.toBe(0);
    expect(samples[1.75 * RATE]).not.toBe(0);
    expect(silenceSpans(samples, [{ startMs: 5000, endMs: 6000 }])).toBe(0);
  });

  it('writes a WAV that the perception decoder reads back sample for sample', async () => {
    const samples = tone(1);
    expect(await decodeAudio(encodeWav(samples), 'audio/wav')).toEqual(samples);
  });
});

describe('createSpeechSilencer', () => {
  it('replaces a recording with one where the spans are silent, and deletes the old file', async () => {
    const store = createInMemoryTimelineStore();
    const blobs = createInMemoryBlobStore();
    const original = await blobs.put('u1', encodeWav(tone(3)));
    await store.insertCapture('u1', {
      id: 'CAP1',
      deviceId: null,
      kind: 'audio',
      mediaType: 'audio/wav',
      sha256: original.sha256,
      size: original.size,
      capturedAt: 0,
      receivedAt: 0,
    });
    const silencer = createSpeechSilencer({ store, blobs, logger: createSilentLogger() });
    expect(await silencer.silence('u1', 'CAP1', [{ startMs: 2000, endMs: 2500 }])).toBe(true);
    const capture = await store.getCapture('u1', 'CAP1');
    expect(capture?.sha256).not.toBe(original.sha256);
    expect(await blobs.get('u1', original.sha256)).toBeNull();
    const samples = await decodeAudio((await blobs.get('u1', capture!.sha256))!, capture!.mediaType);
    expect(samples.subarray(1.75 * RATE, 2.75 * RATE).every((s) => s === 0)).toBe(true);
    expect(samples.subarray(0, 1.75 * RATE).every((s) => s !== 0)).toBe(true);
  });

  it('does nothing for a capture that is gone, not audio, or cannot be decoded', async () => {
    const store = createInMemoryTimelineStore();
    const blobs = createInMemoryBlobStore();
    const garbage = await blobs.put('u1', new Uint8Array([1, 2, 3, 4]));
    await store.insertCapture('u1', {
      id: 'CAP2',
      deviceId: null,
      kind: 'audio',
      mediaType: 'audio/wav',
      sha256: garbage.sha256,
      size: garbage.size,
      capturedAt: 0,
      receivedAt: 0,
    });
    const silencer = createSpeechSilencer({ store, blobs, logger: createSilentLogger() });
    const span = [{ startMs: 0, endMs: 100 }];
    expect(await silencer.silence('u1', 'NOTHING', span)).toBe(false);
    expect(await silencer.silence('u1', 'CAP2', span)).toBe(false);
    expect((await store.getCapture('u1', 'CAP2'))?.sha256).toBe(garbage.sha256);
  });
});
