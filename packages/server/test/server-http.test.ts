import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerFactsSchema } from '@familiar/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { parseModelsConfig } from '../src/models/index.ts';
import { streamingModel } from './support/mock-models.ts';
import { tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonBody = any;

const CLOUD = 'openai:gpt-4o-mini';
const cloudProvider = {
  id: 'openai',
  type: 'openai',
  apiKeyEnv: 'OPENAI_API_KEY',
  models: [{ name: 'gpt-4o-mini' }],
};

/**
 * Medium tests of `GET /v1/server`: the real Hono app on a real SQLite home, called in process. It says which
 * engines this server has and what that means for the caller's data, where the caller's asks go, retention and
 * encryption, and nothing about other users, paths or keys.
 */
describe('GET /v1/server', () => {
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let home: string;
  let ada: string;
  let bo: string;
  let adaId: string;
  let boId: string;

  /** A home with `env` on top of the defaults and `models` as familiar.config.json → models, with ada and bo. */
  async function open(env: Record<string, string>, models?: unknown): Promise<void> {
    home = tempHome();
    const base = loadConfig({ FAMILIAR_HOME: home, ...env });
    familiar = openFamiliar(
      { ...base, models: models === undefined ? null : parseModelsConfig(models) },
      { logger: createSilentLogger(), createModel: () => streamingModel(['From the cloud model.']) },
    );
    app = createHttpApp(familiar);
    adaId = (await familiar.accounts.addUser({ name: 'adelheid', timezone: 'Europe/Paris' })).id;
    boId = (await familiar.accounts.addUser({ name: 'bertrand', timezone: 'UTC' })).id;
    ada = (await familiar.accounts.addDevice({ userName: 'adelheid', name: 'glasses' })).token;
    bo = (await familiar.accounts.addDevice({ userName: 'bertrand', name: 'phone' })).token;
  }
  afterEach(async () => {
    await familiar?.close();
  });

  async function call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
  ): Promise<{ status: number; text: string; body: JsonBody }> {
    const response = await app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : null };
  }

  it('says speech recognition is missing and how to install it, with retention and encryption, and no path or key', async () => {
    const keyDirectory = tempHome('familiar-key-');
    const keyFile = join(keyDirectory, 'familiar.key');
    const key = randomBytes(32).toString('hex');
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    await open({
      FAMILIAR_ASR: 'off',
      FAMILIAR_AUDIO_RETENTION_DAYS: '3',
      FAMILIAR_RETENTION: 'frame=90,location=30',
      FAMILIAR_KEY_FILE: keyFile,
    });

    const answer = await call('GET', '/v1/server', ada);
    expect(answer.status).toBe(200);
    const facts = ServerFactsSchema.parse(answer.body);
    expect(facts.version).toBe('0.1.0');
    expect(facts.engines.speechRecognition).toEqual({
      available: false,
      name: null,
      detail: expect.stringContaining('Audio is kept and transcribed once a recognizer is installed'),
      howToInstall: expect.stringContaining('unset FAMILIAR_ASR'),
    });
    // These ship with the server package, so they are installed wherever its tests run.
    expect(facts.engines.voiceActivity).toMatchObject({
      available: true,
      name: expect.stringMatching(/^silero-vad/),
    });
    expect(facts.engines.textReading).toMatchObject({
      available: true,
      name: expect.stringMatching(/^tesseract\.js/),
      howToInstall: null,
    });
    expect(facts.engines.objectsAndFaces).toMatchObject({
      available: true,
      name: expect.stringMatching(/^human/),
    });
    expect(facts.engines.captions).toMatchObject({
      available: false,
      howToInstall: expect.stringContaining('FAMILIAR_CAPTION_URL'),
    });
    expect(facts.engines.embeddings).toMatchObject({
      available: false,
      detail: expect.stringContaining('full-text'),
      howToInstall: expect.stringContaining('FAMILIAR_EMBEDDER'),
    });
    expect(facts.engines.guard).toMatchObject({
      available: false,
      howToInstall: expect.stringContaining('Llama Guard'),
    });
    expect(facts.models.ask).toEqual({
      choice: null,
      reason: expect.stringContaining('no model is configured'),
    });
    expect(facts.retention).toEqual({ audioDays: 3, observationDays: { frame: 90, location: 30 } });
    expect(facts.encryption).toEqual({
      atRest: true,
      database: true,
      media: true,
      keyFrom: 'FAMILIAR_KEY_FILE',
      detail: expect.stringContaining('database'),
      howToEnable: null,
    });

    // Neither the data directory, the key file's folder nor the key, nor anything of either user.
    for (const secret of [home, keyDirectory, key, 'familiar.key', 'secret.key', 'bertrand', boId, adaId, bo])
      expect(answer.text, secret).not.toContain(secret);
    // The other user sees the same engines, and nothing of the first.
    const theirs = await call('GET', '/v1/server', bo);
    expect(theirs.status).toBe(200);
    expect(theirs.body.engines).toEqual(facts.engines);
    for (const secret of ['adelheid', adaId, ada]) expect(theirs.text, secret).not.toContain(secret);
  });

  it('shows a configured recognizer, forever-kept audio and encryption off with how to turn it on', async () => {
    await open({
      FAMILIAR_ASR: 'openai',
      FAMILIAR_ASR_URL: 'http://127.0.0.1:9/v1',
      FAMILIAR_AUDIO_RETENTION_DAYS: 'forever',
    });
    const facts = ServerFactsSchema.parse((await call('GET', '/v1/server', ada)).body);
    expect(facts.engines.speechRecognition).toEqual({
      available: true,
      name: expect.stringContaining('(audio leaves this machine)'),
      detail: expect.any(String),
      howToInstall: null,
    });
    expect(facts.retention).toEqual({ audioDays: null, observationDays: {} });
    expect(facts.encryption).toMatchObject({
      atRest: false,
      database: false,
      media: false,
      keyFrom: null,
      howToEnable: expect.stringContaining('FAMILIAR_KEY or FAMILIAR_KEY_FILE'),
    });
  });

  it("answers each caller with their own ask routing: ada's open-models switch leaves her without the cloud model", async () => {
    await open({ FAMILIAR_ASR: 'off' }, { providers: [cloudProvider], allowPrivate: [CLOUD] });
    expect((await call('PATCH', '/v1/settings/models', ada, { openOnly: true })).status).toBe(200);

    const adas = await call('GET', '/v1/server', ada);
    expect(adas.body.models.ask).toEqual({
      choice: null,
      reason: expect.stringContaining('Open models only'),
    });
    const bos = await call('GET', '/v1/server', bo);
    expect(bos.body.models.ask).toEqual({ choice: CLOUD, reason: expect.stringContaining(CLOUD) });
  });

  it('needs a token, like every /v1 route', async () => {
    await open({ FAMILIAR_ASR: 'off' });
    expect((await call('GET', '/v1/server', null)).status).toBe(401);
    expect((await call('GET', '/v1/server', 'fam_not-a-token')).status).toBe(401);
  });
});
