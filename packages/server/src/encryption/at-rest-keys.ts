import { hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';
import type { KeySetting } from './key-setting.ts';

/** The file in FAMILIAR_HOME with the scrypt salt and parameters for a passphrase key (not secret). */
export const KEY_SALT_FILE = 'key-salt.json';

/** scrypt cost for passphrases: N = 2^17, r = 8, p = 1 (128 MiB, the OWASP recommendation). */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

const SaltFileSchema = z.object({
  version: z.literal(1),
  kdf: z.literal('scrypt'),
  N: z
    .number()
    .int()
    .min(2 ** 14)
    .max(2 ** 22),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string().regex(/^[A-Za-z0-9+/]{22,}={0,2}$/),
});

/**
 * The keys Familiar encrypts with, each derived from the one configured key with HKDF-SHA256 under its own label,
 * so the database cipher, blob contents and blob names never share a key. `keyId` names the key without revealing
 * it (blob headers carry it; `familiar key status` shows it).
 */
export class AtRestKeys {
  readonly database: Uint8Array;
  readonly blobContent: Uint8Array;
  readonly blobNames: Uint8Array;
  /** 8 bytes that identify the key, in hex (16 characters). */
  readonly keyId: string;

  constructor(master: Uint8Array) {
    const derive = (label: string, length = 32) =>
      new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), `familiar/at-rest/v1/${label}`, length));
    this.database = derive('sqlite');
    this.blobContent = derive('blob-content');
    this.blobNames = derive('blob-names');
    this.keyId = Buffer.from(derive('key-id', 8)).toString('hex');
  }

  /** True when both name the same key (compared in constant time). */
  sameAs(other: AtRestKeys): boolean {
    return timingSafeEqual(Buffer.from(this.database), Buffer.from(other.database));
  }

  toJSON(): string {
    return `AtRestKeys(${this.keyId})`;
  }

  [inspect.custom](): string {
    return `AtRestKeys(${this.keyId})`;
  }
}

/** Reads FAMILIAR_HOME's salt file for passphrases, creating it (mode 0600) on first use. */
function saltFor(home: string): z.infer<typeof SaltFileSchema> {
  const path = join(home, KEY_SALT_FILE);
  if (!existsSync(path)) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const fresh = {
      version: 1 as const,
      kdf: 'scrypt' as const,
      ...SCRYPT,
      salt: randomBytes(16).toString('base64'),
    };
    try {
      writeFileSync(path, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FamiliarError('invalid_config', `${path} is not valid JSON; restore it from a backup`, {
      cause,
    });
  }
  const salt = SaltFileSchema.safeParse(parsed);
  if (!salt.success)
    throw new FamiliarError(
      'invalid_config',
      `${path} is damaged (${salt.error.issues.map((issue) => issue.message).join('; ')}); restore it from a backup, since the passphrase cannot open the data without it`,
    );
  return salt.data;
}

const cache = new WeakMap<KeySetting, Map<string, AtRestKeys>>();

/**
 * The keys for a configured key: a raw key is used as it is; a passphrase is stretched with scrypt and the salt in
 * `<home>/key-salt.json` (created on first use). Stretching takes a few hundred milliseconds, so the result is kept
 * for the life of the process (in memory only).
 */
export function atRestKeys(setting: KeySetting, home: string): AtRestKeys {
  const known = cache.get(setting)?.get(home);
  if (known) return known;
  const value = setting.secret.reveal();
  let master: Uint8Array;
  if (setting.kind === 'raw' && value instanceof Uint8Array) master = value;
  else {
    const salt = saltFor(home);
    master = new Uint8Array(
      scryptSync(String(value).normalize('NFC'), Buffer.from(salt.salt, 'base64'), 32, {
        N: salt.N,
        r: salt.r,
        p: salt.p,
        maxmem: 256 * salt.N * salt.r + 16 * 1024 * 1024,
      }),
    );
  }
  const keys = new AtRestKeys(master);
  const byHome = cache.get(setting) ?? new Map<string, AtRestKeys>();
  byHome.set(home, keys);
  cache.set(setting, byHome);
  return keys;
}
