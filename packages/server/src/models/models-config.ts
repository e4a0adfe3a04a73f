import { z } from 'zod';
import { describeIssues, ValidationError } from '../kernel/index.ts';
import { hasOpenWeights } from './catalog.ts';
import type { CatalogEntry, RunsOn } from './catalog-schema.ts';

/**
 * What a model is asked to do; the router matches it against the catalog's capabilities. `guard` is the content
 * guard's safety check, taken only by a safety classifier (Llama Guard 3) or a model that lists it in its tasks.
 */
export const TASKS = ['ask', 'caption', 'transcribe', 'extract', 'embed', 'guard'] as const;
/** What a model is asked to do. */
export type Task = (typeof TASKS)[number];

/** How sensitive the data in a request is: `private` data never leaves this machine unless a model is allowed. */
export const SENSITIVITIES = ['private', 'personal', 'public'] as const;
/** How sensitive the data in a request is. */
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** The kinds of provider Familiar can build (one AI SDK adapter each, plus the in-process engine). */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'google', 'openai-compatible', 'llama-cpp'] as const;
/** The kinds of provider Familiar can build. */
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_LOOKING = /^(sk|gsk|pk|sk-ant|AIza)[-_A-Za-z0-9]{8,}/;
const SECRET_KEYS = new Set(['apiKey', 'api_key', 'key', 'token', 'secret', 'authorization']);

const ModelEntrySchema = z.strictObject(
  {
    name: z
      .string({ message: 'name the model as its provider knows it, e.g. "gpt-4o-mini" or "llama3.2:3b"' })
      .trim()
      .min(1, 'name the model as its provider knows it, e.g. "gpt-4o-mini"'),
    catalogId: z
      .string()
      .trim()
      .min(1, 'catalogId names an entry of the model catalog; leave it out to match by name')
      .optional(),
    tasks: z
      .array(z.enum(TASKS, { message: `a task is one of ${TASKS.join(', ')}` }))
      .optional()
      .describe('tasks this model is preferred for, in addition to what its catalog entry allows'),
    redact: z
      .boolean({ message: 'redact is true or false' })
      .optional()
      .describe(
        'replace personal data with placeholders before this model sees it; default: on for cloud models, off for local ones',
      ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, 'model') : undefined,
  },
);

const ProviderSchema = z
  .strictObject(
    {
      id: z
        .string({ message: 'give the provider an id, e.g. "openai" or "ollama"' })
        .regex(
          /^[a-z0-9][a-z0-9._-]*$/i,
          'an id uses letters, digits, ".", "_" or "-" (no ":"), e.g. "ollama"',
        ),
      type: z.enum(PROVIDER_TYPES, { message: `type is one of ${PROVIDER_TYPES.join(', ')}` }),
      baseUrl: z
        .url({
          protocol: /^https?$/,
          message: 'baseUrl must be an http(s) URL, e.g. http://127.0.0.1:11434/v1',
        })
        .optional(),
      apiKeyEnv: z
        .string()
        .regex(
          ENV_NAME,
          'apiKeyEnv names the environment variable that holds the key (e.g. "OPENAI_API_KEY"), never the key itself',
        )
        .refine((value) => !SECRET_LOOKING.test(value), {
          message:
            'apiKeyEnv looks like a key: put the key in an environment variable and write that variable\'s name here (e.g. "OPENAI_API_KEY")',
        })
        .optional(),
      models: z
        .array(ModelEntrySchema)
        .min(1, 'list at least one model, e.g. "models": [{ "name": "gpt-4o-mini" }]'),
      gguf: z
        .string()
        .trim()
        .min(1, 'gguf is the path of a .gguf model file, e.g. "/models/qwen2.5-1.5b-instruct-q4_k_m.gguf"')
        .optional(),
      threads: z.number().int().min(1, 'threads is a whole number of CPU threads, at least 1').optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, 'provider') : undefined,
    },
  )
  .superRefine((provider, context) => {
    if (provider.type === 'llama-cpp' && !provider.gguf) {
      context.addIssue({
        code: 'custom',
        path: ['gguf'],
        message: 'a llama-cpp provider needs "gguf": the path of a .gguf model file on this machine',
      });
    }
    if (provider.type !== 'llama-cpp' && (provider.gguf || provider.threads !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: [provider.gguf ? 'gguf' : 'threads'],
        message: '"gguf" and "threads" belong to a provider of type "llama-cpp" only',
      });
    }
    if (provider.type === 'openai-compatible' && !provider.baseUrl) {
      context.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'an openai-compatible provider needs "baseUrl", e.g. http://127.0.0.1:11434/v1 for Ollama',
      });
    }
    const names = new Set<string>();
    provider.models.forEach((model, index) => {
      if (names.has(model.name)) {
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'name'],
          message: `model "${model.name}" is listed twice for provider "${provider.id}"; keep one`,
        });
      }
      names.add(model.name);
    });
  });

