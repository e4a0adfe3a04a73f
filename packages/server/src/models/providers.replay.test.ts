import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../test/support/mock-models.ts';
import {
  anthropicMessages,
  googleGenerateContent,
  openAiChatCompletions,
  openAiResponses,
  type ReplayServer,
  rateLimited,
  startReplayServer,
} from '../../test/support/replay-server.ts';
import { createInMemoryAuditLog } from '../audit/index.ts';
import { FamiliarError, systemClock } from '../kernel/index.ts';
import { loadCatalog } from './catalog.ts';
import { createModelRunner } from './model-runner.ts';
import {
  type ConfiguredModel,
  configuredModels,
  type ModelsConfig,
  parseModelsConfig,
} from './models-config.ts';
import { createLanguageModel } from './providers.ts';

const ANSWER = 'Ana moved the dentist appointment to Friday at 10.';
const PROMPT = 'When is the dentist appointment Ana talked about?';
const KEYS = {
  OPENAI_KEY: 'sk-replay-openai-0123456789abcdef',
  COMPATIBLE_KEY: 'replay-compatible-key-7f3e9a',
  ANTHROPIC_KEY: 'sk-ant-replay-0123456789abcdef',
  GOOGLE_KEY: 'AIzaReplayGoogleKey0123456789abcdef',
};
const env = { ...KEYS, UNRELATED: 'x' };

let server: ReplayServer;
let config: ModelsConfig;
let models: ConfiguredModel[];

beforeAll(async () => {
  server = await startReplayServer();
  config = parseModelsConfig({
    providers: [
      {
        id: 'openai',
        type: 'openai',
        baseUrl: `${server.url}/v1`,
        apiKeyEnv: 'OPENAI_KEY',
        models: [{ name: 'gpt-4o-mini' }],
      },
      {
        id: 'compatible',
        type: 'openai-compatible',
        baseUrl: `${server.url}/compat/v1`,
        apiKeyEnv: 'COMPATIBLE_KEY',
        models: [{ name: 'llama3.2:3b' }],
      },
      {
        id: 'anthropic',
        type: 'anthropic',
        baseUrl: `${server.url}/v1`,
        apiKeyEnv: 'ANTHROPIC_KEY',
        models: [{ name: 'claude-haiku-4-5' }],
      },
      {
        id: 'google',
        type: 'google',
        baseUrl: `${server.url}/v1beta`,
        apiKeyEnv: 'GOOGLE_KEY',
        models: [{ name: 'gemini-2.5-flash' }],
      },
    ],
  });
  models = configuredModels(config, loadCatalog());
});

afterAll(async () => {
  await server.close();
});

function build(id: string) {
  const model = models.find((candidate) => candidate.id === id);
  const provider = config.providers.find((candidate) => candidate.id === model?.provider);
  if (!model || !provider) throw new Error(`no model ${id}`);
  return createLanguageModel(model, provider, { env });
}

function lastRequest() {
  const request = server.requests.at(-1);
  if (!request) throw new Error('no request reached the replay server');
  return request;
}

async function streamed(
  id: string,
): Promise<{ text: string; usage: { inputTokens?: number; outputTokens?: number } }> {
  const result = streamText({ model: await build(id), prompt: PROMPT, maxRetries: 0 });
  let text = '';
  for await (const delta of result.textStream) text += delta;
  return { text, usage: await result.totalUsage };
}

describe('OpenAI (Responses API, the SDK default for openai(id))', () => {
  it('generates text with the key as a Bearer token', async () => {
    server.script('POST', '/v1/responses', [openAiResponses()]);
    const result = await generateText({
      model: await build('openai:gpt-4o-mini'),
      prompt: PROMPT,
      maxRetries: 0,
    });
    expect(result.text).toBe(ANSWER);
    expect(result.usage).toMatchObject({ inputTokens: 24, outputTokens: 12 });
    const request = lastRequest();
    expect(request.headers.authorization).toBe(`Bearer ${KEYS.OPENAI_KEY}`);
    expect(request.json).toMatchObject({ model: 'gpt-4o-mini', input: [{ role: 'user' }] });
  });

  it('streams text from response.output_text.delta events', async () => {
    server.script('POST', '/v1/responses', [openAiResponses()]);
    const { text, usage } = await streamed('openai:gpt-4o-mini');
    expect(text).toBe(ANSWER);
    expect(usage).toMatchObject({ inputTokens: 24, outputTokens: 12 });
    expect(lastRequest().json).toMatchObject({ stream: true });
  });
});

