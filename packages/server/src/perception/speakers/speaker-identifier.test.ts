import { encodeWav } from '@familiar/device-sdk';
import { describe, expect, it } from 'vitest';
import { createInMemoryBlobStore } from '../../blobs/index.ts';
import { createSilentLogger } from '../../kernel/index.ts';
import {
  createInMemoryPeopleStore,
  createInMemoryTimelineStore,
  type PeopleStore,
} from '../../memory/index.ts';
import { createScriptedVad } from '../audio/scripted-vad.ts';
import { createAudioPerception } from '../audio-perception.ts';
import type { SpeakerEmbedder, Transcriber } from '../ports.ts';
import { cosineSimilarity, createSpeakerIdentifier, NO_SPEAKER_MODEL_STATUS } from './speaker-identifier.ts';
import { createInMemoryVoiceprintStore, type VoiceprintStore } from './voiceprint-store.ts';

const RATE = 16_000;
const USER = 'u1';

/** A "voice": a tone of this pitch, `seconds` long. */
function voice(frequency: number, seconds: number, amplitude = 0.3): Int16Array {
  const samples = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i += 1)
    samples[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / RATE) * amplitude * 32767);
  return samples;
}

/** A fake embedder that hears pitch: a bump at the tone's frequency (zero crossings), so equal tones match. */
function pitchEmbedder(name = 'pitch-v1.onnx'): SpeakerEmbedder & { calls: number[] } {
  const calls: number[] = [];
  return {
    name,
    dimension: 32,
    calls,
    async embed(samples) {
      calls.push(samples.length);
      let crossings = 0;
      for (let i = 1; i < samples.length; i += 1) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings += 1;
      const frequency = crossings / 2 / (samples.length / RATE);
      const centre = frequency / 50;
      return Float32Array.from({ length: 32 }, (_, i) => Math.exp(-((i - centre) ** 2) / 2));
    },
  };
}

async function setup(options: { model?: boolean; threshold?: number } = {}) {
  const people = createInMemoryPeopleStore();
  const voiceprints = createInMemoryVoiceprintStore();
  const embedder = pitchEmbedder();
  let ids = 0;
  const identifier = createSpeakerIdentifier({
    embedder: options.model === false ? null : embedder,
    voiceprints,
    people,
    threshold: options.threshold ?? 0.6,
    clock: { now: () => 5_000 },
    newId: () => {
      ids += 1;
      return `vp-${ids}`;
    },
  });
  const ana = await people.add({
    id: 'p-ana',
    userId: USER,
    name: 'Ana',
    aliases: ['Annie'],
    optedOut: false,
    createdAt: 0,
    updatedAt: 0,
  });
  return { identifier, embedder, people, voiceprints, ana };
}

const UNKNOWN = { label: 'unknown', personId: null, score: 0, optedOut: false };

