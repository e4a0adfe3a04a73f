import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { FamiliarError } from '../../kernel/index.ts';
import { readOnnxMetadata } from '../audio/whisper-transcriber.ts';
import { PERCEPTION_SAMPLE_RATE, type SpeakerEmbedder } from '../ports.ts';

export interface SherpaSpeakerEmbedderOptions {
  /** A speaker-embedding model exported for sherpa-onnx (3D-Speaker, WeSpeaker or NeMo `.onnx`). */
  model: string;
  /** onnxruntime threads. */
  numThreads?: number;
  /** Loads `sherpa-onnx-node`; tests pass a fake. Called on the first embedding only. */
  loadSherpa?: () => SherpaSpeakerModule;
}

/** What a speaker-embedding model says about itself in its metadata. */
export interface SpeakerModelInfo {
  framework: 'wespeaker' | '3d-speaker' | 'nemo';
  /** Length of its embeddings. */
  dimension: number;
  /** Sample rate it was trained on (sherpa-onnx resamples 16 kHz audio to it). */
  sampleRate: number;
  language: string;
}

/** The part of `sherpa-onnx-node` (which ships no types) that this adapter uses. */
export interface SherpaSpeakerModule {
  SpeakerEmbeddingExtractor: new (config: {
    model: string;
    numThreads: number;
    debug: boolean;
    provider: string;
  }) => SherpaSpeakerEmbeddingExtractor;
}

interface SherpaSpeakerStream {
  acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}

interface SherpaSpeakerEmbeddingExtractor {
  readonly dim: number;
  createStream(): SherpaSpeakerStream;
  isReady(stream: SherpaSpeakerStream): boolean;
  compute(stream: SherpaSpeakerStream): Float32Array;
}

/** The sherpa-onnx embedder, which can also check its model file without loading it. */
export interface SherpaSpeakerEmbedder extends SpeakerEmbedder {
  /** The model file's base name: voiceprints are matched only against those made by the same name. */
  readonly name: string;
  /** From the model's metadata; 0 until the model was checked (by `inspect` or the first `embed`). */
  readonly dimension: number;
  /** Checks the model file without loading it (cheap: reads its headers); rejects with a `validation_failed` error naming the file. */
  inspect(): Promise<SpeakerModelInfo>;
}

const ROLE = 'speaker-embedding model';
const WINDOW_TYPES = new Set(['hann', 'hanning', 'hamming', 'povey', 'rectangular', 'sine', 'blackman']);
const FEATURE_NORMALIZATION: Record<SpeakerModelInfo['framework'], string> = {
  wespeaker: 'global-mean',
  '3d-speaker': 'global-mean',
  nemo: 'per_feature',
};
const REQUIRED_INTEGERS: Record<SpeakerModelInfo['framework'], readonly string[]> = {
  wespeaker: ['output_dim', 'sample_rate', 'normalize_samples'],
  '3d-speaker': ['output_dim', 'sample_rate', 'normalize_samples'],
  nemo: ['output_dim', 'feat_dim', 'sample_rate', 'window_size_ms', 'window_stride_ms'],
};