describe('OpenAI-compatible (chat completions)', () => {
  it('generates text', async () => {
    server.script('POST', '/compat/v1/chat/completions', [openAiChatCompletions()]);
    const result = await generateText({
      model: await build('compatible:llama3.2:3b'),
      prompt: PROMPT,
      maxRetries: 0,
    });
    expect(result.text).toBe(ANSWER);
    expect(result.usage).toMatchObject({ inputTokens: 24, outputTokens: 12 });
    expect(lastRequest().headers.authorization).toBe(`Bearer ${KEYS.COMPATIBLE_KEY}`);
  });

  it('streams text and asks for the final usage chunk', async () => {
    server.script('POST', '/compat/v1/chat/completions', [openAiChatCompletions()]);
    const { text, usage } = await streamed('compatible:llama3.2:3b');
    expect(text).toBe(ANSWER);
    expect(lastRequest().json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(usage).toMatchObject({ inputTokens: 24, outputTokens: 10 });
  });
});

describe('Anthropic (messages)', () => {
  it('generates text with the key in x-api-key', async () => {
    server.script('POST', '/v1/messages', [anthropicMessages()]);
    const result = await generateText({
      model: await build('anthropic:claude-haiku-4-5'),
      prompt: PROMPT,
      maxRetries: 0,
    });
    expect(result.text).toBe(ANSWER);
    const request = lastRequest();
    expect(request.headers['x-api-key']).toBe(KEYS.ANTHROPIC_KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('streams text from content_block_delta events', async () => {
    server.script('POST', '/v1/messages', [anthropicMessages()]);
    const { text, usage } = await streamed('anthropic:claude-haiku-4-5');
    expect(text).toBe(ANSWER);
    expect(usage).toMatchObject({ inputTokens: 24, outputTokens: 14 });
  });
});

describe('Google (Gemini API)', () => {
  it('generates text with the key in x-goog-api-key', async () => {
    server.script('POST', '/v1beta/models/gemini-2.5-flash:generateContent', [googleGenerateContent()]);
    const result = await generateText({
      model: await build('google:gemini-2.5-flash'),
      prompt: PROMPT,
      maxRetries: 0,
    });
    expect(result.text).toBe(ANSWER);
    const request = lastRequest();
    expect(request.headers['x-goog-api-key']).toBe(KEYS.GOOGLE_KEY);
    expect(request.query.get('key')).toBeNull();
  });

  it('streams text from streamGenerateContent?alt=sse', async () => {
    server.script('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', [googleGenerateContent()]);
    const { text, usage } = await streamed('google:gemini-2.5-flash');
    expect(text).toBe(ANSWER);
    expect(lastRequest().query.get('alt')).toBe('sse');
    expect(usage.inputTokens).toBe(24);
  });
});

describe('fallback through the runner against real provider adapters', () => {
  function runnerFor(ids: string[], timeoutMs = 5_000) {
    const audit = createInMemoryAuditLog();
    // Each model lists "ask" in its tasks, so the router keeps the order given here (config order).
    const chosen = ids.map((id): ConfiguredModel => {
      const found = models.find((model) => model.id === id);
      if (!found) throw new Error(id);
      return { ...found, tasks: ['ask'] };
    });
    const runner = createModelRunner({
      models: chosen,
      policy: { openOnly: false, allowPrivate: [] },
      audit,
      clock: systemClock,
      timeoutMs,
      createModel: (model) => build(model.id),
    });
    return { runner, audit };
  }

  const call = {
    userId: 'user-1',
    actor: 'cli',
    task: 'ask',
    sensitivity: 'personal',
    dataClasses: ['transcript'],
    prompt: PROMPT,
  } as const;

  it('falls back from an OpenAI 429 to Anthropic, and keeps keys out of events and the audit log', async () => {
    server.script('POST', '/v1/responses', [rateLimited('openai', 20)]);
    server.script('POST', '/v1/messages', [anthropicMessages()]);
    const before = server.requests.length;
    const { runner, audit } = runnerFor(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5']);
    const events = await collect(runner.stream(call));
    const fallback = events.find((event) => event.type === 'fallback');
    expect(fallback).toEqual({
      type: 'fallback',
      from: 'openai:gpt-4o-mini',
      error: expect.stringMatching(/^HTTP 429: Rate limit reached for gpt-4o-mini .*\(retry after 20 s\)$/),
    });
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('');
    expect(text).toBe(ANSWER);
    expect(events.at(-1)).toMatchObject({ type: 'finish', model: 'anthropic:claude-haiku-4-5' });
    expect(server.requests.slice(before).map((request) => request.path)).toEqual([
      '/v1/responses',
      '/v1/messages',
    ]);
    expect(audit.events).toHaveLength(1);
    const recorded = JSON.stringify([events, audit.events]);
    for (const key of Object.values(KEYS)) expect(recorded).not.toContain(key);
    expect(recorded).not.toContain('dentist appointment Ana talked');
  });

  it('falls back from a Google 429 (RESOURCE_EXHAUSTED) to an OpenAI-compatible server', async () => {
    server.script('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', [rateLimited('google')]);
    server.script('POST', '/compat/v1/chat/completions', [openAiChatCompletions()]);
    const { runner } = runnerFor(['google:gemini-2.5-flash', 'compatible:llama3.2:3b']);
    const events = await collect(runner.stream(call));
    expect(events.find((event) => event.type === 'fallback')).toMatchObject({
      from: 'google:gemini-2.5-flash',
      error: expect.stringMatching(/^HTTP 429: You exceeded your current quota/),
    });
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      model: 'compatible:llama3.2:3b',
      usage: { outputTokens: 10 },
    });
  });

  it('aborts a provider that stalls past the first-token timeout and answers from the next', async () => {
    server.script('POST', '/v1/messages', [{ stallMs: 5_000 }]);
    server.script('POST', '/v1/responses', [openAiResponses()]);
    const { runner } = runnerFor(['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'], 200);
    const started = performance.now();
    const events = await collect(runner.stream(call));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(events.find((event) => event.type === 'fallback')).toMatchObject({
      from: 'anthropic:claude-haiku-4-5',
      error: 'no first token within 200 ms',
    });
    const finish = events.at(-1);
    expect(finish).toMatchObject({ type: 'finish', model: 'openai:gpt-4o-mini' });
    expect(finish?.type === 'finish' && finish.timeToFirstTokenMs).toBeGreaterThanOrEqual(200);
  });

  it('keeps keys out of the error when every provider fails, even when a server echoes the key', async () => {
    server.script('POST', '/v1/messages', [rateLimited('anthropic')]);
    server.script('POST', '/compat/v1/chat/completions', [
      (request) => ({
        status: 401,
        json: {
          error: {
            message: `Invalid key: ${String(request.headers.authorization)}`,
            type: 'invalid_request_error',
          },
        },
      }),
    ]);
    const { runner, audit } = runnerFor(['anthropic:claude-haiku-4-5', 'compatible:llama3.2:3b']);
    const failure = await collect(runner.stream(call)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FamiliarError);
    const error = failure as FamiliarError;
    expect(error.code).toBe('model_unavailable');
    expect(error.message).toMatch(
      /anthropic:claude-haiku-4-5: HTTP 429: This request would exceed the rate limit/,
    );
    expect(error.message).toContain('compatible:llama3.2:3b: HTTP 401: Invalid key: Bearer [redacted]');
    const everything = JSON.stringify([error.message, error.details, audit.events]);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });

  it('names the missing variable, never a value, when a key is not set', async () => {
    const provider = config.providers.find((candidate) => candidate.id === 'openai');
    const model = models.find((candidate) => candidate.id === 'openai:gpt-4o-mini');
    if (!provider || !model) throw new Error('fixture config changed');
    await expect(
      createLanguageModel(model, provider, { env: { OTHER: KEYS.OPENAI_KEY } }),
    ).rejects.toMatchObject({
      code: 'model_unavailable',
      message:
        'provider "openai" has no API key: set the environment variable OPENAI_KEY (familiar.config.json → models.providers[].apiKeyEnv names it)',
    });
  });
});
