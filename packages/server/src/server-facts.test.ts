import { ServerFactsSchema } from '@familiar/protocol';
import { describe, expect, it } from 'vitest';
import { keySettingFromText } from './encryption/index.ts';
import type { RouteDecision, RouteRequest } from './models/index.ts';
import { createServerFacts, type ServerFactsDeps } from './server-facts.ts';

const HEX_KEY = 'a'.repeat(64);

/** A router that answers from a table per user and task, and records who asked for what. */
function fakeRouter(choices: Record<string, string | null>) {
  const calls: Array<{ userId: string; request: RouteRequest }> = [];
  const routeFor = async (userId: string, request: RouteRequest): Promise<RouteDecision> => {
    calls.push({ userId, request });
    const choice = choices[`${userId}:${request.task}`] ?? null;
    return {
      choice,
      reason: choice ? `${choice}: the first that may take it` : 'your "Open models only" setting is on',
      candidates: [],
      ordered: [],
    };
  };
  return { routeFor, calls };
}

/** Deps as a bare installation has them: no recognizer, no captioner, no embedder, no guard, no key. */
function deps(overrides: Partial<ServerFactsDeps> = {}): ServerFactsDeps {
  return {
    config: { audioRetentionDays: 7, retention: {}, encryption: null, databaseUrl: null },
    audio: {
      vad: { name: 'silero-vad (sherpa-onnx 1.13.8)', createSession: () => ({}) as never },
      transcriber: null,
      asrStatus:
        'none installed: apt-get install pocketsphinx pocketsphinx-en-us; audio captures wait, queued',
      asrHowToInstall: 'apt-get install pocketsphinx pocketsphinx-en-us, then restart the server',
    },
    textReader: { name: 'tesseract.js 7.0.0 (eng, LSTM)' },
    frameTagger: { name: 'human 3.3.6 (tfjs wasm)' },
    captions: null,
    embeddings: null,
    guard: () => ({ state: 'off', model: null, summary: 'off: no guard model (add Llama Guard 3)' }),
    routeFor: fakeRouter({}).routeFor,
    isInstalled: () => true,
    ...overrides,
  };
}

