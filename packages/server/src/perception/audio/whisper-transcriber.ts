import { open, readFile, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { z } from 'zod';
import { FamiliarError } from '../../kernel/index.ts';
import { PERCEPTION_SAMPLE_RATE, type Transcriber, type TranscriptSegment } from '../ports.ts';

export interface WhisperTranscriberOptions {
  /** A Whisper encoder exported for sherpa-onnx (`tiny.en-encoder.onnx`, `small-encoder.int8.onnx`, …). */
  encoder: string;
  /** The matching decoder (`tiny.en-decoder.onnx`, …). */
  decoder: string;
  /** The matching `*-tokens.txt`. */
  tokens: string;
  /** Language when a call names none (ISO 639-1); unset lets a multilingual model detect it. */
  language?: string;
  task?: 'transcribe' | 'translate';
  /** onnxruntime threads; set it explicitly so decoding does not contend with the event loop's thread. */
  numThreads: number;
  provider?: 'cpu' | 'cuda' | 'coreml';
  /** Loads `sherpa-onnx-node`; tests pass a fake. Called on the first transcription only. */
  loadSherpa?: () => SherpaOnnxModule;
}

/** The part of `sherpa-onnx-node` (which ships no types) that this adapter uses. */
export interface SherpaOnnxModule {
  OfflineRecognizer: {
    createAsync(config: SherpaOfflineRecognizerConfig): Promise<SherpaOfflineRecognizer>;
  };
}

interface SherpaOfflineRecognizerConfig {
  featConfig: { sampleRate: number; featureDim: number };
  modelConfig: {
    whisper: { encoder: string; decoder: string; language: string; task: string };
    tokens: string;
    numThreads: number;
    provider: string;
    debug: number;
  };
}

interface SherpaOfflineRecognizer {
  createStream(): { acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void };
  setConfig(config: SherpaOfflineRecognizerConfig): void;
  decodeAsync(stream: ReturnType<SherpaOfflineRecognizer['createStream']>): Promise<unknown>;
}

/** What the model files say about themselves. */
export interface WhisperModelInfo {
  /** `model_type` from the encoder's metadata, e.g. `tiny.en`. */
  modelType: string | null;
  multilingual: boolean;
  /** Language codes a multilingual model accepts (empty for English-only models). */
  languages: string[];
}

/** Metadata that sherpa-onnx reads from a Whisper encoder; without any of it, sherpa-onnx ends the process. */
const REQUIRED_ENCODER_METADATA = [
  'n_mels',
  'n_text_layer',
  'n_text_ctx',
  'n_text_state',
  'n_vocab',
  'sot',
  'eot',
  'blank_id',
  'translate',
  'transcribe',
  'is_multilingual',
  'no_timestamps',
  'no_speech',
] as const;

/** Top-level fields of an ONNX `ModelProto` and their protobuf wire types (0 varint, 2 length-delimited). */
const MODEL_PROTO_FIELDS: Record<number, 0 | 2> = {
  1: 0, // ir_version
  2: 2, // producer_name
  3: 2, // producer_version
  4: 2, // domain
  5: 0, // model_version
  6: 2, // doc_string
  7: 2, // graph
  8: 2, // opset_import
  14: 2, // metadata_props
  20: 2, // training_info
  25: 2, // functions
};
const MAX_TOP_LEVEL_FIELDS = 10_000;
const MAX_METADATA_ENTRY_BYTES = 4 * 1024 * 1024;
/** sherpa-onnx decodes at most 30 s per stream; longer segments are cut into pieces of this length. */
const MAX_PIECE_SAMPLES = 29 * PERCEPTION_SAMPLE_RATE;

function badModel(role: string, path: string, problem: string, cause?: unknown): FamiliarError {
  return new FamiliarError('validation_failed', `the Whisper ${role} ${path} ${problem}`, {
    details: { file: path, role },
    ...(cause === undefined ? {} : { cause }),
  });
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 10 && at + i < bytes.length; i += 1) {
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}

/** Reads the key and value of a `StringStringEntryProto` (`metadata_props` entry). */
function readMetadataEntry(bytes: Uint8Array): [string, string] | null {
  let key: string | null = null;
  let value = '';
  let at = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (!tag || tag.value % 8 !== 2) return null;
    const length = readVarint(bytes, tag.next);
    if (!length || length.next + length.value > bytes.length) return null;
    const text = decoder.decode(bytes.subarray(length.next, length.next + length.value));
    const field = Math.floor(tag.value / 8);
    if (field === 1) key = text;
    else if (field === 2) value = text;
    at = length.next + length.value;
  }
  return key === null ? null : [key, value];
}

