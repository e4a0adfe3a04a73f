import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID whose time part is `timeMs` and whose random part comes from hashing `seed`: the same seed and time give
 * the same id, so re-ingesting the same file is an idempotent no-op.
 */
export function derivedUlid(timeMs: number, seed: string): string {
  let time = Math.max(0, Math.min(Math.floor(timeMs), 2 ** 48 - 1));
  let timePart = '';
  for (let i = 0; i < 10; i += 1) {
    timePart = CROCKFORD[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const digest = createHash('sha256').update(seed).digest();
  let randomPart = '';
  for (let i = 0; i < 16; i += 1) randomPart += CROCKFORD[digest[i]! % 32];
  return timePart + randomPart;
}
