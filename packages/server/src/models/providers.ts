import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { FamiliarError, redactSecrets } from '../kernel/index.ts';
import type { ConfiguredModel, ModelsConfig, ProviderConfig, ProviderType } from './models-config.ts';

/** The environment variable each cloud provider's key is read from when the config names none. */
export const DEFAULT_API_KEY_ENV: Readonly<Partial<Record<ProviderType, string>>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GOOGLE_GENERATIVE_AI_API_KEY',
};

/** What building a model may read: the environment (for keys) and, in tests, a `fetch` to send requests with. */
export interface ProviderDependencies {
  env: Readonly<Record<string, string | undefined>>;
  fetch?: typeof globalThis.fetch;
}

/**
 * Builds the AI SDK language model for a configured model. The key comes from `env[apiKeyEnv]` and is passed
 * to the SDK explicitly, so the SDK never reads `process.env` itself. OpenAI models use the Responses API
 * (`openai(id)`, the SDK's default). llama-cpp loads its engine lazily, only here.
 */
export async function createLanguageModel(
  model: Pick<ConfiguredModel, 'id' | 'name'>,
  provider: ProviderConfig,
  { env, fetch }: ProviderDependencies,
): Promise<LanguageModelV3> {
  const baseURL = provider.baseUrl ? provider.baseUrl.replace(/\/+$/, '') : undefined;
  const common = (apiKey: string | undefined) => ({
    ...(baseURL ? { baseURL } : {}),
    fetch: redactingFetch(fetch ?? globalThis.fetch, apiKey),
  });
  switch (provider.type) {
    case 'openai': {
      const apiKey = requireKey(provider, env);
      return createOpenAI({ ...common(apiKey), apiKey })(model.name);
    }
    case 'anthropic': {
      const apiKey = requireKey(provider, env);
      return createAnthropic({ ...common(apiKey), apiKey })(model.name);
    }
    case 'google': {
      const apiKey = requireKey(provider, env);
      return createGoogleGenerativeAI({ ...common(apiKey), apiKey })(model.name);
    }
    case 'openai-compatible': {
      const apiKey = provider.apiKeyEnv ? requireKey(provider, env) : undefined;
      return createOpenAICompatible({
        ...common(apiKey),
        baseURL: baseURL ?? '',
        name: provider.id,
        includeUsage: true,
        ...(apiKey ? { apiKey } : {}),
      }).chatModel(model.name);
    }
    case 'llama-cpp': {
      if (!provider.gguf) {
        throw new FamiliarError(
          'model_unavailable',
          `model ${model.id} needs "gguf" in familiar.config.json → models.providers: the path of a .gguf file`,
        );
      }
      const { createLlamaCppLanguageModel } = await import('./llama-cpp/index.ts');
      return createLlamaCppLanguageModel({
        modelPath: provider.gguf,
        modelId: model.name,
        ...(provider.threads ? { threads: provider.threads } : {}),
      });
    }
  }
}

/** The runner's `createModel` for a config: finds each model's provider and builds it with `createLanguageModel`. */
export function createModelFactory(
  config: Pick<ModelsConfig, 'providers'>,
  dependencies: ProviderDependencies,
): (model: ConfiguredModel) => Promise<LanguageModelV3> {
  const providers = new Map(config.providers.map((provider) => [provider.id, provider]));
  return async (model) => {
    const provider = providers.get(model.provider);
    if (!provider) {
      throw new FamiliarError(
        'model_unavailable',
        `model ${model.id} names provider "${model.provider}", which familiar.config.json → models.providers does not have`,
      );
    }
    return createLanguageModel(model, provider, dependencies);
  };
}

/** Reads a provider's key; a missing one is `model_unavailable` naming the variable (never any value). */
function requireKey(provider: ProviderConfig, env: ProviderDependencies['env']): string {
  const variable = provider.apiKeyEnv ?? DEFAULT_API_KEY_ENV[provider.type];
  const value = variable ? env[variable]?.trim() : undefined;
  if (!variable || !value) {
    throw new FamiliarError(
      'model_unavailable',
      `provider "${provider.id}" has no API key: set the environment variable ${variable ?? '(none named)'}` +
        ' (familiar.config.json → models.providers[].apiKeyEnv names it)',
      { details: { provider: provider.id, variable: variable ?? null } },
    );
  }
  return value;
}

/**
 * Wraps `fetch` so an error response never carries the key back: some servers echo the credential they were
 * sent, and the SDK puts error bodies into its error messages.
 */
function redactingFetch(base: typeof globalThis.fetch, apiKey: string | undefined): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.ok) return response;
    const text = await response.text();
    return new Response(redactSecrets(text, apiKey), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