describe('speaker identifier', () => {
  it('labels every voice unknown without a model, refuses enrolment, and says why in status', async () => {
    const { identifier, voiceprints } = await setup({ model: false });
    expect(identifier.model).toBeNull();
    expect(await identifier.identify(USER, voice(200, 2))).toEqual(UNKNOWN);
    await expect(identifier.enroll(USER, { samples: voice(200, 5) })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('set FAMILIAR_SPEAKER_MODEL'),
    });
    expect(await voiceprints.list(USER)).toEqual([]);
    expect(await identifier.describe([USER])).toBe(NO_SPEAKER_MODEL_STATUS);
  });

  it('knows nobody before enrolment, without even embedding the audio', async () => {
    const { identifier, embedder } = await setup();
    expect(await identifier.identify(USER, voice(200, 2))).toEqual(UNKNOWN);
    expect(embedder.calls).toEqual([]);
  });

  it('names the wearer after enrolment, and only for a voice like theirs', async () => {
    const { identifier, voiceprints } = await setup();
    const enrolled = await identifier.enroll(USER, { samples: voice(200, 4) });
    expect(enrolled).toMatchObject({
      id: 'vp-1',
      userId: USER,
      personId: null,
      label: 'wearer',
      model: 'pitch-v1.onnx',
      dimension: 32,
      createdAt: 5_000,
    });
    expect(await voiceprints.list(USER)).toHaveLength(1);
    const wearer = await identifier.identify(USER, voice(205, 1.5));
    expect(wearer).toMatchObject({ label: 'wearer', personId: null, optedOut: false });
    expect(wearer.score).toBeGreaterThan(0.9);
    const stranger = await identifier.identify(USER, voice(900, 1.5));
    expect(stranger).toMatchObject({ label: 'unknown', personId: null, optedOut: false });
    expect(stranger.score).toBeLessThan(0.6);
    expect(await identifier.identify('u2', voice(200, 1.5))).toEqual(UNKNOWN);
  });

  it('names an enrolled person, and says they opted out as soon as the registry does', async () => {
    const { identifier, people, ana } = await setup();
    await identifier.enroll(USER, { samples: voice(200, 3) });
    const enrolled = await identifier.enroll(USER, { samples: voice(600, 3), personName: 'annie' });
    expect(enrolled).toMatchObject({ personId: ana.id, label: 'Ana' });
    expect(await identifier.identify(USER, voice(600, 2))).toMatchObject({
      label: 'Ana',
      personId: ana.id,
      optedOut: false,
    });
    await people.update(USER, ana.id, { optedOut: true, updatedAt: 1 });
    expect(await identifier.identify(USER, voice(600, 2))).toMatchObject({
      label: 'Ana',
      personId: ana.id,
      optedOut: true,
    });
    expect(await identifier.identify(USER, voice(200, 2))).toMatchObject({
      label: 'wearer',
      optedOut: false,
    });
  });

  it('never matches voiceprints of another model', async () => {
    const { identifier, embedder, voiceprints } = await setup();
    const other = pitchEmbedder('other-model.onnx');
    const vector = await other.embed(voice(200, 3));
    await voiceprints.add({
      id: 'old',
      userId: USER,
      personId: null,
      label: 'wearer',
      model: 'other-model.onnx',
      dimension: vector.length,
      vector,
      createdAt: 1,
    });
    expect(await identifier.identify(USER, voice(200, 2))).toEqual(UNKNOWN);
    expect(embedder.calls).toEqual([]);
    expect((await identifier.list(USER)).map((v) => v.model)).toEqual(['other-model.onnx']);
    expect(await identifier.describe([USER])).toBe(
      'pitch-v1.onnx, 0 voiceprints (enrol one with `familiar voice enroll <file.wav>`)',
    );
  });

  it('does not try to identify segments shorter than a second', async () => {
    const { identifier, embedder } = await setup();
    await identifier.enroll(USER, { samples: voice(200, 3) });
    expect(await identifier.identify(USER, voice(200, 0.9))).toEqual(UNKNOWN);
    expect(embedder.calls).toEqual([3 * RATE]);
  });

  it('refuses a short or silent sample and a person not in the registry, storing nothing', async () => {
    const { identifier, voiceprints } = await setup();
    await expect(identifier.enroll(USER, { samples: voice(200, 2.5) })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('the sample is 2.5 s long; enrolment needs at least 3 s'),
    });
    await expect(identifier.enroll(USER, { samples: new Int16Array(4 * RATE) })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('silent'),
    });
    await expect(
      identifier.enroll(USER, { samples: voice(200, 3), personName: 'Zed' }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('familiar people add "Zed"'),
    });
    expect(await voiceprints.list(USER)).toEqual([]);
  });

  it('removes a voiceprint of the user, and says so when there is none', async () => {
    const { identifier } = await setup();
    const { id } = await identifier.enroll(USER, { samples: voice(200, 3) });
    await expect(identifier.remove('u2', id)).rejects.toMatchObject({ code: 'not_found' });
    await identifier.remove(USER, id);
    expect(await identifier.identify(USER, voice(200, 2))).toEqual(UNKNOWN);
    await expect(identifier.remove(USER, id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('counts usable voiceprints for status, and reports a model that fails its check', async () => {
    const { identifier } = await setup();
    await identifier.enroll(USER, { samples: voice(200, 3) });
    await identifier.enroll(USER, { samples: voice(600, 3), personName: 'Ana' });
    expect(await identifier.describe([USER, 'u2'])).toBe('pitch-v1.onnx, 2 voiceprints');
    const broken = createSpeakerIdentifier({
      embedder: pitchEmbedder(),
      voiceprints: createInMemoryVoiceprintStore(),
      people: createInMemoryPeopleStore(),
      threshold: 0.6,
      checkModel: async () => {
        throw new Error('the speaker-embedding model /m.onnx does not exist');
      },
    });
    expect(await broken.describe([USER])).toMatch(
      /^not usable: the speaker-embedding model \/m\.onnx does not exist/,
    );
  });

  it('refuses a threshold outside (0, 1]', () => {
    const deps = {
      embedder: null,
      voiceprints: createInMemoryVoiceprintStore(),
      people: createInMemoryPeopleStore(),
    };
    expect(() => createSpeakerIdentifier({ ...deps, threshold: 0 })).toThrow(/threshold/);
    expect(() => createSpeakerIdentifier({ ...deps, threshold: 1.5 })).toThrow(/threshold/);
  });

  it('gives 0 for vectors that cannot be compared', () => {
    expect(cosineSimilarity(Float32Array.from([1, 0]), Float32Array.from([1, 0, 0]))).toBe(0);
    expect(cosineSimilarity(Float32Array.from([0, 0]), Float32Array.from([1, 0]))).toBe(0);
    expect(cosineSimilarity(Float32Array.from([1, 2]), Float32Array.from([2, 4]))).toBeCloseTo(1, 6);
  });
});

describe('speaker identification in audio perception', () => {
  async function perceive(
    people: PeopleStore,
    voiceprints: VoiceprintStore,
    identifierEmbedder: SpeakerEmbedder,
  ) {
    const store = createInMemoryTimelineStore();
    const blobs = createInMemoryBlobStore();
    const audio = new Int16Array(9 * RATE);
    audio.set(voice(200, 2), 0);
    audio.set(voice(600, 2), 3 * RATE);
    audio.set(voice(1400, 2), 6 * RATE);
    const { sha256, size } = await blobs.put(USER, encodeWav(audio, RATE));
    await store.insertCapture(USER, {
      id: '01JC0000000000000000000AUD',
      deviceId: null,
      kind: 'audio',
      mediaType: 'audio/wav',
      sha256,
      size,
      capturedAt: 0,
      receivedAt: 0,
    });
    const heard: number[] = [];
    const transcriber: Transcriber = {
      engine: 'fake-asr',
      model: 'counts',
      lowAccuracy: false,
      async transcribe(samples) {
        heard.push(samples.length);
        return [{ text: `words ${heard.length}`, startMs: 0, endMs: (samples.length / RATE) * 1000 }];
      },
    };
    const identifier = createSpeakerIdentifier({
      embedder: identifierEmbedder,
      voiceprints,
      people,
      threshold: 0.6,
    });
    const perception = createAudioPerception({
      store,
      blobs,
      vad: createScriptedVad([
        { startMs: 0, endMs: 2000 },
        { startMs: 3000, endMs: 5000 },
        { startMs: 6000, endMs: 8000 },
      ]),
      transcriber,
      identifySpeaker: (userId, samples) => identifier.identify(userId, samples),
      clock: { now: () => 10_000 },
      logger: createSilentLogger(),
    });
    const result = await perception.perceive(USER, '01JC0000000000000000000AUD');
    const { observations } = await store.listObservations(USER, { limit: 10, order: 'asc' });
    return { result, heard, speakers: observations.map((o) => o.details?.speaker) };
  }

  it('does not transcribe an enrolled person who opted out; labels the wearer and leaves strangers unknown', async () => {
    const { identifier, embedder, people, voiceprints, ana } = await setup();
    await identifier.enroll(USER, { samples: voice(200, 3) });
    await identifier.enroll(USER, { samples: voice(600, 3), personName: 'Ana' });
    await people.update(USER, ana.id, { optedOut: true, updatedAt: 1 });
    const { result, heard, speakers } = await perceive(people, voiceprints, embedder);
    expect(result).toMatchObject({ segments: 3, utterances: 2, skippedOptedOut: 1 });
    expect(heard).toEqual([2 * RATE, 2 * RATE]);
    expect(speakers).toEqual([
      { label: 'wearer', personId: null },
      { label: 'unknown', personId: null },
    ]);
  });
});
