import type { BlobStore } from '../blobs/index.ts';
import type { JobHandler } from '../jobs/index.ts';
import { type Clock, derivedUlid, FamiliarError, type Logger } from '../kernel/index.ts';
import type { NewObservation, TimelineStore } from '../memory/index.ts';
import { decodeAudio } from './audio-decoder.ts';
import {
  PERCEPTION_SAMPLE_RATE,
  type SpeakerMatch,
  type SpeechSegment,
  type Transcriber,
  type VoiceActivityDetector,
} from './ports.ts';

/** Who spoke a segment, and whether that person asked not to be transcribed. */
export type SpeakerLookup = (
  userId: string,
  samples: Int16Array,
) => Promise<SpeakerMatch & { optedOut: boolean }>;

const UNKNOWN_SPEAKER: SpeakerMatch & { optedOut: boolean } = {
  label: 'unknown',
  personId: null,
  score: 0,
  optedOut: false,
};

/** What perceiving one audio capture produced. */
export interface AudioPerceptionResult {
  audioMs: number;
  speechMs: number;
  segments: number;
  utterances: number;
  /** Segments not transcribed because their speaker opted out. */
  skippedOptedOut: number;
}

/**
 * Hears an audio capture: decodes it to 16 kHz mono, finds speech with the VAD (silence never reaches speech
 * recognition), transcribes each speech segment, and stores one `utterance` observation per transcript segment
 * (perceived, linked to the capture, with word timings and speaker). Observation ids derive from the capture and
 * the time, so a retried job stores nothing twice. The capture is then marked processed.
 */
export function createAudioPerception(deps: {
  store: TimelineStore;
  blobs: BlobStore;
  vad: VoiceActivityDetector;
  transcriber: Transcriber;
  identifySpeaker?: SpeakerLookup;
  clock: Clock;
  logger: Logger;
  /** Samples fed to the VAD at a time (1 s by default). */
  chunkSamples?: number;
}) {
  const { store, blobs, vad, transcriber, clock, logger, chunkSamples = PERCEPTION_SAMPLE_RATE } = deps;
  const identifySpeaker = deps.identifySpeaker ?? (async () => UNKNOWN_SPEAKER);

  async function perceive(
    userId: string,
    captureId: string,
    signal?: AbortSignal,
  ): Promise<AudioPerceptionResult | { skipped: string }> {
    const capture = await store.getCapture(userId, captureId);
    if (!capture) return { skipped: 'the capture no longer exists (forgotten before perception ran)' };
    if (capture.kind !== 'audio') return { skipped: `capture ${captureId} is ${capture.kind}, not audio` };
    if (capture.status !== 'pending') return { skipped: `capture ${captureId} is already ${capture.status}` };
    const bytes = await blobs.get(userId, capture.sha256);
    if (!bytes) {
      await store.setCaptureStatus(userId, captureId, 'failed', 'the media file is missing');
      throw new FamiliarError('storage_failed', `the media of capture ${captureId} is missing from disk`);
    }
    let pcm: Int16Array;
    try {
      pcm = await decodeAudio(bytes, capture.mediaType);
    } catch (error) {
      if (error instanceof FamiliarError && error.code === 'validation_failed') {
        await store.setCaptureStatus(userId, captureId, 'failed', error.message);
      }
      throw error;
    }
    const result: AudioPerceptionResult = {
      audioMs: (pcm.length / PERCEPTION_SAMPLE_RATE) * 1000,
      speechMs: 0,
      segments: 0,
      utterances: 0,
      skippedOptedOut: 0,
    };
    const provenance = {
      engine: transcriber.engine,
      model: transcriber.model,
      ...(transcriber.version ? { version: transcriber.version } : {}),
    };

    const hear = async (segment: SpeechSegment): Promise<void> => {
      signal?.throwIfAborted();
      result.segments += 1;
      result.speechMs += segment.endMs - segment.startMs;
      const speaker = await identifySpeaker(userId, segment.samples);
      if (speaker.optedOut) {
        result.skippedOptedOut += 1;
        return;
      }
      const transcript = await transcriber.transcribe(segment.samples, signal ? { signal } : {});
      const receivedAt = clock.now();
      const observations: NewObservation[] = transcript
        .filter((piece) => piece.text.trim() !== '')
        .map((piece, index) => {
          const startMs = segment.startMs + piece.startMs;
          const endMs = segment.startMs + piece.endMs;
          return {
            // The text is part of the id: a retry that hears the same thing stores nothing twice, and one that
            // hears it differently (a remote recognizer, a changed setting) cannot collide with an earlier try.
            id: derivedUlid(
              capture.capturedAt + startMs,
              `utterance:${capture.id}:${segment.startMs}:${index}:${piece.text.trim()}`,
            ),
            deviceId: capture.deviceId,
            modality: 'utterance',
            capturedAt: Math.round(capture.capturedAt + startMs),
            receivedAt,
            text: piece.text.trim(),
            captureId: capture.id,
            provenance,
            trust: 'perceived',
            details: {
              span: { startMs: Math.round(startMs), endMs: Math.round(endMs) },
              speaker: { label: speaker.label, personId: speaker.personId },
              ...(piece.words
                ? {
                    words: piece.words.map((word) => ({
                      word: word.word,
                      startMs: Math.round(segment.startMs + word.startMs),
                      endMs: Math.round(segment.startMs + word.endMs),
                      ...(word.confidence === undefined ? {} : { confidence: word.confidence }),
                    })),
                  }
                : {}),
            },
          };
        });
      if (observations.length > 0) await store.insertObservations(userId, observations);
      result.utterances += observations.length;
    };

    const session = vad.createSession();
    for (let start = 0; start < pcm.length; start += chunkSamples) {
      for (const segment of session.accept(pcm.subarray(start, start + chunkSamples))) await hear(segment);
      // Let the server breathe between chunks: devices keep being acknowledged while long audio is heard.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const segment of session.finish()) await hear(segment);
    await store.setCaptureStatus(userId, captureId, 'processed');
    logger.debug({ captureId, ...result }, 'audio capture perceived');
    return result;
  }

  const handle: JobHandler = async (job, { signal }) => {
    const payload = job.payload as { captureId?: unknown };
    if (!job.userId || typeof payload?.captureId !== 'string') {
      return { status: 'failed', error: 'the job has no user or capture id', retryable: false };
    }
    try {
      const outcome = await perceive(job.userId, payload.captureId, signal);
      if ('skipped' in outcome) return { status: 'skipped', reason: outcome.skipped };
      return { status: 'success', result: outcome };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = (error instanceof FamiliarError && !error.retryable) || job.attempts >= job.maxAttempts;
      // A capture nothing will hear any more says why (status `failed`); queueing it again retries it.
      if (final)
        await store.setCaptureStatus(job.userId, payload.captureId, 'failed', message).catch(() => {});
      if (error instanceof FamiliarError && !error.retryable)
        return { status: 'failed', error: message, retryable: false };
      throw error;
    }
  };

  return { perceive, handle };
}

/** The audio perception service's type. */
export type AudioPerception = ReturnType<typeof createAudioPerception>;