/**
 * Checks that a file is an ONNX model (a protobuf `ModelProto` with an IR version and a graph, every top-level
 * field well-formed and inside the file) and returns its metadata, reading only field headers: cheap even for
 * gigabyte models. onnxruntime aborts the whole process on a file that fails to parse, so this runs first.
 */
export async function readOnnxMetadata(path: string, role = 'model'): Promise<Map<string, string>> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw badModel(role, path, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`, cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw badModel(role, path, 'is not a file');
    const size = stats.size;
    const notOnnx = (problem: string) => badModel(role, path, `is not an ONNX model (${problem})`);
    if (size < 8) throw notOnnx('too small');
    const metadata = new Map<string, string>();
    const header = new Uint8Array(24);
    let irVersion: number | null = null;
    let hasGraph = false;
    let offset = 0;
    for (let fields = 0; offset < size; fields += 1) {
      if (fields >= MAX_TOP_LEVEL_FIELDS) throw notOnnx('too many top-level fields');
      const { bytesRead } = await handle.read(header, 0, header.length, offset);
      const view = header.subarray(0, bytesRead);
      const tag = readVarint(view, 0);
      const field = tag ? Math.floor(tag.value / 8) : 0;
      const wireType = tag ? tag.value % 8 : -1;
      if (!tag || MODEL_PROTO_FIELDS[field] !== wireType)
        throw notOnnx(`unexpected data at byte ${offset}: not a protobuf ModelProto`);
      const value = readVarint(view, tag.next);
      if (!value) throw notOnnx(`malformed field at byte ${offset}`);
      if (wireType === 0) {
        if (field === 1) irVersion = value.value;
        offset += value.next;
        continue;
      }
      const start = offset + value.next;
      const end = start + value.value;
      if (end > size)
        throw notOnnx(`truncated: a field at byte ${offset} ends after the file's ${size} bytes`);
      if (field === 7) hasGraph = true;
      if (field === 14 && value.value <= MAX_METADATA_ENTRY_BYTES) {
        const entry = new Uint8Array(value.value);
        await handle.read(entry, 0, entry.length, start);
        let parsed: [string, string] | null;
        try {
          parsed = readMetadataEntry(entry);
        } catch {
          parsed = null;
        }
        if (!parsed) throw notOnnx(`malformed metadata entry at byte ${offset}`);
        metadata.set(parsed[0], parsed[1]);
      }
      offset = end;
    }
    if (irVersion === null || irVersion < 1 || irVersion > 100) throw notOnnx('no valid IR version');
    if (!hasGraph) throw notOnnx('no graph');
    return metadata;
  } finally {
    await handle.close();
  }
}

async function checkTokens(path: string): Promise<void> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.includes(0))
      throw badModel('tokens file', path, 'is binary, not a tokens.txt (lines "<token> <id>")');
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    if (cause instanceof FamiliarError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw badModel(
      'tokens file',
      path,
      code === 'ENOENT' ? 'does not exist' : code ? `cannot be read (${code})` : 'is not UTF-8 text',
      cause,
    );
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const bad = lines.findIndex((line) => !/^(\S+\s+)?\d+\s*$/.test(line));
  if (lines.length === 0 || bad !== -1)
    throw badModel(
      'tokens file',
      path,
      lines.length === 0 ? 'is empty' : `is not a tokens.txt: line ${bad + 1} is not "<token> <id>"`,
    );
}

