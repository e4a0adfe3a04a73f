import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from './kernel/index.ts';

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
});

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
}

/** The environment variables Familiar reads, with their meaning, for `--help` and the README. */
export const CONFIG_VARIABLES = [
  ['FAMILIAR_HOME', '~/.familiar', 'data directory (database, media blobs, secret key)'],
  ['FAMILIAR_PORT', '7777', 'HTTP port of `familiar start` (0 picks a free one)'],
  ['FAMILIAR_HOST', '127.0.0.1', 'address to listen on; 0.0.0.0 lets devices on your network connect'],
  ['FAMILIAR_BODY_LIMIT', '16mb', 'largest request body accepted'],
  ['FAMILIAR_LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)'],
  ['FAMILIAR_MEDIA_URL_TTL', '300', 'seconds a signed media link stays valid'],
] as const;

/** Reads and validates the configuration; a bad value is an error that says which variable and how to fix it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ValidationError(`invalid configuration: ${problems.join('; ')}`, problems);
  }
  const values = parsed.data;
  return {
    home: resolve(values.FAMILIAR_HOME ?? join(homedir(), '.familiar')),
    port: values.FAMILIAR_PORT,
    host: values.FAMILIAR_HOST,
    bodyLimit: values.FAMILIAR_BODY_LIMIT,
    logLevel: values.FAMILIAR_LOG_LEVEL,
    mediaUrlTtl: values.FAMILIAR_MEDIA_URL_TTL,
  };
}
