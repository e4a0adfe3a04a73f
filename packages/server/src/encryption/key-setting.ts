import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../kernel/index.ts';
import { Secret } from './secret.ts';

/** The shortest passphrase accepted; anything shorter is too easy to guess offline, even stretched with scrypt. */
export const MIN_PASSPHRASE_LENGTH = 16;

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** What a key setting may hold, said the same way in every error. */
export const KEY_FORMAT_HINT = `64 hex characters (a random 256-bit key: \`openssl rand -hex 32\`) or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`;

/**
 * The text of a key: 64 hex characters (a raw 256-bit key) or a passphrase of at least 16 characters. The message
 * never repeats the value.
 */
export const KeyTextSchema = z
  .string()
  .refine((value) => HEX_KEY.test(value.trim()) || value.length >= MIN_PASSPHRASE_LENGTH, {
    message: `must be ${KEY_FORMAT_HINT}`,
  });

/** Where a key came from, for status lines and errors (never the key itself). */
export type KeySource = 'FAMILIAR_KEY' | 'FAMILIAR_KEY_FILE' | 'FAMILIAR_NEW_KEY' | '--new-key-file';

/** A key for encryption at rest, as configured: a raw 256-bit key or a passphrase, held in a `Secret`. */
export interface KeySetting {
  source: KeySource;
  kind: 'raw' | 'passphrase';
  /** The key file, when the key came from one. */
  file: string | null;
  secret: Secret<Uint8Array> | Secret<string>;
}

/** Reads key text (already validated) into a setting: hex becomes 32 raw bytes, anything else a passphrase. */
export function keySettingFromText(text: string, source: KeySource, file: string | null = null): KeySetting {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed))
    return { source, kind: 'raw', file, secret: new Secret(new Uint8Array(Buffer.from(trimmed, 'hex'))) };
  return { source, kind: 'passphrase', file, secret: new Secret(text) };
}

/** True when `path` is `directory` or lies anywhere below it, following symbolic links where they exist. */
function isInside(path: string, directory: string): boolean {
  const real = (target: string): string => {
    try {
      return realpathSync(target);
    } catch {
      // Not there yet: resolve what exists of it.
      const parent = dirname(target);
      return parent === target ? target : resolve(real(parent), relative(parent, target));
    }
  };
  const fromDirectory = relative(real(directory), real(path));
  return fromDirectory === '' || (!fromDirectory.startsWith('..') && !isAbsolute(fromDirectory));
}

/**
 * Reads a key file: it must lie outside FAMILIAR_HOME (a copy of the data directory must not carry its own key) and
 * be readable by its owner only (mode 0600 or 0400). Errors say how to fix it and never include the key.
 */
export function readKeyFile(path: string, options: { home: string; source: KeySource }): KeySetting {
  const file = resolve(path);
  const name = options.source;
  if (isInside(file, options.home))
    throw new ValidationError(
      `invalid configuration: ${name} ${file} lies inside FAMILIAR_HOME (${options.home}); keep the key elsewhere (another disk, a password manager's export, a secrets mount), or anyone with a copy of the data directory has the key too`,
    );
  let stats: import('node:fs').Stats;
  try {
    stats = statSync(file);
  } catch {
    throw new ValidationError(`invalid configuration: ${name} ${file} does not exist or cannot be read`);
  }
  if (!stats.isFile()) throw new ValidationError(`invalid configuration: ${name} ${file} is not a file`);
  const mode = stats.mode & 0o777;
  if (process.platform !== 'win32' && mode !== 0o600 && mode !== 0o400)
    throw new ValidationError(
      `invalid configuration: ${name} ${file} has mode ${mode.toString(8).padStart(4, '0')}; only its owner may read it: chmod 600 ${file}`,
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new ValidationError(`invalid configuration: ${name} ${file} cannot be read`);
  }
  if (!KeyTextSchema.safeParse(text).success)
    throw new ValidationError(`invalid configuration: ${name} ${file} must hold ${KEY_FORMAT_HINT}`);
  return keySettingFromText(text, options.source, file);
}

/**
 * The key for encryption at rest from FAMILIAR_KEY or FAMILIAR_KEY_FILE (validated values), or null when neither
 * is set (no encryption). Setting both is an error: which one wins would be a guess.
 */
export function keySettingFrom(values: { key?: string; keyFile?: string; home: string }): KeySetting | null {
  if (values.key !== undefined && values.keyFile !== undefined)
    throw new ValidationError(
      'invalid configuration: set FAMILIAR_KEY or FAMILIAR_KEY_FILE, not both (they would be two keys for one data directory)',
    );
  if (values.key !== undefined) return keySettingFromText(values.key, 'FAMILIAR_KEY');
  if (values.keyFile !== undefined)
    return readKeyFile(values.keyFile, { home: values.home, source: 'FAMILIAR_KEY_FILE' });
  return null;
}
