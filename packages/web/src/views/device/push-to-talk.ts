import { encodeWav } from '@familiar/device-sdk';
import { ApiError, type FamiliarApi } from '../../api/index.ts';
import { newUlid } from '../../app/ulid.ts';
import { type Microphone, STREAM_RATE, startMicrophone } from '../../capture/index.ts';

/** A recording in progress; `finish` stops the microphone and returns the audio as a 16 kHz mono WAV file. */
export interface Recording {
  readonly startedAt: number;
  finish(): Promise<{ wav: Uint8Array; seconds: number }>;
  cancel(): Promise<void>;
}

/** Starts recording a spoken question from the microphone (for as long as the button is held). */
export async function recordQuestion(): Promise<Recording> {
  const chunks: Int16Array[] = [];
  const startedAt = Date.now();
  const microphone: Microphone = await startMicrophone({ onChunk: (pcm) => chunks.push(pcm) });
  return {
    startedAt,
    async finish() {
      await microphone.stop();
      const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      const samples = new Int16Array(total);
      let offset = 0;
      for (const chunk of chunks) {
        samples.set(chunk, offset);
        offset += chunk.length;
      }
      return { wav: encodeWav(samples, STREAM_RATE), seconds: total / STREAM_RATE };
    },
    cancel: () => microphone.stop(),
  };
}

/** How long to wait for the server's speech recognizer before saying it has none. */
const TRANSCRIBE_TIMEOUT_MS = 30_000;

/**
 * Sends a recorded question to the server as an audio capture, waits for the server's speech recognizer to hear it,
 * and returns what was said. Throws `engine_missing` when nothing transcribes it in time (no recognizer is set up),
 * `capture_paused` while capture is paused, and `nothing_heard` when the recording held no speech.
 */
export async function transcribeOnServer(
  api: FamiliarApi,
  recording: { wav: Uint8Array; startedAt: number },
  { timeoutMs = TRANSCRIBE_TIMEOUT_MS, pollMs = 1000 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<string> {
  const id = newUlid();
  const capturedAt = new Date(recording.startedAt).toISOString();
  await api.captures.upload(recording.wav, 'audio/wav', { id, capturedAt });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const capture = await api.captures.get(id);
    if (capture.status === 'failed')
      throw new ApiError(
        'transcription_failed',
        `The server could not hear the recording: ${capture.error ?? 'unknown reason'}.`,
      );
    if (capture.status === 'processed') break;
    if (Date.now() > deadline) {
      throw new ApiError(
        'engine_missing',
        'The server has not transcribed the question: it may have no speech recognizer set up. Type the question instead.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const { observations } = await api.observations.list({
    modality: 'utterance',
    from: capturedAt,
    limit: 200,
  });
  const words = observations
    .filter((observation) => observation.captureId === id)
    .sort((a, b) => a.capturedAt.localeCompare(b.capturedAt))
    .map((observation) => observation.text.trim())
    .filter(Boolean)
    .join(' ');
  if (!words)
    throw new ApiError(
      'nothing_heard',
      'No speech was heard in the recording. Hold the button while you speak.',
    );
  return words;
}