function badModel(path: string, problem: string, cause?: unknown): FamiliarError {
  return new FamiliarError(
    'validation_failed',
    `the ${ROLE} ${path} ${problem}; FAMILIAR_SPEAKER_MODEL needs a sherpa-onnx speaker-embedding .onnx (a 3D-Speaker, WeSpeaker or NeMo export)`,
    { details: { file: path }, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * Checks a speaker-embedding model without loading it: the file is an ONNX model whose metadata holds everything
 * sherpa-onnx reads (it ends the process on a missing or bad entry, and crashes on a model of another kind).
 * Throws a `validation_failed` error naming the file. The graph itself is not checked: a model whose metadata
 * lies can still fail inside onnxruntime.
 */
export async function inspectSpeakerModel(path: string): Promise<SpeakerModelInfo> {
  let metadata: Map<string, string>;
  try {
    metadata = await readOnnxMetadata(path, ROLE);
  } catch (cause) {
    if (!(cause instanceof FamiliarError)) throw cause;
    // readOnnxMetadata words its errors for Whisper files; keep only the problem.
    const prefix = `the Whisper ${ROLE} ${path} `;
    const problem = cause.message.startsWith(prefix) ? cause.message.slice(prefix.length) : cause.message;
    throw badModel(path, problem, cause);
  }
  const framework = metadata.get('framework')?.trim() ?? '';
  if (framework !== 'wespeaker' && framework !== '3d-speaker' && framework !== 'nemo')
    throw badModel(
      path,
      framework === ''
        ? 'is an ONNX model but not a speaker-embedding model for sherpa-onnx (its metadata has no "framework")'
        : `is a "${framework}" model; sherpa-onnx embeds speakers with wespeaker, 3d-speaker or nemo models only`,
    );
  const integers = new Map<string, number>();
  const missing: string[] = [];
  for (const key of REQUIRED_INTEGERS[framework]) {
    const value = metadata.get(key)?.trim() ?? '';
    if (/^\d+$/.test(value)) integers.set(key, Number(value));
    else missing.push(key);
  }
  const language = metadata.get('language') ?? '';
  if (language === '') missing.push('language');
  if (missing.length > 0)
    throw badModel(path, `lacks metadata sherpa-onnx needs: ${missing.join(', ')} (a whole number each)`);
  const zero = REQUIRED_INTEGERS[framework].filter(
    (key) => key !== 'normalize_samples' && !integers.get(key),
  );
  if (zero.length > 0) throw badModel(path, `has metadata ${zero.join(', ')} of 0`);
  const normalization = metadata.get('feature_normalize_type') ?? '';
  if (normalization !== '' && normalization !== FEATURE_NORMALIZATION[framework])
    throw badModel(path, `has a feature_normalize_type "${normalization}" that sherpa-onnx cannot apply`);
  const windowType = metadata.get('window_type') ?? '';
  if (framework === 'nemo' && windowType !== '' && !WINDOW_TYPES.has(windowType))
    throw badModel(path, `has a window_type "${windowType}" that sherpa-onnx does not know`);
  return {
    framework,
    dimension: integers.get('output_dim')!,
    sampleRate: integers.get('sample_rate')!,
    language,
  };
}

const requireFromHere = createRequire(import.meta.url);

function loadSherpaOnnx(): SherpaSpeakerModule {
  try {
    return requireFromHere('sherpa-onnx-node') as SherpaSpeakerModule;
  } catch (cause) {
    throw new FamiliarError(
      'validation_failed',
      'sherpa-onnx-node could not be loaded; install it with `npm install sherpa-onnx-node` (its linux-x64, darwin or win-x64 binary package must match this machine)',
      { cause },
    );
  }
}

/**
 * Voice embeddings with a speaker-embedding model the user supplies, through sherpa-onnx (offline, CPU).
 * sherpa-onnx is loaded, and the model checked and loaded, on the first embedding. Embedding runs on the calling
 * thread (sherpa-onnx 1.13 offers no asynchronous call for it): about as long as the model takes on the audio.
 */
export function createSherpaSpeakerEmbedder(options: SherpaSpeakerEmbedderOptions): SherpaSpeakerEmbedder {
  const { model, numThreads = 1, loadSherpa = loadSherpaOnnx } = options;
  if (!Number.isInteger(numThreads) || numThreads < 1)
    throw new FamiliarError(
      'validation_failed',
      `numThreads must be a whole number of at least 1, not ${numThreads}`,
    );
  let info: SpeakerModelInfo | null = null;
  let loading: Promise<SherpaSpeakerEmbeddingExtractor> | null = null;

  const inspect = async () => {
    info = await inspectSpeakerModel(model);
    return info;
  };

  // Checked again right before sherpa-onnx reads it: the file may have changed since an earlier `inspect`.
  const load = () => {
    loading ??= (async () => {
      const checked = await inspect();
      const sherpa = loadSherpa();
      let created: SherpaSpeakerEmbeddingExtractor;
      try {
        created = new sherpa.SpeakerEmbeddingExtractor({ model, numThreads, debug: false, provider: 'cpu' });
      } catch (cause) {
        throw badModel(model, `could not be loaded by sherpa-onnx (${(cause as Error).message})`, cause);
      }
      if (created.dim !== checked.dimension)
        throw badModel(
          model,
          `gives ${created.dim}-dimensional embeddings, not the ${checked.dimension} it declares`,
        );
      return created;
    })();
    loading.catch(() => {
      loading = null;
    });
    return loading;
  };

  return {
    name: basename(model),
    get dimension() {
      return info?.dimension ?? 0;
    },
    inspect,
    async embed(samples) {
      const loaded = await load();
      const floats = new Float32Array(samples.length);
      for (let i = 0; i < samples.length; i += 1) floats[i] = samples[i]! / 32768;
      const stream = loaded.createStream();
      stream.acceptWaveform({ samples: floats, sampleRate: PERCEPTION_SAMPLE_RATE });
      stream.inputFinished();
      // Computing on a stream with no frames would read past the end of sherpa-onnx's result.
      if (!loaded.isReady(stream))
        throw new FamiliarError(
          'validation_failed',
          `${samples.length} samples are too short for a voice embedding`,
        );
      const embedding = Float32Array.from(loaded.compute(stream));
      if (!embedding.every(Number.isFinite))
        throw new FamiliarError('internal', `the ${ROLE} ${model} gave an embedding that is not finite`);
      return embedding;
    },
  };
}
