/**
 * Raw media bytes, content-addressed per user by SHA-256 of the plain bytes. Reference counts live in the
 * timeline store (same transaction as the capture rows); this port only keeps bytes.
 */
export interface BlobStore {
  /** Stores bytes (a no-op when the same content is already there) and returns their hash. */
  put(userId: string, bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
  /** The bytes, or null when there is no such blob. */
  get(userId: string, sha256: string): Promise<Uint8Array | null>;
  has(userId: string, sha256: string): Promise<boolean>;
  /** Removes the bytes; a no-op when they are already gone. */
  delete(userId: string, sha256: string): Promise<void>;
  /** Every blob kept for the user, with when its file was last written (to find orphans). */
  list(userId: string): Promise<Array<{ sha256: string; modifiedAt: number }>>;
  /** Bytes on disk for all users, for `familiar status`. */
  diskUsage(): Promise<number>;
}

/**
 * How plain (unencrypted) blob bytes are written at rest. The default keeps them as they are; encryption at rest is
 * not a codec but a `BlobCipher`, since it also changes file names.
 */
export interface BlobCodec {
  readonly name: string;
  encode(plain: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decode(stored: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Stores bytes unchanged. */
export const identityCodec: BlobCodec = {
  name: 'identity',
  encode: (plain) => plain,
  decode: (stored) => stored,
};

/** True for a lower-case hex SHA-256, the only form that may become part of a path. */
export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
