import type { BlobStore } from '../../blobs/index.ts';
import type { Logger } from '../../kernel/index.ts';
import type { TimelineStore } from '../../memory/index.ts';
import { decodeAudio } from '../audio-decoder.ts';
import { PERCEPTION_SAMPLE_RATE } from '../ports.ts';

/** A stretch of a capture, in milliseconds from its start. */
export interface Span {
  startMs: number;
  endMs: number;
}

/** Silence kept on each side of a span, for word timings that end a little early. */
const PADDING_MS = 250;

/** A 16-bit mono PCM WAV file of the samples. */
export function encodeWav(samples: Int16Array, sampleRate = PERCEPTION_SAMPLE_RATE): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i += 1) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i += 1) view.setInt16(44 + i * 2, samples[i]!, true);
  return bytes;
}

/** Zeroes the samples of each span (with a little padding); returns how many samples it silenced. */
export function silenceSpans(
  samples: Int16Array,
  spans: readonly Span[],
  sampleRate = PERCEPTION_SAMPLE_RATE,
) {
  let silenced = 0;
  for (const span of spans) {
    const from = Math.max(0, Math.floor(((span.startMs - PADDING_MS) / 1000) * sampleRate));
    const to = Math.min(samples.length, Math.ceil(((span.endMs + PADDING_MS) / 1000) * sampleRate));
    if (to > from) {
      samples.fill(0, from, to);
      silenced += to - from;
    }
  }
  return silenced;
}

/**
 * Removes forgotten speech from the raw audio that stays for the others who spoke in it: the capture's media is
 * decoded, the spans are silenced, and a 16 kHz mono WAV replaces it (the old file is deleted once unused).
 * Returns false when the capture is gone or its audio cannot be decoded (logged): only its transcripts went then.
 */
export function createSpeechSilencer(deps: {
  store: Pick<TimelineStore, 'getCapture' | 'replaceCaptureMedia' | 'isBlobReferenced'>;
  blobs: Pick<BlobStore, 'get' | 'put' | 'delete'>;
  logger: Logger;
}) {
  const { store, blobs, logger } = deps;
  return {
    async silence(userId: string, captureId: string, spans: readonly Span[]): Promise<boolean> {
      const capture = await store.getCapture(userId, captureId);
      if (!capture || capture.kind !== 'audio' || spans.length === 0) return false;
      const bytes = await blobs.get(userId, capture.sha256);
      if (!bytes) return false;
      let samples: Int16Array;
      try {
        samples = Int16Array.from(await decodeAudio(bytes, capture.mediaType));
      } catch (error) {
        logger.warn(
          { err: error, captureId },
          'the raw audio could not be decoded: forgotten speech stays in it',
        );
        return false;
      }
      silenceSpans(samples, spans);
      const stored = await blobs.put(userId, encodeWav(samples));
      const { unreferencedBlob } = await store.replaceCaptureMedia(userId, captureId, {
        sha256: stored.sha256,
        size: stored.size,
        mediaType: 'audio/wav',
      });
      if (unreferencedBlob && !(await store.isBlobReferenced(userId, unreferencedBlob)))
        await blobs.delete(userId, unreferencedBlob);
      return true;
    },
  };
}

/** The speech silencer's type. */
export type SpeechSilencer = ReturnType<typeof createSpeechSilencer>;
