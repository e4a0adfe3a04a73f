import { describe, expect, it } from 'vitest';
import { ValidationError } from '../kernel/index.ts';
import { configuredModels, isLoopbackUrl, parseModelsConfig } from './models-config.ts';

function problems(raw: unknown): string[] {
  try {
    parseModelsConfig(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.details as string[];
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('parseModelsConfig', () => {
  it('fills in defaults when the section is missing', () => {
    expect(parseModelsConfig(undefined)).toEqual({
      providers: [],
      openOnly: false,
      allowPrivate: [],
      timeoutMs: 30_000,
    });
  });

  it('refuses a key written into the config and says where it belongs', () => {
    const found = problems({
      providers: [{ id: 'openai', type: 'openai', apiKey: 'sk-live-123', models: [{ name: 'gpt-4o' }] }],
    });
    expect(found).toEqual([
      'models.providers.0: "apiKey" cannot be in familiar.config.json: secrets never go in this file; put the key in an environment variable and name it in "apiKeyEnv"',
    ]);
  });

  it('refuses a key pasted into apiKeyEnv', () => {
    const found = problems({
      providers: [
        { id: 'openai', type: 'openai', apiKeyEnv: 'sk-proj-abcdefghijkl', models: [{ name: 'gpt-4o' }] },
      ],
    });
    expect(found[0]).toMatch(/^models\.providers\.0\.apiKeyEnv: apiKeyEnv names the environment variable/);
  });

  it('says what each provider type needs', () => {
    const found = problems({
      providers: [
        { id: 'local', type: 'llama-cpp', models: [{ name: 'qwen' }] },
        { id: 'ollama', type: 'openai-compatible', models: [{ name: 'llama3.2' }] },
        { id: 'empty', type: 'anthropic', models: [] },
      ],
    });
    expect(found).toEqual([
      'models.providers.0.gguf: a llama-cpp provider needs "gguf": the path of a .gguf model file on this machine',
      'models.providers.1.baseUrl: an openai-compatible provider needs "baseUrl", e.g. http://127.0.0.1:11434/v1 for Ollama',
      'models.providers.2.models: list at least one model, e.g. "models": [{ "name": "gpt-4o-mini" }]',
    ]);
  });

  it('refuses allowPrivate entries that name no configured model', () => {
    const found = problems({
      providers: [{ id: 'openai', type: 'openai', models: [{ name: 'gpt-4o' }] }],
      allowPrivate: ['gpt-4o'],
    });
    expect(found).toEqual([
      'models.allowPrivate.0: allowPrivate names "gpt-4o", which is not a configured model; write "<providerId>:<name>", e.g. one of openai:gpt-4o',
    ]);
  });

  it('refuses duplicate provider ids', () => {
    const provider = { id: 'openai', type: 'openai', models: [{ name: 'gpt-4o' }] };
    expect(problems({ providers: [provider, provider] })).toEqual([
      'models.providers.1.id: provider id "openai" is used twice; give each provider its own id',
    ]);
  });
});

describe('isLoopbackUrl', () => {
  it('knows this machine from other hosts', () => {
    expect(
      ['http://localhost:11434/v1', 'http://127.0.0.2:8080', 'http://[::1]:8080/v1'].map(isLoopbackUrl),
    ).toEqual([true, true, true]);
    expect(
      ['http://10.0.0.5/v1', 'https://api.openai.com/v1', 'http://127.example.com', undefined].map(
        isLoopbackUrl,
      ),
    ).toEqual([false, false, false, false]);
  });
});

describe('redact per model', () => {
  it('keeps a model\'s "redact" choice and leaves it unset otherwise', () => {
    const config = parseModelsConfig({
      providers: [
        {
          id: 'openai',
          type: 'openai',
          models: [{ name: 'gpt-4o', redact: false }, { name: 'gpt-4o-mini' }],
        },
        {
          id: 'ollama',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:11434/v1',
          models: [{ name: 'llama3.2', redact: true }],
        },
      ],
    });
    expect(configuredModels(config, []).map(({ id, runsOn, redact }) => ({ id, runsOn, redact }))).toEqual([
      { id: 'openai:gpt-4o', runsOn: 'cloud', redact: false },
      { id: 'openai:gpt-4o-mini', runsOn: 'cloud', redact: undefined },
      { id: 'ollama:llama3.2', runsOn: 'local-server', redact: true },
    ]);
  });

  it('refuses a redact that is not true or false', () => {
    expect(
      problems({
        providers: [{ id: 'openai', type: 'openai', models: [{ name: 'gpt-4o', redact: 'yes' }] }],
      }),
    ).toEqual(['models.providers.0.models.0.redact: redact is true or false']);
  });
});
