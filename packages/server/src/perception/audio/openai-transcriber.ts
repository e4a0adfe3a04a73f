import { encodeWav } from '@familiar/device-sdk';
import { z } from 'zod';
import { describeIssues, FamiliarError } from '../../kernel/index.ts';
import { postOpenAiCompatible } from '../openai-compatible-request.ts';
import {
  PERCEPTION_SAMPLE_RATE,
  type Transcriber,
  type TranscriptSegment,
  type TranscriptWord,
} from '../ports.ts';

export interface OpenAiCompatibleTranscriberOptions {
  /** The API root, e.g. `https://api.openai.com/v1`, `https://api.groq.com/openai/v1` or a self-hosted server. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never written into errors or logs. Self-hosted servers may need none. */
  apiKey?: string;
  /** A model that supports `verbose_json` with timestamps (`whisper-1`, Groq's `whisper-large-v3`, …). */
  model?: string;
  /** Language sent when a call names none (ISO 639-1); unset lets the server detect it. */
  language?: string;
  fetch?: typeof globalThis.fetch;
  /** Limit for one request, upload included. */
  timeoutMs?: number;
}

const verboseJsonSchema = z.object({
  text: z.string(),
  language: z.string().optional(),
  duration: z.number().optional(),
  segments: z
    .array(
      z.object({
        start: z.number(),
        end: z.number(),
        text: z.string(),
        avg_logprob: z.number().optional(),
        no_speech_prob: z.number().optional(),
      }),
    )
    .nullish(),
  words: z.array(z.object({ word: z.string(), start: z.number(), end: z.number() })).nullish(),
});

type VerboseJson = z.infer<typeof verboseJsonSchema>;

/** Whisper's own rule for a segment that is silence transcribed as words ("Thank you." over room noise). */
function isLikelySilence(segment: NonNullable<VerboseJson['segments']>[number]): boolean {
  return (segment.no_speech_prob ?? 0) > 0.6 && (segment.avg_logprob ?? 0) < -1;
}

function primaryLanguage(language: string): string {
  return language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

/** Turns a verbose_json transcription into segments in ms, each with the words whose middle falls inside it. */
export function toTranscriptSegments(response: VerboseJson, durationMs: number): TranscriptSegment[] {
  const ms = (seconds: number) => Math.max(0, Math.min(durationMs, Math.round(seconds * 1000)));
  const words: TranscriptWord[] = (response.words ?? [])
    .map((word) => ({
      word: word.word.trim(),
      startMs: ms(word.start),
      endMs: ms(Math.max(word.start, word.end)),
    }))
    .filter((word) => word.word.length > 0);
  const segments = (response.segments ?? []).map((segment) => ({
    keep: !isLikelySilence(segment) && segment.text.trim().length > 0,
    text: segment.text.trim(),
    startMs: ms(segment.start),
    endMs: ms(Math.max(segment.start, segment.end)),
  }));
  if (segments.length === 0) {
    const text = response.text.trim();
    if (text.length === 0) return [];
    const startMs = words[0]?.startMs ?? 0;
    const endMs = words.at(-1)?.endMs ?? durationMs;
    return [{ text, startMs, endMs, ...(words.length > 0 ? { words } : {}) }];
  }
  const grouped = segments.map(() => [] as TranscriptWord[]);
  for (const word of words) {
    const middle = (word.startMs + word.endMs) / 2;
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    segments.forEach((segment, index) => {
      const distance =
        middle < segment.startMs ? segment.startMs - middle : Math.max(0, middle - segment.endMs);
      if (distance < bestDistance) {
        best = index;
        bestDistance = distance;
      }
    });
    grouped[best]!.push(word);
  }
  return segments.flatMap((segment, index) => {
    if (!segment.keep) return [];
    const segmentWords = grouped[index]!;
    return [
      {
        text: segment.text,
        startMs: segment.startMs,
        endMs: segment.endMs,
        ...(response.words ? { words: segmentWords } : {}),
      },
    ];
  });
}

/**
 * Speech recognition through an OpenAI-compatible `POST /audio/transcriptions` endpoint (OpenAI, Groq,
 * self-hosted Whisper servers), asking for `verbose_json` with segment and word timestamps. Audio leaves the
 * machine: the composition root decides whether that is allowed. Errors carry the server's message (API key
 * removed); rate limits, server errors, timeouts and network failures are retryable.
 */
export function createOpenAiCompatibleTranscriber(options: OpenAiCompatibleTranscriberOptions): Transcriber {
  const {
    apiKey,
    model = 'whisper-1',
    language: defaultLanguage,
    fetch = globalThis.fetch,
    timeoutMs = 120_000,
  } = options;
  let url: URL;
  try {
    url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`);
  } catch (cause) {
    throw new FamiliarError(
      'validation_failed',
      `the transcription base URL "${options.baseUrl}" is not a URL`,
      {
        cause,
      },
    );
  }
  const server = url.host;

  return {
    engine: 'openai-compatible',
    model,
    lowAccuracy: false,

    async transcribe(samples, { language, signal } = {}) {
      signal?.throwIfAborted();
      if (samples.length === 0) return [];
      const durationMs = (samples.length / PERCEPTION_SAMPLE_RATE) * 1000;
      const form = new FormData();
      form.append(
        'file',
        new Blob([encodeWav(samples, PERCEPTION_SAMPLE_RATE)], { type: 'audio/wav' }),
        'segment.wav',
      );
      form.append('model', model);
      form.append('response_format', 'verbose_json');
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
      const requested = language ?? defaultLanguage;
      if (requested) form.append('language', primaryLanguage(requested));

      const json = await postOpenAiCompatible({
        url,
        body: form,
        apiKey,
        fetch,
        timeoutMs,
        ...(signal ? { signal } : {}),
        what: 'transcription server',
      });
      const parsed = verboseJsonSchema.safeParse(json);
      if (!parsed.success)
        throw new FamiliarError(
          'internal',
          `the transcription server ${server} answered JSON that is not a verbose_json transcription`,
          { details: describeIssues(parsed.error.issues) },
        );
      return toTranscriptSegments(parsed.data, durationMs);
    },
  };
}
