import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AssistantSettingsWireSchema, type Modality, ModalitySchema } from '@familiar/protocol';
import { z } from 'zod';
import { type McpConfig, McpConfigSchema } from './assistant/chat/mcp.ts';
import type { AssistantSettings } from './assistant/types.ts';
import { type KeySetting, KeyTextSchema, keySettingFrom } from './encryption/index.ts';
import { describeIssues, ValidationError } from './kernel/index.ts';
import { type RetrievalSettings, RetrievalSettingsSchema } from './memory/index.ts';
import { type ModelsConfig, parseModelsConfig } from './models/index.ts';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/** Parses "16mb", "512kb" or a plain byte count. */
const ByteSizeSchema = z.string().transform((value, context) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) {
    context.addIssue({ code: 'custom', message: 'use a byte count or a size such as 512kb or 16mb' });
    return z.NEVER;
  }
  return Math.floor(Number(match[1]) * unit);
});

const EnvSchema = z.object({
  FAMILIAR_HOME: z.string().min(1).optional(),
  FAMILIAR_PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int()
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(7777),
  FAMILIAR_HOST: z.string().min(1).default('127.0.0.1'),
  FAMILIAR_BODY_LIMIT: ByteSizeSchema.default(16 * 1024 * 1024),
  FAMILIAR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FAMILIAR_MEDIA_URL_TTL: z.coerce.number().int().min(10).max(86_400).default(300),
  FAMILIAR_AUDIO_RETENTION_DAYS: z
    .union([
      z.literal('forever'),
      z.coerce.number().positive('must be a positive number of days or "forever"'),
    ])
    .default(7),
  FAMILIAR_ASR: z.enum(['auto', 'pocketsphinx', 'whisper', 'openai', 'off']).default('auto'),
  FAMILIAR_ASR_URL: z.url().optional(),
  FAMILIAR_ASR_API_KEY: z.string().min(1).optional(),
  FAMILIAR_ASR_MODEL: z.string().min(1).optional(),
  FAMILIAR_WHISPER_ENCODER: z.string().min(1).optional(),
  FAMILIAR_WHISPER_DECODER: z.string().min(1).optional(),
  FAMILIAR_WHISPER_TOKENS: z.string().min(1).optional(),
  FAMILIAR_SPEAKER_MODEL: z.string().min(1).optional(),
  FAMILIAR_SPEAKER_THRESHOLD: z.coerce
    .number({ message: 'must be a number between 0 and 1' })
    .gt(0, 'must be above 0 (a cosine similarity, e.g. 0.6)')
    .max(1, 'must be at most 1 (a cosine similarity, e.g. 0.6)')
    .default(0.6),
  FAMILIAR_CAPTION_URL: z
    .url({
      protocol: /^https?$/,
      message: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1',
    })
    .optional(),
  FAMILIAR_CAPTION_API_KEY: z.string().min(1).optional(),
  FAMILIAR_CAPTION_MODEL: z.string().trim().min(1).optional(),
  FAMILIAR_EMBEDDER: z
    .enum(['off', 'openai-compatible', 'ollama', 'gguf', 'hashing'], {
      message: 'must be off, openai-compatible, ollama, gguf or hashing',
    })
    .default('off'),
  FAMILIAR_EMBED_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434' })
    .optional(),
  FAMILIAR_EMBED_MODEL: z.string().trim().min(1).optional(),
  FAMILIAR_EMBED_API_KEY: z.string().min(1).optional(),
  FAMILIAR_EMBED_GGUF: z.string().min(1).optional(),
  FAMILIAR_RETENTION: z
    .string()
    .optional()
    .transform((value, context) => {
      const policy: Partial<Record<Modality, number>> = {};
      for (const part of (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)) {
        const match = /^([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*d?$/i.exec(part);
        const modality = ModalitySchema.safeParse(match?.[1]?.toLowerCase());
        if (!match || !modality.success || Number(match[2]) <= 0) {
          context.addIssue({
            code: 'custom',
            message: `"${part}" is not modality=days (modalities: ${ModalitySchema.options.join(', ')}), e.g. frame=90,location=30`,
          });
          return z.NEVER;
        }
        policy[modality.data] = Number(match[2]);
      }
      return policy;
    }),
  FAMILIAR_MEMORY_INTERVAL_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(100, 'must be at least 100 ms')
    .default(2000),
  FAMILIAR_DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a PostgreSQL URL, postgres://user:password@host:5432/database')
    .optional(),
  FAMILIAR_KEY: KeyTextSchema.optional(),
  FAMILIAR_KEY_FILE: z.string().trim().min(1, 'must be the path of a file that holds the key').optional(),
  FAMILIAR_WEB_DIR: z.string().trim().min(1, 'must be the folder of the built web app').optional(),
});

/** Which embedding model memory uses for vector search; `off`: full-text search only. */
export type EmbedderConfig =
  | { kind: 'off' }
  | { kind: 'openai-compatible'; url: string; model: string; apiKey?: string }
  | { kind: 'ollama'; url: string; model: string }
  | { kind: 'gguf'; path: string }
  | { kind: 'hashing' };

/** Familiar's settings, read from the environment once at start. */
export interface Config {
  /** Data directory: database, blobs, secret key. */
  home: string;
  port: number;
  host: string;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  logLevel: string;
  /** Lifetime of signed media links, seconds. */
  mediaUrlTtl: number;
  /** Days raw audio is kept after it was perceived; null keeps it forever. */
  audioRetentionDays: number | null;
  /** Which speech recognizer perception uses, and its settings. */
  asr: {
    engine: 'auto' | 'pocketsphinx' | 'whisper' | 'openai' | 'off';
    url?: string;
    apiKey?: string;
    model?: string;
    whisper?: { encoder: string; decoder: string; tokens: string };
  };
  /** Speaker identification: a speaker-embedding model (absolute path), and the similarity that names a voice. */
  speakers: {
    model?: string;
    threshold: number;
  };
  /** A vision model behind an OpenAI-compatible chat API that captions frames; unset: template captions. */
  caption?: {
    url: string;
    apiKey?: string;
    model: string;
  };
  /** The embedding model for vector search (off unless configured). */
  embedder: EmbedderConfig;
  /** The language models Familiar may call (familiar.config.json → models); null when none is configured. */
  models: ModelsConfig | null;
  /** Retrieval weights from familiar.config.json → retrieval (the rest are the defaults). */
  retrieval: RetrievalSettings;
  /** The assistant's default settings (quiet hours, digest time, rate limits) from familiar.config.json → assistant. */
  assistant: Partial<AssistantSettings>;
  /** MCP servers whose tools the assistant may use (familiar.config.json → mcp), or null. */
  mcp: McpConfig | null;
  /** Familiar's own MCP server (familiar.config.json → mcpServer). */
  mcpServer: McpServerConfig;
  /** The settings file that was read, or null when FAMILIAR_HOME has none. */
  configFile: string | null;
  /** Days each modality's observations are kept (what was derived only from them goes too); absent: forever. */
  retention: Partial<Record<Modality, number>>;
  /** How often the server brings memory (facts, episodes, vectors) up to date with new observations. */
  memoryIntervalMs: number;
  /** A PostgreSQL database to keep the data in instead of SQLite in FAMILIAR_HOME, or null. */
  databaseUrl: string | null;
  /**
   * The key for encryption at rest (the SQLite database and media blobs), from FAMILIAR_KEY or FAMILIAR_KEY_FILE;
   * null: data is stored unencrypted. The key itself is held in a `Secret`, which logs and JSON show as redacted.
   */
  encryption: KeySetting | null;
  /** The folder of the built web app (FAMILIAR_WEB_DIR), or null for `packages/web/dist` of this repository. */
  webDir: string | null;
}

/** The environment variables Familiar reads, with their meaning, for `--help` and the README. */
export const CONFIG_VARIABLES = [
  ['FAMILIAR_HOME', '~/.familiar', 'data directory (database, media blobs, secret key)'],
  ['FAMILIAR_PORT', '7777', 'HTTP port of `familiar start` (0 picks a free one)'],
  ['FAMILIAR_HOST', '127.0.0.1', 'address to listen on; 0.0.0.0 lets devices on your network connect'],
  ['FAMILIAR_BODY_LIMIT', '16mb', 'largest request body accepted'],
  ['FAMILIAR_LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)'],
  ['FAMILIAR_MEDIA_URL_TTL', '300', 'seconds a signed media link stays valid'],
  [
    'FAMILIAR_AUDIO_RETENTION_DAYS',
    '7',
    'days raw audio is kept after it was captured, once transcribed ("forever" keeps it); transcripts stay',
  ],
  [
    'FAMILIAR_ASR',
    'auto',
    'speech recognizer: auto (pocketsphinx if installed), pocketsphinx, whisper, openai or off',
  ],
  [
    'FAMILIAR_ASR_URL',
    '-',
    'base URL of an OpenAI-compatible transcription API (FAMILIAR_ASR=openai), e.g. https://api.openai.com/v1',
  ],
  ['FAMILIAR_ASR_API_KEY', '-', 'API key for FAMILIAR_ASR_URL (never logged)'],
  ['FAMILIAR_ASR_MODEL', 'whisper-1', 'model name for FAMILIAR_ASR=openai'],
  [
    'FAMILIAR_WHISPER_ENCODER',
    '-',
    'Whisper encoder .onnx for FAMILIAR_ASR=whisper (with _DECODER and _TOKENS; sherpa-onnx format)',
  ],
  ['FAMILIAR_WHISPER_DECODER', '-', 'Whisper decoder .onnx for FAMILIAR_ASR=whisper'],
  ['FAMILIAR_WHISPER_TOKENS', '-', 'Whisper tokens.txt for FAMILIAR_ASR=whisper'],
  [
    'FAMILIAR_SPEAKER_MODEL',
    '-',
    'speaker-embedding .onnx for sherpa-onnx (3D-Speaker, WeSpeaker or NeMo export); unset: every voice is "unknown"',
  ],
  [
    'FAMILIAR_SPEAKER_THRESHOLD',
    '0.6',
    'lowest cosine similarity to an enrolled voiceprint that names a speaker (higher: fewer, surer names)',
  ],
  [
    'FAMILIAR_CAPTION_URL',
    '-',
    'base URL of an OpenAI-compatible vision chat API that captions frames, e.g. http://127.0.0.1:11434/v1 (Ollama); unless it is this machine, every kept frame (faces blurred) leaves it; unset: captions from objects and text',
  ],
  ['FAMILIAR_CAPTION_API_KEY', '-', 'API key for FAMILIAR_CAPTION_URL (never logged)'],
  [
    'FAMILIAR_CAPTION_MODEL',
    '-',
    'vision model for FAMILIAR_CAPTION_URL (required with it), e.g. qwen2.5vl:3b, llava or gpt-4o-mini',
  ],
  [
    'FAMILIAR_EMBEDDER',
    'off',
    'embedding model for vector search: off (full text only), openai-compatible, ollama, gguf (in-process) or hashing (lexical, for tests)',
  ],
  [
    'FAMILIAR_EMBED_URL',
    '-',
    'base URL for FAMILIAR_EMBEDDER=openai-compatible (e.g. http://127.0.0.1:8080/v1) or ollama (http://127.0.0.1:11434); text excerpts go there',
  ],
  [
    'FAMILIAR_EMBED_MODEL',
    '-',
    'embedding model name there, e.g. nomic-embed-text or text-embedding-3-small',
  ],
  ['FAMILIAR_EMBED_API_KEY', '-', 'API key for FAMILIAR_EMBED_URL (never logged)'],
  ['FAMILIAR_EMBED_GGUF', '-', 'path of a GGUF embedding model for FAMILIAR_EMBEDDER=gguf'],
  [
    'FAMILIAR_RETENTION',
    '-',
    'days to keep observations per modality, e.g. frame=90,location=30 (facts and episodes only they supported go too); unset: forever',
  ],
  [
    'FAMILIAR_MEMORY_INTERVAL_MS',
    '2000',
    'how often the server turns new observations into facts, episodes and vectors',
  ],
  [
    'FAMILIAR_DATABASE_URL',
    '-',
    'a PostgreSQL database instead of the embedded SQLite one, e.g. postgres://familiar:secret@db:5432/familiar (the password is never logged); media stays in FAMILIAR_HOME',
  ],
  [
    'FAMILIAR_KEY',
    '-',
    'encrypts the SQLite database and media at rest: 64 hex characters (`openssl rand -hex 32`) or a passphrase of 16+ characters (never logged); unset: no encryption',
  ],
  ['FAMILIAR_KEY_FILE', '-', 'a file holding that key instead, outside FAMILIAR_HOME, mode 0600 or 0400'],
  [
    'FAMILIAR_WEB_DIR',
    'packages/web/dist',
    'the built web app the server serves at / (`npm run build -w @familiar/web` makes it)',
  ],
] as const;

/** Reads and validates the configuration; a bad value is an error that says which variable and how to fix it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ValidationError(`invalid configuration: ${problems.join('; ')}`, problems);
  }
  const values = parsed.data;
  const whisperFiles = [
    values.FAMILIAR_WHISPER_ENCODER,
    values.FAMILIAR_WHISPER_DECODER,
    values.FAMILIAR_WHISPER_TOKENS,
  ];
  if (whisperFiles.some(Boolean) && !whisperFiles.every(Boolean)) {
    throw new ValidationError(
      'invalid configuration: a Whisper model needs all three of FAMILIAR_WHISPER_ENCODER, FAMILIAR_WHISPER_DECODER and FAMILIAR_WHISPER_TOKENS',
    );
  }
  if (values.FAMILIAR_CAPTION_URL && !values.FAMILIAR_CAPTION_MODEL) {
    throw new ValidationError(
      'invalid configuration: FAMILIAR_CAPTION_URL needs FAMILIAR_CAPTION_MODEL, the name of a vision model that server serves (e.g. qwen2.5vl:3b for Ollama)',
    );
  }
  if (!values.FAMILIAR_CAPTION_URL && (values.FAMILIAR_CAPTION_MODEL || values.FAMILIAR_CAPTION_API_KEY)) {
    throw new ValidationError(
      'invalid configuration: FAMILIAR_CAPTION_MODEL and FAMILIAR_CAPTION_API_KEY need FAMILIAR_CAPTION_URL, the base URL of the vision API (e.g. http://127.0.0.1:11434/v1)',
    );
  }
  const home = resolve(values.FAMILIAR_HOME ?? join(homedir(), '.familiar'));
  const file = readConfigFile(home);
  const encryption = keySettingFrom({
    ...(values.FAMILIAR_KEY === undefined ? {} : { key: values.FAMILIAR_KEY }),
    ...(values.FAMILIAR_KEY_FILE === undefined ? {} : { keyFile: values.FAMILIAR_KEY_FILE }),
    home,
  });
  return {
    encryption,
    models: file?.models ?? null,
    retrieval: file?.retrieval ?? {},
    assistant: file?.assistant ?? {},
    mcp: file?.mcp ?? null,
    mcpServer: file?.mcpServer ?? { redact: true },
    configFile: file ? join(home, CONFIG_FILE) : null,
    embedder: embedderConfig(values),
    memoryIntervalMs: values.FAMILIAR_MEMORY_INTERVAL_MS,
    databaseUrl: values.FAMILIAR_DATABASE_URL ?? null,
    webDir: values.FAMILIAR_WEB_DIR ? resolve(values.FAMILIAR_WEB_DIR) : null,
    retention: values.FAMILIAR_RETENTION,
    home,
    port: values.FAMILIAR_PORT,
    host: values.FAMILIAR_HOST,
    bodyLimit: values.FAMILIAR_BODY_LIMIT,
    logLevel: values.FAMILIAR_LOG_LEVEL,
    mediaUrlTtl: values.FAMILIAR_MEDIA_URL_TTL,
    audioRetentionDays:
      values.FAMILIAR_AUDIO_RETENTION_DAYS === 'forever' ? null : values.FAMILIAR_AUDIO_RETENTION_DAYS,
    asr: {
      engine: values.FAMILIAR_ASR,
      ...(values.FAMILIAR_ASR_URL ? { url: values.FAMILIAR_ASR_URL } : {}),
      ...(values.FAMILIAR_ASR_API_KEY ? { apiKey: values.FAMILIAR_ASR_API_KEY } : {}),
      ...(values.FAMILIAR_ASR_MODEL ? { model: values.FAMILIAR_ASR_MODEL } : {}),
      ...(values.FAMILIAR_WHISPER_ENCODER && values.FAMILIAR_WHISPER_DECODER && values.FAMILIAR_WHISPER_TOKENS
        ? {
            whisper: {
              encoder: resolve(values.FAMILIAR_WHISPER_ENCODER),
              decoder: resolve(values.FAMILIAR_WHISPER_DECODER),
              tokens: resolve(values.FAMILIAR_WHISPER_TOKENS),
            },
          }
        : {}),
    },
    speakers: {
      ...(values.FAMILIAR_SPEAKER_MODEL ? { model: resolve(values.FAMILIAR_SPEAKER_MODEL) } : {}),
      threshold: values.FAMILIAR_SPEAKER_THRESHOLD,
    },
    ...(values.FAMILIAR_CAPTION_URL && values.FAMILIAR_CAPTION_MODEL
      ? {
          caption: {
            url: values.FAMILIAR_CAPTION_URL,
            ...(values.FAMILIAR_CAPTION_API_KEY ? { apiKey: values.FAMILIAR_CAPTION_API_KEY } : {}),
            model: values.FAMILIAR_CAPTION_MODEL,
          },
        }
      : {}),
  };
}

function embedderConfig(values: z.infer<typeof EnvSchema>): EmbedderConfig {
  const kind = values.FAMILIAR_EMBEDDER;
  if (kind === 'off' || kind === 'hashing') return { kind };
  if (kind === 'gguf') {
    if (!values.FAMILIAR_EMBED_GGUF)
      throw new ValidationError(
        'invalid configuration: FAMILIAR_EMBEDDER=gguf needs FAMILIAR_EMBED_GGUF, the path of a GGUF embedding model',
      );
    return { kind, path: resolve(values.FAMILIAR_EMBED_GGUF) };
  }
  if (!values.FAMILIAR_EMBED_MODEL)
    throw new ValidationError(
      `invalid configuration: FAMILIAR_EMBEDDER=${kind} needs FAMILIAR_EMBED_MODEL, the embedding model's name (e.g. nomic-embed-text)`,
    );
  if (kind === 'ollama')
    return {
      kind,
      url: values.FAMILIAR_EMBED_URL ?? 'http://127.0.0.1:11434',
      model: values.FAMILIAR_EMBED_MODEL,
    };
  if (!values.FAMILIAR_EMBED_URL)
    throw new ValidationError(
      'invalid configuration: FAMILIAR_EMBEDDER=openai-compatible needs FAMILIAR_EMBED_URL, the API base URL (e.g. http://127.0.0.1:8080/v1)',
    );
  return {
    kind,
    url: values.FAMILIAR_EMBED_URL,
    model: values.FAMILIAR_EMBED_MODEL,
    ...(values.FAMILIAR_EMBED_API_KEY ? { apiKey: values.FAMILIAR_EMBED_API_KEY } : {}),
  };
}

/** The settings file in FAMILIAR_HOME (secrets never go in it: providers name the environment variable). */
export const CONFIG_FILE = 'familiar.config.json';

const ConfigFileSchema = z.strictObject(
  {
    models: z.unknown().optional(),
    retrieval: z.unknown().optional(),
    assistant: z.unknown().optional(),
    mcp: z.unknown().optional(),
    mcpServer: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.join(', ')}: the file holds "models", "retrieval", "assistant", "mcp" and "mcpServer"`
        : undefined,
  },
);

/**
 * Familiar as an MCP server (`familiar mcp`, `POST /v1/mcp`): `redact` (default true) replaces personal data in what
 * the tools return, as before a cloud model, since an MCP client may be one.
 */
export const McpServerConfigSchema = z.strictObject({
  redact: z.boolean({ message: 'redact is true or false' }).default(true),
});

/** The `mcpServer` section. */
export type McpServerConfig = z.output<typeof McpServerConfigSchema>;

/** Reads familiar.config.json when there is one; a malformed file is an error that says where, never ignored. */
/** The assistant's defaults a config file may set (each person can change their own with `familiar assistant settings`). */
const AssistantDefaultsSchema = AssistantSettingsWireSchema.omit({ notNowUntil: true }).partial();

/** Reads one section with its schema; problems name the section and the field. */
function section<T extends z.ZodType>(path: string, name: string, schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(
      `invalid ${path}: ${describeIssues(parsed.error.issues)
        .map((problem) => `${name}.${problem}`)
        .join('; ')}`,
    );
  return parsed.data;
}

function readConfigFile(home: string): {
  models: ModelsConfig | null;
  retrieval: RetrievalSettings;
  assistant: Partial<AssistantSettings>;
  mcp: McpConfig | null;
  mcpServer: McpServerConfig;
} | null {
  const path = join(home, CONFIG_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ValidationError(`invalid ${path}: not valid JSON (${(cause as Error).message})`);
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ValidationError(
      `invalid ${path}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
    );
  const retrieval = RetrievalSettingsSchema.safeParse(parsed.data.retrieval ?? {});
  if (!retrieval.success)
    throw new ValidationError(
      `invalid ${path}: ${describeIssues(retrieval.error.issues)
        .map((problem) => `retrieval.${problem}`)
        .join('; ')}`,
    );
  return {
    models: parsed.data.models === undefined ? null : parseModelsConfig(parsed.data.models),
    retrieval: retrieval.data,
    assistant: section(path, 'assistant', AssistantDefaultsSchema, parsed.data.assistant ?? {}),
    mcp: parsed.data.mcp === undefined ? null : section(path, 'mcp', McpConfigSchema, parsed.data.mcp),
    mcpServer: section(path, 'mcpServer', McpServerConfigSchema, parsed.data.mcpServer ?? {}),
  };
}
