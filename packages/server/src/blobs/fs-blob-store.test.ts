import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { describeBlobStoreContract } from './blob-store.contract.ts';
import { createFsBlobStore } from './fs-blob-store.ts';
import { createInMemoryBlobStore } from './in-memory-blob-store.ts';

describeBlobStoreContract('files', async () => createFsBlobStore({ root: tempHome('familiar-blobs-') }));
describeBlobStoreContract('in-memory fake', async () => createInMemoryBlobStore());

describe('file blob store', () => {
  it('runs bytes through the codec at rest and leaves no temporary files', async () => {
    const root = tempHome('familiar-blobs-');
    const flip = (bytes: Uint8Array) => bytes.map((b) => b ^ 0xff);
    const store = createFsBlobStore({ root, codec: { name: 'xor', encode: flip, decode: flip } });
    const plain = new TextEncoder().encode('private photo');
    const { sha256 } = await store.put('alice', plain);
    const onDisk = readFileSync(join(root, 'alice', sha256.slice(0, 2), sha256));
    expect(Buffer.from(onDisk).equals(Buffer.from(plain))).toBe(false);
    expect(await store.get('alice', sha256)).toEqual(plain);
    expect(readdirSync(join(root, 'alice', sha256.slice(0, 2)))).toEqual([sha256]);
  });

  it('refuses hashes that are not hex, so a path can never escape the store', async () => {
    const store = createFsBlobStore({ root: tempHome('familiar-blobs-') });
    await expect(store.get('alice', '../../etc/passwd')).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
