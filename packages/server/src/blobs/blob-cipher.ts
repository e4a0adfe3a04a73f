import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { FamiliarError } from '../kernel/index.ts';

const MAGIC = Buffer.from('FAMB', 'latin1');
const VERSION = 1;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SHA_BYTES = 32;
/** Magic (4), version (1), key id (8): authenticated with both parts. */
const PREFIX_BYTES = MAGIC.length + 1 + KEY_ID_BYTES;
/** Prefix, then the sealed SHA-256: nonce, ciphertext, tag. */
const HEADER_BYTES = PREFIX_BYTES + NONCE_BYTES + SHA_BYTES + TAG_BYTES;
/** Header, then the body's nonce; the body's ciphertext and tag follow. */
export const SEALED_BLOB_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
/** How many bytes of a sealed blob `readSha256` needs. */
export const SEALED_HEADER_BYTES = HEADER_BYTES;

/** The keys a blob cipher uses: AES-256-GCM for contents, HMAC-SHA256 for names, and the key's public id. */
export interface BlobKeys {
  contentKey: Uint8Array;
  nameKey: Uint8Array;
  /** 16 hex characters naming the key (written in every blob's header). */
  keyId: string;
}

/**
 * Encrypts blobs at rest. A sealed blob is `FAMB`, a version byte and the key id, then the SHA-256 of the plain bytes
 * sealed on its own (so listing reads 85 bytes, not the whole file), then the contents, each sealed with AES-256-GCM
 * under a random 96-bit nonce. Both seals bind the user id and the header, so a file moved to another user or
 * spliced with another file's body fails to open. File names are an HMAC of user and hash: they say nothing about
 * the contents, and the same photo has unrelated names under two keys.
 */
export interface BlobCipher {
  readonly keyId: string;
  /** The file name (64 hex characters and `.enc`) of a user's blob. */
  fileName(userId: string, sha256: string): string;
  /** The file's bytes for plain `bytes` whose SHA-256 is `sha256`. */
  seal(userId: string, sha256: string, bytes: Uint8Array): Buffer;
  /** The plain bytes; `wrong_key` for another key's file, `storage_failed` for a damaged or tampered one. */
  open(userId: string, stored: Uint8Array, expectedSha256?: string): Uint8Array;
  /** The SHA-256 a sealed file holds, from its first `SEALED_HEADER_BYTES` bytes. */
  readSha256(userId: string, head: Uint8Array): string;
}

/** The key id in a sealed blob's header, or null when the bytes are not a sealed blob (a plain-text one). */
export function sealedKeyId(head: Uint8Array): string | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length < PREFIX_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  return bytes.subarray(MAGIC.length + 1, PREFIX_BYTES).toString('hex');
}

/** True for the name of a sealed blob file. */
export function isSealedBlobName(name: string): boolean {
  return /^[0-9a-f]{64}\.enc$/.test(name);
}

function tampered(what: string): FamiliarError {
  return new FamiliarError(
    'storage_failed',
    `${what} is damaged or was tampered with: its authentication tag does not match (restore it from a backup)`,
    { details: { reason: 'tampered' } },
  );
}

/** The blob cipher for one key (see `BlobCipher`). */
export function createBlobCipher(keys: BlobKeys): BlobCipher {
  if (
    keys.contentKey.byteLength !== 32 ||
    keys.nameKey.byteLength !== 32 ||
    !/^[0-9a-f]{16}$/.test(keys.keyId)
  )
    throw new TypeError('a blob cipher needs two 32-byte keys and a 16-hex-character key id');
  const contentKey = Buffer.from(keys.contentKey);
  const nameKey = Buffer.from(keys.nameKey);
  const prefix = Buffer.concat([MAGIC, Buffer.from([VERSION]), Buffer.from(keys.keyId, 'hex')]);
  const user = (userId: string) => Buffer.from(`\0${userId}`, 'utf8');

  const seal = (plain: Uint8Array, aad: Buffer): Buffer => {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', contentKey, nonce).setAAD(aad);
    return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  };
  const unseal = (sealed: Buffer, aad: Buffer, what: string): Buffer => {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw tampered(what);
    const decipher = createDecipheriv('aes-256-gcm', contentKey, sealed.subarray(0, NONCE_BYTES)).setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw tampered(what);
    }
  };
  const checkPrefix = (bytes: Buffer, what: string): void => {
    const keyId = sealedKeyId(bytes);
    if (keyId === null) throw tampered(what);
    if (bytes[MAGIC.length] !== VERSION)
      throw new FamiliarError(
        'storage_failed',
        `${what} uses blob format ${bytes[MAGIC.length]}, which this version of Familiar cannot read`,
      );
    if (keyId !== keys.keyId)
      throw new FamiliarError(
        'wrong_key',
        `${what} was encrypted with another key (${keyId}), not the configured one (${keys.keyId}); finish \`familiar key rotate\` or set the key it was written with`,
        { details: { keyId } },
      );
  };
  const readSha = (userId: string, bytes: Buffer, what: string): string => {
    if (bytes.length < HEADER_BYTES) throw tampered(what);
    checkPrefix(bytes, what);
    const aad = Buffer.concat([prefix, user(userId)]);
    return unseal(bytes.subarray(PREFIX_BYTES, HEADER_BYTES), aad, what).toString('hex');
  };

  return {
    keyId: keys.keyId,
    fileName(userId, sha256) {
      return `${createHmac('sha256', nameKey).update(`${userId}\0${sha256}`, 'utf8').digest('hex')}.enc`;
    },
    seal(userId, sha256, bytes) {
      const header = Buffer.concat([
        prefix,
        seal(Buffer.from(sha256, 'hex'), Buffer.concat([prefix, user(userId)])),
      ]);
      return Buffer.concat([header, seal(bytes, Buffer.concat([header, user(userId)]))]);
    },
    open(userId, stored, expectedSha256) {
      const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      const what = 'a media file';
      const sha256 = readSha(userId, bytes, what);
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) throw tampered(what);
      const header = bytes.subarray(0, HEADER_BYTES);
      // The tag authenticates the contents under this header, which holds the hash: no need to hash them again.
      const plain = unseal(bytes.subarray(HEADER_BYTES), Buffer.concat([header, user(userId)]), what);
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
    },
    readSha256(userId, head) {
      return readSha(userId, Buffer.from(head.buffer, head.byteOffset, head.byteLength), 'a media file');
    },
  };
}
