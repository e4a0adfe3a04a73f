import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sileroVadModelPath } from '@familiar/silero-vad-model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWhisperTranscriber,
  inspectWhisperModel,
  readOnnxMetadata,
  type SherpaOnnxModule,
} from './whisper-transcriber.ts';

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(field: number, payload: Uint8Array | string): number[] {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
}

/** A minimal ONNX ModelProto (IR version, producer, an empty graph, opset, metadata): enough for the header check. */
function onnxModel(metadata: Record<string, string>): Uint8Array {
  const bytes = [
    ...varint(1 * 8),
    ...varint(8),
    ...lengthDelimited(2, 'familiar-test'),
    ...lengthDelimited(7, new Uint8Array(lengthDelimited(2, 'graph'))),
    ...lengthDelimited(8, new Uint8Array([...varint(2 * 8), ...varint(13)])),
  ];
  for (const [key, value] of Object.entries(metadata))
    bytes.push(
      ...lengthDelimited(14, new Uint8Array([...lengthDelimited(1, key), ...lengthDelimited(2, value)])),
    );
  return new Uint8Array(bytes);
}

const WHISPER_METADATA = {
  model_type: 'tiny',
  n_mels: '80',
  n_text_layer: '4',
  n_text_ctx: '448',
  n_text_state: '384',
  n_vocab: '51865',
  sot: '50258',
  eot: '50257',
  blank_id: '220',
  translate: '50358',
  transcribe: '50359',
  is_multilingual: '1',
  no_timestamps: '50363',
  no_speech: '50362',
  sot_sequence: '50258,50259,50359',
  all_language_tokens: '50259,50261',
  all_language_codes: 'en,de',
};

