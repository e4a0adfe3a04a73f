import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.ts';

/** The behaviour every BlobStore adapter must show. */
export function describeBlobStoreContract(name: string, makeStore: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    const bytes = new TextEncoder().encode('a tiny jpeg, honestly');
    const sha = createHash('sha256').update(bytes).digest('hex');

    it('addresses content by its SHA-256 and round-trips bytes', async () => {
      const store = await makeStore();
      expect(await store.put('alice', bytes)).toEqual({ sha256: sha, size: bytes.byteLength });
      expect(await store.put('alice', bytes)).toEqual({ sha256: sha, size: bytes.byteLength });
      expect(await store.get('alice', sha)).toEqual(bytes);
      expect((await store.list('alice')).map((b) => b.sha256)).toEqual([sha]);
      expect((await store.list('alice'))[0]!.modifiedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.diskUsage()).toBeGreaterThanOrEqual(bytes.byteLength);
    });

    it('keeps users apart and deletes idempotently', async () => {
      const store = await makeStore();
      await store.put('alice', bytes);
      expect(await store.has('bob', sha)).toBe(false);
      expect(await store.get('bob', sha)).toBeNull();
      await store.delete('alice', sha);
      await store.delete('alice', sha);
      expect(await store.has('alice', sha)).toBe(false);
      expect(await store.list('alice')).toEqual([]);
    });
  });
}