/** The `models` section of `familiar.config.json`. Keys are never in it: a provider names the variable that holds its key. */
export const ModelsConfigSchema = z
  .strictObject(
    {
      providers: z.array(ProviderSchema).default([]),
      openOnly: z.boolean({ message: 'openOnly is true or false' }).default(false),
      allowPrivate: z
        .array(z.string().min(1))
        .default([])
        .describe('"<providerId>:<name>" of cloud models allowed to receive private data'),
      budgetUsd: z
        .number({ message: 'budgetUsd is the most a single call may cost, in US dollars, e.g. 0.05' })
        .nonnegative('budgetUsd cannot be negative')
        .optional(),
      timeoutMs: z
        .number({ message: 'timeoutMs is milliseconds to wait for the first token, e.g. 30000' })
        .int()
        .min(1, 'timeoutMs must be at least 1 millisecond')
        .default(30_000),
      catalog: z
        .array(z.unknown())
        .optional()
        .describe('extra catalog entries, for models the built-in catalog does not know'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, 'models') : undefined,
    },
  )
  .superRefine((config, context) => {
    const providerIds = new Set<string>();
    const modelIds = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providerIds.has(provider.id)) {
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'id'],
          message: `provider id "${provider.id}" is used twice; give each provider its own id`,
        });
      }
      providerIds.add(provider.id);
      for (const model of provider.models) modelIds.add(modelId(provider.id, model.name));
    });
    config.allowPrivate.forEach((id, index) => {
      if (!modelIds.has(id)) {
        const known = [...modelIds].slice(0, 5).join(', ');
        context.addIssue({
          code: 'custom',
          path: ['allowPrivate', index],
          message: `allowPrivate names "${id}", which is not a configured model; write "<providerId>:<name>"${known ? `, e.g. one of ${known}` : ''}`,
        });
      }
    });
  });

/** The validated `models` section of `familiar.config.json`. */
export type ModelsConfig = z.output<typeof ModelsConfigSchema>;
/** One provider of the `models` section. */
export type ProviderConfig = ModelsConfig['providers'][number];

/** A model Familiar may call, resolved from the config and the catalog. */
export interface ConfiguredModel {
  /** `<providerId>:<name>`, the id used in `allowPrivate`, audit records and events. */
  id: string;
  /** The provider's id in the config. */
  provider: string;
  providerType: ProviderType;
  /** The model's name at its provider. */
  name: string;
  runsOn: RunsOn;
  /** The catalog entry, or null when the catalog does not know this model. */
  entry: CatalogEntry | null;
  /** Whether the catalog says its weights are open (false for models the catalog does not know). */
  openWeights: boolean;
  /** Tasks the config prefers this model for. */
  tasks: Task[];
  /** Whether personal data is redacted before this model sees it, when the config says; unset: only for cloud models. */
  redact?: boolean;
}

/** The id of a configured model: `<providerId>:<name>`. */
export function modelId(providerId: string, name: string): string {
  return `${providerId}:${name}`;
}

/** Validates the `models` section; the error lists each problem as `models.<path>: <how to fix it>`. */
export function parseModelsConfig(raw: unknown): ModelsConfig {
  const parsed = ModelsConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error.issues).map((problem) => `models.${problem}`);
  throw new ValidationError(`invalid familiar.config.json: ${problems.join('; ')}`, problems);
}

/** True for a URL whose host is this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Where a provider's models run: llama-cpp in-process, an OpenAI-compatible server on loopback locally, else the cloud. */
export function inferRunsOn(provider: Pick<ProviderConfig, 'type' | 'baseUrl'>): RunsOn {
  if (provider.type === 'llama-cpp') return 'in-process';
  if (provider.type === 'openai-compatible' && isLoopbackUrl(provider.baseUrl)) return 'local-server';
  return 'cloud';
}

/**
 * Resolves every configured model against the catalog: by `catalogId` when given, else by its name (also as
 * `<type>/<name>`, the catalog's `vendor/model` form). A model the catalog does not know has `entry: null`.
 */
export function configuredModels(
  config: Pick<ModelsConfig, 'providers'>,
  catalog: readonly CatalogEntry[],
): ConfiguredModel[] {
  const byId = new Map(catalog.map((entry) => [entry.id.toLowerCase(), entry]));
  return config.providers.flatMap((provider) =>
    provider.models.map((model) => {
      const keys = model.catalogId
        ? [model.catalogId]
        : [model.name, `${provider.type}/${model.name}`, `${provider.id}/${model.name}`];
      const entry =
        keys.map((key) => byId.get(key.toLowerCase())).find((found) => found !== undefined) ?? null;
      return {
        id: modelId(provider.id, model.name),
        provider: provider.id,
        providerType: provider.type,
        name: model.name,
        runsOn: inferRunsOn(provider),
        entry,
        openWeights: entry ? hasOpenWeights(entry) : false,
        tasks: model.tasks ?? [],
        ...(model.redact === undefined ? {} : { redact: model.redact }),
      };
    }),
  );
}

function unknownKeysMessage(keys: readonly string[], where: string): string {
  const secret = keys.find((key) => SECRET_KEYS.has(key));
  if (secret) {
    return `"${secret}" cannot be in familiar.config.json: secrets never go in this file; put the key in an environment variable and name it in "apiKeyEnv"`;
  }
  return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((key) => `"${key}"`).join(', ')} in ${where}; check the spelling`;
}
