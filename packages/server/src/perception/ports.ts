/** Sample rate of all audio inside perception: 16 kHz mono, signed 16-bit. */
export const PERCEPTION_SAMPLE_RATE = 16_000;

/** A stretch of speech found by voice activity detection, with its samples. Times are ms from the audio's start. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
  samples: Int16Array;
}

/** One pass of voice activity detection over a continuous piece of audio, fed in order, chunk by chunk. */
export interface VadSession {
  /** Feeds the next samples; returns the speech segments that ended within what has been fed so far. */
  accept(samples: Int16Array): SpeechSegment[];
  /** Ends the audio; returns a segment still open at the end. */
  finish(): SpeechSegment[];
}

/**
 * Finds speech in audio so that silence never reaches speech recognition. Streaming: memory stays bounded by the
 * longest segment (`maxSpeechMs`), whatever the length of the audio.
 */
export interface VoiceActivityDetector {
  /** Engine and model, for provenance and `familiar status`. */
  readonly name: string;
  createSession(): VadSession;
}

/** A recognised word with its time (ms from the start of the audio given to the transcriber). */
export interface TranscriptWord {
  word: string;
  startMs: number;
  endMs: number;
  confidence?: number;
}

/** A piece of transcript; times are ms from the start of the audio given to the transcriber. */
export interface TranscriptSegment {
  text: string;
  startMs: number;
  endMs: number;
  words?: TranscriptWord[];
}

/** Speech recognition of one speech segment (16 kHz mono PCM16). */
export interface Transcriber {
  /** Engine name for provenance (`pocketsphinx`, `whisper`, `openai-compatible`). */
  readonly engine: string;
  /** Model name or file, for provenance. */
  readonly model: string;
  readonly version?: string;
  /** True for engines whose transcripts are known to be rough (shown in `familiar status`). */
  readonly lowAccuracy: boolean;
  transcribe(
    samples: Int16Array,
    options?: { language?: string; signal?: AbortSignal },
  ): Promise<TranscriptSegment[]>;
}

/** Who spoke a segment: a person enrolled by the user, or unknown. */
export interface SpeakerMatch {
  /** `wearer`, a person's id, or `unknown`. */
  label: string;
  personId: string | null;
  score: number;
}

/** Turns speech into a voice embedding (a model the user supplies). */
export interface SpeakerEmbedder {
  readonly name: string;
  readonly dimension: number;
  embed(samples: Int16Array): Promise<Float32Array>;
}

/** A frame decoded for perception: RGB pixels (3 bytes each, row by row) at most 1280 px on its long side. */
export interface DecodedFrame {
  width: number;
  height: number;
  /** Packed RGB, `width * height * 3` bytes. */
  rgb: Uint8Array;
}

/** A box in frame pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Text read from a frame; only lines whose confidence passed the gate. */
export interface TextReading {
  text: string;
  /** Mean confidence (0-100) of the kept lines, 0 when none. */
  confidence: number;
  lines: Array<{ text: string; confidence: number; box: Box }>;
}

/** OCR of one frame. */
export interface TextReader {
  readonly name: string;
  read(frame: DecodedFrame, options?: { signal?: AbortSignal }): Promise<TextReading>;
}

/** What is in a frame: COCO objects and the faces present (a face's descriptor only when asked for). */
export interface FrameTags {
  objects: Array<{ label: string; score: number; box: Box }>;
  faces: Array<{ score: number; box: Box; descriptor?: Float32Array }>;
}

/** Objects and faces in one frame. */
export interface FrameTagger {
  readonly name: string;
  tag(frame: DecodedFrame, options?: { descriptors?: boolean }): Promise<FrameTags>;
}

/** Describes a frame in a sentence (a vision model); optional. */
export interface Captioner {
  readonly name: string;
  caption(jpeg: Uint8Array, options?: { signal?: AbortSignal }): Promise<string>;
}
