import type { MockLanguageModelV3 } from 'ai/test';
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
const LOCAL = 'ollama:qwen3:8b';
const cloudProvider = {
  id: 'openai',
  type: 'openai',
  apiKeyEnv: 'OPENAI_API_KEY',
  models: [{ name: 'gpt-4o-mini' }],
};
const localProvider = {
  id: 'ollama',
  type: 'openai-compatible',
  baseUrl: 'http://127.0.0.1:11434/v1',
  models: [{ name: 'qwen3:8b', catalogId: 'qwen/qwen3-8b', tasks: ['ask'] }],
};

/**
 * Medium tests of `GET`/`PATCH /v1/settings/models`: the real Hono app on a real SQLite home, called in process, with
 * mock language models that record every call that reaches them.
 */
describe('model settings over HTTP', () => {
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let ada: string;
  let bo: string;
  let adaId: string;
  let boId: string;
  let mocks: Record<string, MockLanguageModelV3>;

  /** A home whose familiar.config.json → models is `models`, with ada and bo, each with a device. */
  async function open(models: unknown): Promise<void> {
    const base = loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_ASR: 'off' });
    mocks = {
      [CLOUD]: streamingModel(['From the cloud model.']),
      [LOCAL]: streamingModel(['From the open model.']),
    };
    familiar = openFamiliar(
      { ...base, models: parseModelsConfig(models) },
      {
        logger: createSilentLogger(),
        createModel: (model) => {
          const mock = mocks[model.id];
          if (!mock) throw new Error(`no mock for ${model.id}`);
          return mock;
        },
      },
    );
    app = createHttpApp(familiar);
    adaId = (await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' })).id;
    boId = (await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' })).id;
    ada = (await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  }
  afterEach(async () => {
    await familiar?.close();
  });

  async function call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: JsonBody }> {
    const response = await app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
  const settingsOf = (token: string) => call('GET', '/v1/settings/models', token);
  const setOpenOnly = (token: string, body: unknown, headers?: Record<string, string>) =>
    call('PATCH', '/v1/settings/models', token, body, headers);
  const auditOf = async (token: string, action: string) =>
    (await call('GET', `/v1/audit?action=${encodeURIComponent(action)}`, token)).body.events as JsonBody[];

  it("lists the models, and with ada's switch on her asks never reach the closed cloud model while bo's do", async () => {
    await open({ providers: [cloudProvider], allowPrivate: [CLOUD] });
    const before = await settingsOf(ada);
    expect(before).toEqual({
      status: 200,
      body: {
        openOnly: false,
        lockedByConfig: false,
        models: [
          {
            id: CLOUD,
            runsOn: 'cloud',
            local: false,
            openWeights: false,
            catalogEntry: 'openai/gpt-4o-mini',
            tasks: [],
          },
        ],
      },
    });

    const on = await setOpenOnly(ada, { openOnly: true });
    expect(on).toMatchObject({ status: 200, body: { openOnly: true, lockedByConfig: false } });
    expect((await settingsOf(ada)).body.openOnly).toBe(true);
    expect((await settingsOf(bo)).body.openOnly).toBe(false);
    const [changed, ...more] = await auditOf(ada, 'models.');
    expect(more).toEqual([]);
    expect(changed).toMatchObject({
      action: 'models.open-only',
      actor: expect.stringMatching(/^device:/),
      target: null,
      details: { openOnly: true, previous: false },
    });
    expect(await auditOf(bo, 'models.')).toEqual([]);

    const adaAsks = await call('POST', '/v1/ask', ada, { question: 'Where did I park the bike?' });
    expect(adaAsks.status).toBe(200);
    expect(adaAsks.body.model).toBeNull();
    expect(adaAsks.body.answer).toContain('your "Open models only" setting is on');
    expect(mocks[CLOUD]!.doStreamCalls).toHaveLength(0);
    expect(await auditOf(ada, 'model.call')).toEqual([]);

    const boAsks = await call('POST', '/v1/ask', bo, { question: 'Where did I park the bike?' });
    expect(boAsks.body).toMatchObject({ model: CLOUD, answer: 'From the cloud model.' });
    expect(mocks[CLOUD]!.doStreamCalls).toHaveLength(1);

    // Turning it off lets ada's calls reach the cloud model again, and is audited with what it was.
    const off = await setOpenOnly(ada, { openOnly: false });
    expect(off.body).toMatchObject({ openOnly: false, lockedByConfig: false });
    expect((await auditOf(ada, 'models.')).map((event) => event.details)).toEqual([
      { openOnly: false, previous: true },
      { openOnly: true, previous: false },
    ]);
    const again = await call('POST', '/v1/ask', ada, { question: 'Where did I park the bike?' });
    expect(again.body.model).toBe(CLOUD);
  });

  it('sends the person to an open local model while the switch is on, and setting it again records nothing', async () => {
    await open({ providers: [cloudProvider, localProvider], allowPrivate: [CLOUD] });
    const listed = (await settingsOf(ada)).body.models;
    expect(listed).toEqual([
      expect.objectContaining({ id: CLOUD, openWeights: false, local: false }),
      {
        id: LOCAL,
        runsOn: 'local-server',
        local: true,
        openWeights: true,
        catalogEntry: 'qwen/qwen3-8b',
        tasks: ['ask'],
      },
    ]);
    expect((await setOpenOnly(ada, { openOnly: true })).status).toBe(200);
    expect((await setOpenOnly(ada, { openOnly: true })).status).toBe(200);
    expect(await auditOf(ada, 'models.')).toHaveLength(1);
    // The OpenAI-compatible endpoint asks for the closed model by name: the router still keeps ada's call open.
    const chat = await call('POST', '/v1/chat/completions', ada, {
      model: `familiar:${CLOUD}`,
      messages: [{ role: 'user', content: 'What did I do today?' }],
    });
    expect(chat.status).toBe(200);
    expect(chat.body.choices[0].message.content).toContain('From the open model.');
    expect(mocks[CLOUD]!.doStreamCalls).toHaveLength(0);
    expect(mocks[LOCAL]!.doStreamCalls).toHaveLength(1);
  });

  it('cannot be turned off while models.openOnly holds it on: 409 conflict, nothing changes', async () => {
    await open({ providers: [cloudProvider, localProvider], allowPrivate: [CLOUD], openOnly: true });
    expect((await settingsOf(ada)).body).toMatchObject({ openOnly: true, lockedByConfig: true });
    const refused = await setOpenOnly(ada, { openOnly: false });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('models.openOnly in familiar.config.json'),
    });
    expect(await auditOf(ada, 'models.')).toEqual([]);
    expect(await familiar.models.settings.personOpenOnly(adaId)).toBe(false);
    // Turning it on is kept as the person's own choice (it outlives a change of the config), and audited.
    expect((await setOpenOnly(ada, { openOnly: true })).body).toMatchObject({
      openOnly: true,
      lockedByConfig: true,
    });
    expect(await familiar.models.settings.personOpenOnly(adaId)).toBe(true);
    expect((await auditOf(ada, 'models.')).map((event) => event.details)).toEqual([
      { openOnly: true, previous: false },
    ]);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    await open({ providers: [cloudProvider] });
    const cases: Array<[unknown, Record<string, string> | undefined, number, string, RegExp]> = [
      [{ openOnly: 'yes' }, undefined, 422, 'validation_failed', /openOnly is true or false/],
      [{}, undefined, 422, 'validation_failed', /openOnly is true or false/],
      [{ openOnly: true, everyone: true }, undefined, 422, 'validation_failed', /unknown setting everyone/],
      [[true], undefined, 422, 'validation_failed', /expected object/],
      ['{"openOnly": tru', undefined, 400, 'invalid_json', /not valid JSON/],
      [
        'openOnly=true',
        { 'content-type': 'application/x-www-form-urlencoded' },
        415,
        'unsupported_media_type',
        /application\/json/,
      ],
    ];
    for (const [body, headers, status, code, message] of cases) {
      const response = await setOpenOnly(ada, body, headers);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(JSON.stringify(response.body.error)).toMatch(message);
    }
    expect((await settingsOf(ada)).body.openOnly).toBe(false);
    expect(await auditOf(ada, 'models.')).toEqual([]);
    expect((await call('GET', '/v1/settings/models', null)).status).toBe(401);
    expect((await call('PATCH', '/v1/settings/models', null, { openOnly: true })).status).toBe(401);
    expect(await familiar.models.settings.personOpenOnly(boId)).toBe(false);
  });

  it('works from the web app with a session cookie and its CSRF token, and not without the token', async () => {
    await open({ providers: [cloudProvider] });
    await familiar.webAuth.setPassphrase(adaId, 'correct horse battery');
    const login = await app.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ada', passphrase: 'correct horse battery' }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const withoutToken = await call('PATCH', '/v1/settings/models', null, { openOnly: true }, { cookie });
    expect(withoutToken.status).toBe(403);
    expect(await familiar.models.settings.personOpenOnly(adaId)).toBe(false);
    const withToken = await call(
      'PATCH',
      '/v1/settings/models',
      null,
      { openOnly: true },
      { cookie, 'x-csrf-token': csrfToken },
    );
    expect(withToken.body).toMatchObject({ openOnly: true });
    expect((await auditOf(ada, 'models.'))[0]).toMatchObject({ actor: expect.stringMatching(/^web:/) });
  });
});
