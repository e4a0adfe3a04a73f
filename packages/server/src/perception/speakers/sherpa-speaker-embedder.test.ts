import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sileroVadModelPath } from '@familiar/silero-vad-model';
import { afterAll, describe, expect, it } from 'vitest';
import { createInMemoryPeopleStore } from '../../memory/index.ts';
import { meanFeaturesModel, WESPEAKER_METADATA } from './mean-features-model.ts';
import {
  createSherpaSpeakerEmbedder,
  inspectSpeakerModel,
  type SherpaSpeakerModule,
} from './sherpa-speaker-embedder.ts';
import { cosineSimilarity, createSpeakerIdentifier } from './speaker-identifier.ts';
import { createInMemoryVoiceprintStore } from './voiceprint-store.ts';

const RATE = 16_000;
const directory = mkdtempSync(join(tmpdir(), 'familiar-speaker-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, content: Uint8Array): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

function tone(frequency: number, seconds: number): Int16Array {
  const samples = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i += 1)
    samples[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / RATE) * 0.3 * 32767);
  return samples;
}

/** A loader that must not be reached: the model is refused before sherpa-onnx could see it. */
function forbiddenLoader(): { loads: number; load: () => SherpaSpeakerModule } {
  const state = {
    loads: 0,
    load: (): SherpaSpeakerModule => {
      state.loads += 1;
      throw new Error('sherpa-onnx must not load a model that failed its check');
    },
  };
  return state;
}

describe('sherpa-onnx speaker embedder: model checks (sherpa-onnx would end the process on these)', () => {
  const refuses = async (path: string, problem: string | RegExp) => {
    const loader = forbiddenLoader();
    const embedder = createSherpaSpeakerEmbedder({ model: path, loadSherpa: loader.load });
    await expect(embedder.embed(tone(200, 2))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(problem),
    });
    await expect(embedder.inspect()).rejects.toMatchObject({ code: 'validation_failed' });
    expect(loader.loads).toBe(0);
    expect(embedder.dimension).toBe(0);
  };

  it('names a missing file', async () => {
    const path = join(directory, 'missing.onnx');
    await refuses(path, `the speaker-embedding model ${path} does not exist; FAMILIAR_SPEAKER_MODEL needs`);
  });

  it('names a file of random bytes', async () => {
    const path = write('random.onnx', randomBytes(64 * 1024));
    await refuses(path, `the speaker-embedding model ${path} is not an ONNX model`);
  });

  it('names an ONNX model that is not a speaker-embedding model (the bundled Silero VAD)', async () => {
    await refuses(
      sileroVadModelPath,
      `${sileroVadModelPath} is an ONNX model but not a speaker-embedding model for sherpa-onnx`,
    );
  });

  it('names what is missing or wrong in a speaker model’s metadata', async () => {
    const { language: _language, ...noLanguage } = WESPEAKER_METADATA;
    await refuses(
      write('no-language.onnx', meanFeaturesModel(noLanguage)),
      /lacks metadata sherpa-onnx needs: language/,
    );
    await refuses(
      write('pyannote.onnx', meanFeaturesModel({ ...WESPEAKER_METADATA, framework: 'pyannote' })),
      /is a "pyannote" model/,
    );
    await refuses(
      write('bad-dim.onnx', meanFeaturesModel({ ...WESPEAKER_METADATA, output_dim: '-3' })),
      /lacks metadata sherpa-onnx needs: output_dim/,
    );
    await refuses(
      write('zero-dim.onnx', meanFeaturesModel({ ...WESPEAKER_METADATA, output_dim: '0' })),
      /has metadata output_dim of 0/,
    );
    await refuses(
      write(
        'bad-norm.onnx',
        meanFeaturesModel({ ...WESPEAKER_METADATA, feature_normalize_type: 'per_feature' }),
      ),
      /feature_normalize_type "per_feature"/,
    );
    await refuses(
      write('nemo.onnx', meanFeaturesModel({ ...WESPEAKER_METADATA, framework: 'nemo' })),
      /lacks metadata sherpa-onnx needs: feat_dim, window_size_ms, window_stride_ms/,
    );
    await refuses(
      write(
        'nemo-window.onnx',
        meanFeaturesModel({
          ...WESPEAKER_METADATA,
          framework: 'nemo',
          feat_dim: '80',
          window_size_ms: '25',
          window_stride_ms: '10',
          window_type: 'triangle',
        }),
      ),
      /window_type "triangle"/,
    );
  });

  it('reads what a good model says about itself', async () => {
    const path = write('good.onnx', meanFeaturesModel(WESPEAKER_METADATA));
    expect(await inspectSpeakerModel(path)).toEqual({
      framework: 'wespeaker',
      dimension: 80,
      sampleRate: 16_000,
      language: 'English',
    });
  });

  it('refuses a bad thread count before anything else', () => {
    expect(() => createSherpaSpeakerEmbedder({ model: 'x.onnx', numThreads: 0 })).toThrow(/numThreads/);
  });
});

describe('sherpa-onnx speaker embedder: embeddings from the real engine', () => {
  const path = write('mean-features.onnx', meanFeaturesModel(WESPEAKER_METADATA));

  it('loads on first use and embeds the same voice alike and another voice differently', async () => {
    const embedder = createSherpaSpeakerEmbedder({ model: path });
    expect(embedder.name).toBe('mean-features.onnx');
    expect(embedder.dimension).toBe(0);
    const first = await embedder.embed(tone(220, 3));
    expect(embedder.dimension).toBe(80);
    expect(first).toHaveLength(80);
    const again = await embedder.embed(tone(220, 2));
    const other = await embedder.embed(tone(1500, 2));
    expect(cosineSimilarity(first, again)).toBeGreaterThan(0.999);
    expect(cosineSimilarity(first, other)).toBeLessThan(0.95);
  });

  it('refuses audio too short to embed with an error, not a crash', async () => {
    const embedder = createSherpaSpeakerEmbedder({ model: path });
    await expect(embedder.embed(new Int16Array(0))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('too short'),
    });
  });

  it('drives enrolment and identification end to end', async () => {
    const people = createInMemoryPeopleStore();
    const identifier = createSpeakerIdentifier({
      embedder: createSherpaSpeakerEmbedder({ model: path }),
      voiceprints: createInMemoryVoiceprintStore(),
      people,
      threshold: 0.99,
    });
    const enrolled = await identifier.enroll('u1', { samples: tone(220, 3) });
    expect(enrolled).toMatchObject({ model: 'mean-features.onnx', dimension: 80, label: 'wearer' });
    expect(await identifier.identify('u1', tone(220, 1.5))).toMatchObject({
      label: 'wearer',
      personId: null,
    });
    expect(await identifier.identify('u1', tone(1500, 1.5))).toMatchObject({
      label: 'unknown',
      personId: null,
    });
    expect(await identifier.describe(['u1'])).toBe('mean-features.onnx, 1 voiceprint');
  });
});
