import { createHash } from 'node:crypto';
import type { BlobStore } from './blob-store.ts';

/** The in-memory fake of the blob store; passes the same contract suite as the file store. */
export function createInMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  const written = new Map<string, number>();
  const key = (userId: string, sha256: string) => `${userId}/${sha256}`;
  return {
    async put(userId, bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (!blobs.has(key(userId, sha256))) {
        blobs.set(key(userId, sha256), new Uint8Array(bytes));
        written.set(key(userId, sha256), Date.now());
      }
      return { sha256, size: bytes.byteLength };
    },
    async get(userId, sha256) {
      const found = blobs.get(key(userId, sha256));
      return found ? new Uint8Array(found) : null;
    },
    async has(userId, sha256) {
      return blobs.has(key(userId, sha256));
    },
    async delete(userId, sha256) {
      blobs.delete(key(userId, sha256));
    },
    async list(userId) {
      return [...blobs.keys()]
        .filter((k) => k.startsWith(`${userId}/`))
        .sort()
        .map((k) => ({ sha256: k.slice(userId.length + 1), modifiedAt: written.get(k) ?? 0 }));
    },
    async diskUsage() {
      let total = 0;
      for (const bytes of blobs.values()) total += bytes.byteLength;
      return total;
    },
  };
}
