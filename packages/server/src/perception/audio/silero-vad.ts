import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sileroVadModelPath } from '@familiar/silero-vad-model';
import { z } from 'zod';
import { describeIssues, FamiliarError } from '../../kernel/index.ts';
import {
  PERCEPTION_SAMPLE_RATE,
  type SpeechSegment,
  type VadSession,
  type VoiceActivityDetector,
} from '../ports.ts';

/** Settings of the Silero voice activity detector; every one has a default. */
export interface SileroVadOptions {
  /** Speech probability above which a 32 ms window counts as speech (0–1). */
  threshold?: number;
  /** Silence that ends a segment. */
  minSilenceMs?: number;
  /** Speech shorter than this is ignored. */
  minSpeechMs?: number;
  /**
   * Longest segment. From 80 % of it on, a segment ends at the next short pause (0.1 s); at this length it is cut,
   * and the speech goes on in a new segment. Bounds the memory of a session.
   */
  maxSpeechMs?: number;
  /** Audio kept before and after each segment, clamped to the audio and to the previous segment. */
  padMs?: number;
  /** Threads of the ONNX runtime, per session. */
  numThreads?: number;
  /** A Silero VAD v4 or v5 ONNX file; the bundled v5 model by default. */
  modelPath?: string;
  /**
   * sherpa-onnx counts samples in 32-bit integers, which overflow after 37 hours of audio; a session resets its
   * engine in a pause once it has fed it this much audio. Times stay exact across resets.
   */
  resetEngineAfterMs?: number;
}

/** A Silero VAD session; `bufferedSamples` shows that its memory stays bounded. */
export interface SileroVadSession extends VadSession {
  /** Samples this session holds in JavaScript right now (open speech, padding and look-back). */
  readonly bufferedSamples: number;
}

/** The Silero detector; each session holds a sherpa-onnx engine, reused by later sessions once finished. */
export interface SileroVoiceActivityDetector extends VoiceActivityDetector {
  createSession(): SileroVadSession;
}

const OptionsSchema = z.object({
  threshold: z.number().gt(0).lt(1).default(0.5),
  minSilenceMs: z.number().int().min(32).max(10_000).default(500),
  minSpeechMs: z.number().int().min(0).max(10_000).default(250),
  maxSpeechMs: z.number().int().min(1_000).max(600_000).default(20_000),
  padMs: z.number().int().min(0).max(2_000).default(150),
  numThreads: z.number().int().min(1).max(64).default(1),
  modelPath: z.string().min(1).default(sileroVadModelPath),
  resetEngineAfterMs: z
    .number()
    .int()
    .min(1_000)
    .max(24 * 3_600_000)
    .default(3_600_000),
});

type ResolvedOptions = z.infer<typeof OptionsSchema>;

/** The parts of `sherpa-onnx-node` this adapter uses. */
interface SherpaOnnxModule {
  version: string;
  Vad: new (config: SherpaVadConfig, bufferSizeInSeconds: number) => SherpaVad;
}

interface SherpaVadConfig {
  sileroVad: {
    model: string;
    threshold: number;
    minSilenceDuration: number;
    minSpeechDuration: number;
    maxSpeechDuration: number;
    windowSize: number;
  };
  sampleRate: number;
  numThreads: number;
  provider: 'cpu';
  debug: boolean;
}

interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): { start: number; samples: Float32Array };
  pop(): void;
  flush(): void;
  reset(): void;
}

/** Samples the engine takes per call; Silero v5 at 16 kHz accepts no other size. */
const WINDOW_SAMPLES = 512;
/** Context the v5 model adds to each window; the engine starts a segment two such windows before it is sure. */
const WINDOW_CONTEXT_SAMPLES = 64;
const SAMPLES_PER_MS = PERCEPTION_SAMPLE_RATE / 1000;
const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Voice activity detection with Silero VAD through sherpa-onnx (offline, CPU). `sherpa-onnx-node` is loaded on the
 * first call, and the model file is checked before the engine sees it, since the engine aborts the process on a
 * corrupt model.
 */