describe('Whisper transcriber (sherpa-onnx)', () => {
  let root: string;
  let files: { encoder: string; decoder: string; tokens: string };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'familiar-whisper-test-'));
    files = {
      encoder: join(root, 'tiny-encoder.onnx'),
      decoder: join(root, 'tiny-decoder.onnx'),
      tokens: join(root, 'tiny-tokens.txt'),
    };
    writeFileSync(files.encoder, onnxModel(WHISPER_METADATA));
    writeFileSync(files.decoder, onnxModel({}));
    writeFileSync(files.tokens, 'IQ== 0\nIg== 1\nIw== 2\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('loads without touching the model and names the encoder as its model', () => {
    const transcriber = createWhisperTranscriber({
      ...files,
      encoder: '/models/tiny.en-encoder.int8.onnx',
      numThreads: 2,
    });
    expect(transcriber).toMatchObject({
      engine: 'whisper',
      model: 'tiny.en-encoder.int8.onnx',
      lowAccuracy: false,
    });
    const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaOnnxModule;
    expect(typeof sherpa.OfflineRecognizer.createAsync).toBe('function');
  });

  // These run with the real sherpa-onnx loader: without the checks, onnxruntime would abort the test process.
  it('names a missing model file', async () => {
    const missing = join(root, 'small-encoder.onnx');
    const transcriber = createWhisperTranscriber({ ...files, encoder: missing, numThreads: 1 });
    await expect(transcriber.transcribe(new Int16Array(16_000))).rejects.toMatchObject({
      code: 'validation_failed',
      message: `the Whisper encoder ${missing} does not exist`,
    });
  });

  it('names a corrupt model file (random bytes) instead of crashing in onnxruntime', async () => {
    writeFileSync(files.decoder, randomBytes(64 * 1024));
    const transcriber = createWhisperTranscriber({ ...files, numThreads: 1 });
    await expect(transcriber.transcribe(new Int16Array(16_000))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(`the Whisper decoder ${files.decoder} is not an ONNX model`),
    });
    writeFileSync(files.encoder, randomBytes(64 * 1024));
    await expect(inspectWhisperModel(files)).rejects.toMatchObject({
      message: expect.stringContaining(`the Whisper encoder ${files.encoder} is not an ONNX model`),
    });
  });

  it('names a truncated model and an ONNX model that is not a sherpa-onnx Whisper encoder', async () => {
    const silero = readFileSync(sileroVadModelPath);
    expect(await readOnnxMetadata(sileroVadModelPath)).toBeInstanceOf(Map);
    writeFileSync(files.encoder, silero.subarray(0, silero.length >> 1));
    await expect(inspectWhisperModel(files)).rejects.toMatchObject({
      message: expect.stringMatching(/tiny-encoder\.onnx is not an ONNX model \(truncated/),
    });
    const transcriber = createWhisperTranscriber({ ...files, encoder: sileroVadModelPath, numThreads: 1 });
    await expect(transcriber.transcribe(new Int16Array(16_000))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(
        `${sileroVadModelPath} is not a Whisper encoder exported for sherpa-onnx`,
      ),
    });
  });

  it('names a bad tokens file and refuses the encoder passed as decoder', async () => {
    writeFileSync(files.tokens, randomBytes(1024));
    await expect(inspectWhisperModel(files)).rejects.toMatchObject({
      message: expect.stringContaining(`the Whisper tokens file ${files.tokens}`),
    });
    await expect(inspectWhisperModel({ ...files, decoder: files.encoder })).rejects.toMatchObject({
      message: expect.stringContaining('is the same file as the encoder'),
    });
  });

  it('refuses a language the model does not know before loading anything', async () => {
    const loads: string[] = [];
    const loadSherpa = (): SherpaOnnxModule => {
      loads.push('sherpa');
      throw new Error('must not load');
    };
    const multilingual = createWhisperTranscriber({ ...files, numThreads: 1, loadSherpa });
    await expect(multilingual.transcribe(new Int16Array(16_000), { language: 'fr' })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('knows en, de'),
    });
    writeFileSync(files.encoder, onnxModel({ ...WHISPER_METADATA, is_multilingual: '0' }));
    const english = createWhisperTranscriber({ ...files, numThreads: 1, loadSherpa });
    await expect(english.transcribe(new Int16Array(16_000), { language: 'de-AT' })).rejects.toMatchObject({
      message: expect.stringContaining('English-only'),
    });
    expect(loads).toEqual([]);
    expect(await inspectWhisperModel(files)).toEqual({
      modelType: 'tiny',
      multilingual: false,
      languages: [],
    });
  });

  it('decodes through sherpa-onnx with the configured threads and switches language per call', async () => {
    const configs: unknown[] = [];
    const decoded: Float32Array[] = [];
    let current = '';
    const fakeSherpa: SherpaOnnxModule = {
      OfflineRecognizer: {
        async createAsync(config) {
          configs.push(config);
          current = config.modelConfig.whisper.language;
          return {
            createStream: () => ({
              acceptWaveform: (wave: { samples: Float32Array; sampleRate: number }) =>
                decoded.push(wave.samples),
            }),
            setConfig(next) {
              configs.push(next);
              current = next.modelConfig.whisper.language;
            },
            decodeAsync: async () => ({
              text: current === 'de' ? ' Guten Morgen. ' : ' Good morning. ',
              lang: current,
            }),
          };
        },
      },
    };
    const transcriber = createWhisperTranscriber({ ...files, numThreads: 3, loadSherpa: () => fakeSherpa });
    const samples = new Int16Array(8000).fill(16384);
    expect(await transcriber.transcribe(samples)).toEqual([
      { text: 'Good morning.', startMs: 0, endMs: 500 },
    ]);
    expect(decoded[0]![0]).toBeCloseTo(0.5);
    expect(configs[0]).toMatchObject({
      modelConfig: {
        whisper: { encoder: files.encoder, decoder: files.decoder, language: '', task: 'transcribe' },
        tokens: files.tokens,
        numThreads: 3,
        provider: 'cpu',
      },
    });
    expect(await transcriber.transcribe(samples, { language: 'de' })).toEqual([
      { text: 'Guten Morgen.', startMs: 0, endMs: 500 },
    ]);
    expect(configs).toHaveLength(2);
    const long = await transcriber.transcribe(new Int16Array(40 * 16_000), { language: 'de' });
    expect(long.map((segment) => [segment.startMs, segment.endMs])).toEqual([
      [0, 29_000],
      [29_000, 40_000],
    ]);
  });

  it('reports a model sherpa-onnx refuses as a validation error naming the encoder', async () => {
    const transcriber = createWhisperTranscriber({
      ...files,
      numThreads: 1,
      loadSherpa: () => ({
        OfflineRecognizer: {
          createAsync: async () => {
            throw new Error('Failed to create offline recognizer');
          },
        },
      }),
    });
    await expect(transcriber.transcribe(new Int16Array(1600))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(`could not load the Whisper model ${files.encoder}`),
    });
  });
});