function integerList(value: string | undefined): number[] | null {
  if (value === undefined) return null;
  const items = value.split(',').map((item) => item.trim());
  return items.every((item) => /^-?\d+$/.test(item)) ? items.map(Number) : null;
}

/**
 * Checks the three files of a sherpa-onnx Whisper model without loading it: each exists, the encoder and decoder
 * are ONNX, the encoder carries the metadata sherpa-onnx's Whisper export adds, the tokens file is a token list.
 * Throws a `validation_failed` error naming the bad file.
 */
export async function inspectWhisperModel(
  files: Pick<WhisperTranscriberOptions, 'encoder' | 'decoder' | 'tokens'>,
): Promise<WhisperModelInfo> {
  const metadata = await readOnnxMetadata(files.encoder, 'encoder');
  const missing = REQUIRED_ENCODER_METADATA.filter((key) => !/^-?\d+$/.test(metadata.get(key)?.trim() ?? ''));
  const sotSequence = integerList(metadata.get('sot_sequence'));
  if (missing.length > 0 || !sotSequence)
    throw badModel(
      'encoder',
      files.encoder,
      `is not a Whisper encoder exported for sherpa-onnx: its metadata lacks ${[...missing, ...(sotSequence ? [] : ['sot_sequence'])].join(', ')} (use the *-encoder.onnx of a sherpa-onnx Whisper model, e.g. sherpa-onnx-whisper-tiny.en)`,
    );
  const multilingual = metadata.get('is_multilingual')?.trim() !== '0';
  let languages: string[] = [];
  if (multilingual) {
    const tokens = integerList(metadata.get('all_language_tokens'));
    languages = (metadata.get('all_language_codes') ?? '')
      .split(',')
      .map((code) => code.trim())
      .filter((code) => code.length > 0);
    if (!tokens || tokens.length === 0 || tokens.length !== languages.length)
      throw badModel(
        'encoder',
        files.encoder,
        'is a multilingual Whisper encoder whose language metadata (all_language_tokens, all_language_codes) is missing or inconsistent',
      );
  }
  await readOnnxMetadata(files.decoder, 'decoder');
  const [encoderPath, decoderPath] = await Promise.all([realpath(files.encoder), realpath(files.decoder)]);
  if (encoderPath === decoderPath)
    throw badModel('decoder', files.decoder, 'is the same file as the encoder: pass the *-decoder.onnx');
  await checkTokens(files.tokens);
  return { modelType: metadata.get('model_type') ?? null, multilingual, languages };
}