export function createSileroVad(options: SileroVadOptions = {}): SileroVoiceActivityDetector {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues);
    throw new FamiliarError('validation_failed', `invalid Silero VAD options: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  const settings = parsed.data;
  checkSileroModelFile(settings.modelPath);
  const sherpa = loadSherpaOnnx();
  const config: SherpaVadConfig = {
    sileroVad: {
      model: settings.modelPath,
      threshold: settings.threshold,
      minSilenceDuration: settings.minSilenceMs / 1000,
      minSpeechDuration: settings.minSpeechMs / 1000,
      maxSpeechDuration: (settings.maxSpeechMs * 0.8) / 1000,
      windowSize: WINDOW_SAMPLES,
    },
    sampleRate: PERCEPTION_SAMPLE_RATE,
    numThreads: settings.numThreads,
    provider: 'cpu',
    debug: false,
  };
  const bufferSeconds = (settings.maxSpeechMs + settings.minSilenceMs) / 1000 + 2;
  const idleEngines: SherpaVad[] = [new sherpa.Vad(config, bufferSeconds)];
  const newEngine = () => {
    checkSileroModelFile(settings.modelPath);
    return new sherpa.Vad(config, bufferSeconds);
  };
  return {
    name: `silero-vad (sherpa-onnx ${sherpa.version})`,
    createSession() {
      const engine = idleEngines.pop() ?? newEngine();
      return createSileroSession(engine, settings, (finished) => {
        finished.reset();
        idleEngines.push(finished);
      });
    },
  };
}

function loadSherpaOnnx(): SherpaOnnxModule {
  try {
    return createRequire(import.meta.url)('sherpa-onnx-node') as SherpaOnnxModule;
  } catch (error) {
    throw new FamiliarError(
      'internal',
      'voice activity detection needs sherpa-onnx-node: run `npm install sherpa-onnx-node` in packages/server',
      { cause: error },
    );
  }
}

function createSileroSession(
  engine: SherpaVad,
  settings: ResolvedOptions,
  release: (engine: SherpaVad) => void,
): SileroVadSession {
  const padSamples = Math.round(settings.padMs * SAMPLES_PER_MS);
  const maxSpeechSamples = Math.round(settings.maxSpeechMs * SAMPLES_PER_MS);
  const resetEngineAfterSamples = Math.round(settings.resetEngineAfterMs * SAMPLES_PER_MS);
  // The engine starts a segment at most this far before the end of the window in which it detects speech.
  const lookBackSamples =
    2 * (WINDOW_SAMPLES + WINDOW_CONTEXT_SAMPLES) +
    Math.floor(settings.minSpeechMs * SAMPLES_PER_MS) +
    WINDOW_SAMPLES;
  const history = new SampleHistory();
  const window = new Int16Array(WINDOW_SAMPLES);
  const floatWindow = new Float32Array(WINDOW_SAMPLES);
  let windowFill = 0;
  let fed = 0;
  let engineOrigin = 0;
  let openSince: number | null = null;
  let lastEnd = 0;
  let finished = false;

  // Padding never reaches into the previous segment: the speech there was already given out with it.
  const emit = (start: number, end: number, out: SpeechSegment[]) => {
    const paddedStart = Math.max(start - padSamples, lastEnd, history.start);
    const paddedEnd = Math.min(end + padSamples, fed);
    if (paddedEnd <= paddedStart) return;
    out.push({
      startMs: paddedStart / SAMPLES_PER_MS,
      endMs: paddedEnd / SAMPLES_PER_MS,
      samples: history.copy(paddedStart, paddedEnd),
    });
    lastEnd = paddedEnd;
  };

  // A flushed segment stops one window short of what the engine was fed; at the end of the audio it runs to the end.
  const drain = (out: SpeechSegment[], atEndOfAudio = false) => {
    while (!engine.isEmpty()) {
      const segment = engine.front(false);
      engine.pop();
      const start = engineOrigin + segment.start;
      const end = start + segment.samples.length;
      emit(start, atEndOfAudio && end >= history.end - WINDOW_SAMPLES ? fed : end, out);
    }
  };

  const processWindow = (out: SpeechSegment[]) => {
    for (let i = 0; i < WINDOW_SAMPLES; i += 1) floatWindow[i] = window[i]! / 32768;
    engine.acceptWaveform(floatWindow);
    windowFill = 0;
    const windowEnd = history.end;
    drain(out);
    if (engine.isDetected()) {
      openSince ??= windowEnd - lookBackSamples;
      if (windowEnd - openSince >= maxSpeechSamples) {
        engine.flush();
        drain(out);
        openSince = null;
      }
    } else {
      openSince = null;
      if (windowEnd - engineOrigin >= resetEngineAfterSamples && engine.isEmpty()) {
        engine.reset();
        engineOrigin = windowEnd;
      }
    }
    history.discardBefore((openSince ?? windowEnd - lookBackSamples) - padSamples);
  };

  return {
    get bufferedSamples() {
      return history.length;
    },
    accept(samples) {
      if (finished)
        throw new FamiliarError('validation_failed', 'this VAD session is finished; start a new one');
      const out: SpeechSegment[] = [];
      let offset = 0;
      while (offset < samples.length) {
        const take = Math.min(WINDOW_SAMPLES - windowFill, samples.length - offset);
        const piece = samples.subarray(offset, offset + take);
        window.set(piece, windowFill);
        history.append(piece);
        windowFill += take;
        fed += take;
        offset += take;
        if (windowFill === WINDOW_SAMPLES) processWindow(out);
      }
      return out;
    },
    finish() {
      if (finished) return [];
      finished = true;
      const out: SpeechSegment[] = [];
      if (windowFill > 0) {
        // The engine only takes whole windows: the rest is padded with silence, and segments end at the real audio.
        window.fill(0, windowFill);
        history.append(window.subarray(windowFill));
        processWindow(out);
      }
      engine.flush();
      drain(out, true);
      history.discardBefore(history.end);
      release(engine);
      return out;
    },
  };
}

/** Int16 samples from `start` to `end` (absolute sample indexes), appended at the end and discarded at the start. */
class SampleHistory {
  private buffer = new Int16Array(PERCEPTION_SAMPLE_RATE * 4);
  private offset = 0;
  start = 0;
  length = 0;

  get end(): number {
    return this.start + this.length;
  }

  append(samples: Int16Array): void {
    const needed = this.length + samples.length;
    if (this.offset + needed > this.buffer.length) {
      if (needed * 2 > this.buffer.length) {
        const grown = new Int16Array(Math.max(this.buffer.length * 2, needed * 2));
        grown.set(this.buffer.subarray(this.offset, this.offset + this.length));
        this.buffer = grown;
      } else {
        this.buffer.copyWithin(0, this.offset, this.offset + this.length);
      }
      this.offset = 0;
    }
    this.buffer.set(samples, this.offset + this.length);
    this.length = needed;
  }

  discardBefore(index: number): void {
    const count = Math.min(Math.max(0, index - this.start), this.length);
    this.offset += count;
    this.start += count;
    this.length -= count;
  }

  copy(from: number, to: number): Int16Array {
    return this.buffer.slice(this.offset + from - this.start, this.offset + to - this.start);
  }
}

const SILERO_V5 = { inputs: ['input', 'state', 'sr'], outputs: ['output', 'stateN'] };
const SILERO_V4 = { inputs: ['input', 'sr', 'h', 'c'], outputs: ['output', 'hn', 'cn'] };

/**
 * Checks that a file is an ONNX model with the inputs and outputs of Silero VAD v4 or v5. sherpa-onnx aborts the
 * whole process (not a catchable error) on a file that is not ONNX, and exits on an ONNX model of another kind.
 */
export function checkSileroModelFile(path: string): void {
  function fail(problem: string, cause?: unknown): never {
    throw new FamiliarError(
      'validation_failed',
      `the Silero VAD model ${path} ${problem}; use silero_vad.onnx (v4 or v5), or leave the model path unset for the bundled one`,
      { details: { modelPath: path }, cause },
    );
  }
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) fail('is not a file');
    size = stat.size;
  } catch (error) {
    if (error instanceof FamiliarError) throw error;
    fail('cannot be read (missing?)', error);
  }
  if (size > MAX_MODEL_BYTES) fail(`is ${size} bytes, far larger than a Silero VAD model`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    fail('cannot be read', error);
  }
  const names = readOnnxGraphNames(bytes);
  if (names === null) fail('is not a valid ONNX model (corrupt or truncated)');
  const { inputs, outputs } = names;
  const matches = (expected: { inputs: string[]; outputs: string[] }) =>
    sameNames(inputs, expected.inputs) && sameNames(outputs, expected.outputs);
  if (!matches(SILERO_V5) && !matches(SILERO_V4))
    fail(`is an ONNX model but not Silero VAD (inputs ${inputs.join(', ')}; outputs ${outputs.join(', ')})`);
}

function sameNames(actual: string[], expected: string[]): boolean {
  return actual.length === expected.length && actual.every((name, i) => name === expected[i]);
}

// Field numbers of onnx.proto: ModelProto.ir_version, ModelProto.graph, GraphProto.initializer, GraphProto.input,
// GraphProto.output, ValueInfoProto.name, TensorProto.name.
const MODEL_IR_VERSION = 1;
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
const TENSOR_NAME = 8;

/**
 * Walks the protobuf of an ONNX model far enough to find the graph's inputs (less initializers) and outputs;
 * null when the bytes are not a well-formed ModelProto with exactly one graph.
 */
function readOnnxGraphNames(bytes: Uint8Array): { inputs: string[]; outputs: string[] } | null {
  let graph: Field | null = null;
  let hasIrVersion = false;
  const topLevel = readFields(bytes, 0, bytes.length);
  if (topLevel === null) return null;
  for (const field of topLevel) {
    if (field.number === MODEL_IR_VERSION && field.wireType === 0) hasIrVersion = true;
    if (field.number === MODEL_GRAPH) {
      if (graph !== null || field.wireType !== 2) return null;
      graph = field;
    }
  }
  if (!hasIrVersion || graph === null) return null;
  const graphFields = readFields(bytes, graph.start, graph.end);
  if (graphFields === null) return null;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const nameOf = (field: Field, nameField: number): string | null => {
    if (field.wireType !== 2) return null;
    const inner = readFields(bytes, field.start, field.end);
    const name = inner?.find((item) => item.number === nameField && item.wireType === 2);
    if (!name) return null;
    try {
      return decoder.decode(bytes.subarray(name.start, name.end));
    } catch {
      return null;
    }
  };
  const inputs: string[] = [];
  const outputs: string[] = [];
  const initializers = new Set<string>();
  for (const field of graphFields) {
    if (field.number !== GRAPH_INPUT && field.number !== GRAPH_OUTPUT && field.number !== GRAPH_INITIALIZER)
      continue;
    const name = nameOf(field, field.number === GRAPH_INITIALIZER ? TENSOR_NAME : VALUE_INFO_NAME);
    if (name === null) return null;
    if (field.number === GRAPH_INPUT) inputs.push(name);
    else if (field.number === GRAPH_OUTPUT) outputs.push(name);
    else initializers.add(name);
  }
  return { inputs: inputs.filter((name) => !initializers.has(name)), outputs };
}

interface Field {
  number: number;
  wireType: number;
  /** Byte range of a length-delimited value (wire type 2); empty otherwise. */
  start: number;
  end: number;
}

/** The fields of one protobuf message in `bytes[start, end)`, or null when it is malformed. */
function readFields(bytes: Uint8Array, start: number, end: number): Field[] | null {
  const fields: Field[] = [];
  let at = start;
  while (at < end) {
    const key = readVarint(bytes, at, end);
    if (key === null) return null;
    at = key.next;
    const number = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (number === 0) return null;
    if (wireType === 0) {
      const value = readVarint(bytes, at, end);
      if (value === null) return null;
      at = value.next;
      fields.push({ number, wireType, start: at, end: at });
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
      if (at > end) return null;
      fields.push({ number, wireType, start: at, end: at });
    } else if (wireType === 2) {
      const length = readVarint(bytes, at, end);
      if (length === null || length.next + length.value > end) return null;
      fields.push({ number, wireType, start: length.next, end: length.next + length.value });
      at = length.next + length.value;
    } else {
      return null;
    }
  }
  return fields;
}

function readVarint(bytes: Uint8Array, start: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let at = start; at < end && at < start + 10; at += 1) {
    const byte = bytes[at]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value > Number.MAX_SAFE_INTEGER ? null : { value, next: at + 1 };
    scale *= 128;
  }
  return null;
}