describe('createServerFacts', () => {
  it('says frames are stored unread when OCR or the tagger is not installed, with the command that installs it', async () => {
    const missing = new Set(['tesseract.js', '@vladmandic/human']);
    const facts = createServerFacts(deps({ isInstalled: (module) => !missing.has(module) }));
    const { engines } = await facts.forUser('U1');
    expect(engines.textReading).toEqual({
      available: false,
      name: null,
      detail: expect.stringContaining('Frames are stored but unread'),
      howToInstall: expect.stringContaining('npm install tesseract.js'),
    });
    expect(engines.objectsAndFaces).toEqual({
      available: false,
      name: null,
      detail: expect.stringContaining('faces in it are not blurred'),
      howToInstall: expect.stringContaining('npm install @vladmandic/human'),
    });
    expect(engines.voiceActivity).toMatchObject({ available: true, name: 'silero-vad (sherpa-onnx 1.13.8)' });
    expect(engines.speechRecognition).toEqual({
      available: false,
      name: null,
      detail: expect.stringContaining('transcribed once a recognizer is installed'),
      howToInstall: 'apt-get install pocketsphinx pocketsphinx-en-us, then restart the server',
    });
  });

  it('counts an engine as missing when any module it needs is (the OCR language data alone)', async () => {
    const facts = createServerFacts(deps({ isInstalled: (module) => module !== '@tesseract.js-data/eng' }));
    const { engines } = await facts.forUser('U1');
    expect(engines.textReading.available).toBe(false);
    expect(engines.objectsAndFaces.available).toBe(true);
  });

  it('routes the ask and the guard for the caller: the guard on for everyone can still have no model for them', async () => {
    const router = fakeRouter({ 'U1:ask': 'ollama:qwen3:8b', 'U1:guard': 'ollama:llama-guard3:1b' });
    const facts = createServerFacts(
      deps({
        routeFor: router.routeFor,
        guard: () => ({
          state: 'on',
          model: 'ollama:llama-guard3:1b',
          summary: 'on: ollama:llama-guard3:1b checks',
        }),
      }),
    );
    const mine = await facts.forUser('U1');
    expect(mine.models.ask).toEqual({
      choice: 'ollama:qwen3:8b',
      reason: 'ollama:qwen3:8b: the first that may take it',
    });
    expect(mine.engines.guard).toMatchObject({
      available: true,
      name: 'ollama:llama-guard3:1b',
      howToInstall: null,
    });

    const theirs = await facts.forUser('U2');
    expect(theirs.models.ask).toEqual({ choice: null, reason: 'your "Open models only" setting is on' });
    expect(theirs.engines.guard).toEqual({
      available: false,
      name: null,
      detail: expect.stringContaining('nothing is answered'),
      howToInstall: null,
    });
    expect(
      router.calls.map(({ userId, request }) => `${userId}:${request.task}:${request.sensitivity}`),
    ).toEqual(['U1:ask:private', 'U1:guard:private', 'U2:ask:private', 'U2:guard:private']);
  });

  it('says how to turn the guard on when no model is configured for it, without asking the router about guards', async () => {
    const router = fakeRouter({});
    const facts = createServerFacts(deps({ routeFor: router.routeFor }));
    const { engines } = await facts.forUser('U1');
    expect(engines.guard).toMatchObject({
      available: false,
      howToInstall: 'add Llama Guard 3',
    });
    expect(router.calls.map((call) => call.request.task)).toEqual(['ask']);
  });

  it('describes encryption by where the key comes from, never the key or its file, on SQLite and PostgreSQL', async () => {
    const fromFile = keySettingFromText(HEX_KEY, 'FAMILIAR_KEY_FILE', '/secure/familiar.key');
    const sqlite = await createServerFacts(
      deps({
        config: {
          audioRetentionDays: null,
          retention: { frame: 90 },
          encryption: fromFile,
          databaseUrl: null,
        },
      }),
    ).forUser('U1');
    expect(sqlite.encryption).toMatchObject({
      atRest: true,
      database: true,
      media: true,
      keyFrom: 'FAMILIAR_KEY_FILE',
    });
    expect(sqlite.retention).toEqual({ audioDays: null, observationDays: { frame: 90 } });
    expect(JSON.stringify(sqlite)).not.toContain('/secure');
    expect(JSON.stringify(sqlite)).not.toContain(HEX_KEY);

    const postgres = 'postgres://familiar:pw@db:5432/familiar';
    const inline = keySettingFromText(HEX_KEY, 'FAMILIAR_KEY');
    const pgOn = await createServerFacts(
      deps({ config: { audioRetentionDays: 7, retention: {}, encryption: inline, databaseUrl: postgres } }),
    ).forUser('U1');
    expect(pgOn.encryption).toMatchObject({
      atRest: true,
      database: false,
      media: true,
      keyFrom: 'FAMILIAR_KEY',
    });
    expect(pgOn.encryption.detail).toContain('PostgreSQL');
    expect(JSON.stringify(pgOn)).not.toContain('pw@db');

    const pgOff = await createServerFacts(
      deps({ config: { audioRetentionDays: 7, retention: {}, encryption: null, databaseUrl: postgres } }),
    ).forUser('U1');
    expect(pgOff.encryption).toMatchObject({ atRest: false, database: false, media: false, keyFrom: null });
    expect(pgOff.encryption.howToEnable).toContain('to encrypt media');
  });

  it('names the captioner and the embedder in use, and answers what the protocol schema accepts', async () => {
    const facts = createServerFacts(
      deps({
        captions: 'openai-compatible qwen2.5vl:3b at 127.0.0.1:11434 (this machine)',
        embeddings: 'ollama nomic-embed-text at 127.0.0.1:11434 (this machine)',
      }),
    );
    const mine = await facts.forUser('U1');
    expect(mine.engines.captions).toMatchObject({
      available: true,
      name: expect.stringContaining('qwen2.5vl'),
    });
    expect(mine.engines.embeddings).toMatchObject({ available: true, howToInstall: null });
    expect(ServerFactsSchema.parse({ version: '0.1.0', ...mine })).toEqual({ version: '0.1.0', ...mine });
  });
});
