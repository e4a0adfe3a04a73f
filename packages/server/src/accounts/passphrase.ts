import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { FamiliarError, ValidationError } from '../kernel/index.ts';

/** The scrypt cost a new passphrase is hashed with (about 100 ms and 32 MiB on a laptop). */
export const PASSPHRASE_COST = { algorithm: 'scrypt', N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;
/** The shortest passphrase accepted. */
export const MIN_PASSPHRASE_LENGTH = 8;
const MAX_PASSPHRASE_LENGTH = 1024;

const ParamsSchema = z.object({
  algorithm: z.literal('scrypt'),
  N: z
    .number()
    .int()
    .min(2 ** 10)
    .max(2 ** 20),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  keyLength: z.number().int().min(16).max(64),
});

/** A passphrase hash with what it takes to check it again. */
export interface PassphraseHash {
  hash: string;
  salt: string;
  /** The parameters as JSON text. */
  params: string;
}

function derive(passphrase: string, salt: Buffer, params: z.infer<typeof ParamsSchema>): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      params.keyLength,
      // scrypt needs 128·N·r bytes; twice that leaves room.
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** Checks a new passphrase's length; the message says what is expected. */
export function validatePassphrase(passphrase: string): string {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH)
    throw new ValidationError(`a passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`);
  if (passphrase.length > MAX_PASSPHRASE_LENGTH)
    throw new ValidationError(`a passphrase has at most ${MAX_PASSPHRASE_LENGTH} characters`);
  return passphrase;
}

/** Hashes a passphrase with scrypt and a fresh 16-byte salt (the cost goes with it, so it can be raised later). */
export async function hashPassphrase(
  passphrase: string,
  cost: z.infer<typeof ParamsSchema> = PASSPHRASE_COST,
): Promise<PassphraseHash> {
  const salt = randomBytes(16);
  const key = await derive(validatePassphrase(passphrase), salt, cost);
  return { hash: key.toString('hex'), salt: salt.toString('hex'), params: JSON.stringify(cost) };
}

/** True when `passphrase` matches the stored hash (compared in constant time). Damaged parameters are an error. */
export async function verifyPassphrase(passphrase: string, stored: PassphraseHash): Promise<boolean> {
  let params: z.infer<typeof ParamsSchema>;
  try {
    params = ParamsSchema.parse(JSON.parse(stored.params));
  } catch (cause) {
    throw new FamiliarError(
      'storage_failed',
      'a stored passphrase is damaged: set it again with `familiar user passphrase`',
      { cause },
    );
  }
  const expected = Buffer.from(stored.hash, 'hex');
  if (passphrase.length > MAX_PASSPHRASE_LENGTH || expected.length !== params.keyLength) {
    await derive('', Buffer.from(stored.salt, 'hex'), params);
    return false;
  }
  const actual = await derive(passphrase, Buffer.from(stored.salt, 'hex'), params);
  return timingSafeEqual(actual, expected);
}