function primaryLanguage(language: string): string {
  return language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

const resultSchema = z.object({ text: z.string(), lang: z.string().optional() });

const requireFromHere = createRequire(import.meta.url);

function loadSherpaOnnx(): SherpaOnnxModule {
  try {
    return requireFromHere('sherpa-onnx-node') as SherpaOnnxModule;
  } catch (cause) {
    throw new FamiliarError(
      'validation_failed',
      'sherpa-onnx-node could not be loaded; install it with `npm install sherpa-onnx-node` (its linux-x64, darwin or win-x64 binary package must match this machine)',
      { cause },
    );
  }
}

/**
 * Speech recognition with a Whisper model the user supplies (sherpa-onnx export: encoder, decoder, tokens),
 * decoded by sherpa-onnx off the main thread. sherpa-onnx is loaded, and the model checked and loaded, on the
 * first call. Transcripts carry no word times (sherpa-onnx 1.13's Node binding gives none for Whisper); calls run
 * one at a time; an aborted call's decode still runs to its end, its result discarded.
 */
export function createWhisperTranscriber(options: WhisperTranscriberOptions): Transcriber {
  const {
    encoder,
    decoder,
    tokens,
    language: defaultLanguage,
    task = 'transcribe',
    numThreads,
    provider = 'cpu',
    loadSherpa = loadSherpaOnnx,
  } = options;
  if (!Number.isInteger(numThreads) || numThreads < 1)
    throw new FamiliarError(
      'validation_failed',
      `numThreads must be a whole number of at least 1, not ${numThreads}`,
    );

  const config = (language: string): SherpaOfflineRecognizerConfig => ({
    featConfig: { sampleRate: PERCEPTION_SAMPLE_RATE, featureDim: 80 },
    modelConfig: { whisper: { encoder, decoder, language, task }, tokens, numThreads, provider, debug: 0 },
  });

  let info: WhisperModelInfo | null = null;
  let loading: Promise<{ recognizer: SherpaOfflineRecognizer; language: string }> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  /** The language to ask sherpa-onnx for: '' (detect) or a code the model knows; anything else would end the process. */
  const resolveLanguage = (model: WhisperModelInfo, requested: string | undefined): string => {
    if (requested === undefined || requested.trim() === '') return model.multilingual ? '' : 'en';
    const code = primaryLanguage(requested);
    if (!model.multilingual) {
      if (code === 'en') return 'en';
      throw new FamiliarError(
        'validation_failed',
        `the Whisper model ${basename(encoder)} is English-only and cannot transcribe language "${requested}"`,
        { details: { language: requested } },
      );
    }
    if (!model.languages.includes(code))
      throw new FamiliarError(
        'validation_failed',
        `the Whisper model ${basename(encoder)} does not know language "${requested}"; it knows ${model.languages.join(', ')}`,
        { details: { language: requested } },
      );
    return code;
  };

  const load = (model: WhisperModelInfo) => {
    loading ??= (async () => {
      const sherpa = loadSherpa();
      const language = resolveLanguage(model, defaultLanguage);
      try {
        return { recognizer: await sherpa.OfflineRecognizer.createAsync(config(language)), language };
      } catch (cause) {
        throw new FamiliarError(
          'validation_failed',
          `sherpa-onnx could not load the Whisper model ${encoder}: ${(cause as Error).message}`,
          { cause, details: { file: encoder } },
        );
      }
    })();
    loading.catch(() => {
      loading = null;
    });
    return loading;
  };

  const decodePiece = async (
    recognizer: SherpaOfflineRecognizer,
    samples: Int16Array,
  ): Promise<{ text: string; lang?: string | undefined }> => {
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i += 1) floats[i] = samples[i]! / 32768;
    const stream = recognizer.createStream();
    stream.acceptWaveform({ samples: floats, sampleRate: PERCEPTION_SAMPLE_RATE });
    const parsed = resultSchema.safeParse(await recognizer.decodeAsync(stream));
    if (!parsed.success)
      throw new FamiliarError('internal', 'sherpa-onnx returned a Whisper result without text', {
        details: parsed.error.issues.map((issue) => issue.message),
      });
    return parsed.data;
  };

  const transcribeNow = async (samples: Int16Array, language: string | undefined, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    info ??= await inspectWhisperModel({ encoder, decoder, tokens });
    const wanted = resolveLanguage(info, language ?? defaultLanguage);
    const loaded = await load(info);
    signal?.throwIfAborted();
    if (loaded.language !== wanted) {
      loaded.recognizer.setConfig(config(wanted));
      loaded.language = wanted;
    }
    const segments: TranscriptSegment[] = [];
    for (let start = 0; start < samples.length; start += MAX_PIECE_SAMPLES) {
      const piece = samples.subarray(start, Math.min(samples.length, start + MAX_PIECE_SAMPLES));
      const result = await decodePiece(loaded.recognizer, piece);
      signal?.throwIfAborted();
      const text = result.text.replace(/\s+/g, ' ').trim();
      if (text.length === 0) continue;
      const startMs = Math.round((start / PERCEPTION_SAMPLE_RATE) * 1000);
      const endMs = Math.round(((start + piece.length) / PERCEPTION_SAMPLE_RATE) * 1000);
      segments.push({ text, startMs, endMs });
    }
    return segments;
  };

  return {
    engine: 'whisper',
    model: basename(encoder),
    lowAccuracy: false,

    transcribe(samples, { language, signal } = {}) {
      if (samples.length === 0) return Promise.resolve([]);
      const run = queue.then(() => transcribeNow(samples, language, signal));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
