import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { createBlobCipher } from './blob-cipher.ts';
import { describeBlobStoreContract } from './blob-store.contract.ts';
import { createFsBlobStore } from './fs-blob-store.ts';
import { createInMemoryBlobStore } from './in-memory-blob-store.ts';

/** A cipher with fresh random keys. */
function randomCipher() {
  return createBlobCipher({
    contentKey: randomBytes(32),
    nameKey: randomBytes(32),
    keyId: randomBytes(8).toString('hex'),
  });
}

/** Every file under `root`, recursively, as paths relative to it. */
function allFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(root, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

describeBlobStoreContract('files', async () => createFsBlobStore({ root: tempHome('familiar-blobs-') }));
describeBlobStoreContract('files, encrypted', async () =>
  createFsBlobStore({ root: tempHome('familiar-blobs-'), cipher: randomCipher() }),
);
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
    const sealed = createFsBlobStore({ root: tempHome('familiar-blobs-'), cipher: randomCipher() });
    await expect(sealed.get('alice', '../../etc/passwd')).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('encrypted file blob store', () => {
  const photo = Buffer.concat([Buffer.from('PNG quixoticzebra42 '), randomBytes(4096)]);
  const sha = createHash('sha256').update(photo).digest('hex');

  it('keeps neither the bytes nor their hash on disk, and reads them back', async () => {
    const root = tempHome('familiar-blobs-');
    const store = createFsBlobStore({ root, cipher: randomCipher() });
    await store.put('alice', photo);
    const files = allFiles(root);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^alice\/[0-9a-f]{2}\/[0-9a-f]{64}\.enc$/);
    expect(files[0]).not.toContain(sha);
    const onDisk = readFileSync(join(root, files[0]!));
    expect(onDisk.includes('quixoticzebra42')).toBe(false);
    expect(onDisk.includes(Buffer.from(sha, 'hex'))).toBe(false);
    expect(onDisk.subarray(0, 5).toString('latin1')).toBe('FAMB\u0001');
    expect(Buffer.from((await store.get('alice', sha))!).equals(photo)).toBe(true);
    // Writing the same bytes again keeps the one file.
    await store.put('alice', photo);
    expect(allFiles(root)).toEqual(files);
  });

  it('fails with a clear error on a tampered file, or one moved to another user', async () => {
    const root = tempHome('familiar-blobs-');
    const store = createFsBlobStore({ root, cipher: randomCipher() });
    await store.put('alice', photo);
    const [file] = allFiles(root);
    const path = join(root, file!);
    const bytes = readFileSync(path);
    for (const offset of [20, 90, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[offset]! ^= 0x01;
      writeFileSync(path, flipped);
      await expect(store.get('alice', sha)).rejects.toMatchObject({
        code: 'storage_failed',
        message: expect.stringContaining('tampered'),
      });
    }
    writeFileSync(path, bytes.subarray(0, 100));
    await expect(store.get('alice', sha)).rejects.toMatchObject({ code: 'storage_failed' });
    writeFileSync(path, bytes);
    expect(Buffer.from((await store.get('alice', sha))!).equals(photo)).toBe(true);
  });

  it('says wrong_key for a file sealed under another key', async () => {
    const root = tempHome('familiar-blobs-');
    const cipher = randomCipher();
    await createFsBlobStore({ root, cipher }).put('alice', photo);
    const [file] = allFiles(root);
    const other = randomCipher();
    // Same name, another key: as if the key had been swapped under the data.
    expect(() => other.open('alice', readFileSync(join(root, file!)))).toThrow(
      expect.objectContaining({ code: 'wrong_key' }),
    );
    expect(await createFsBlobStore({ root, cipher: other }).get('alice', sha)).toBeNull();
  });

  it('still reads plain-text blobs written before the key was set, and replaces them when written again', async () => {
    const root = tempHome('familiar-blobs-');
    await createFsBlobStore({ root }).put('alice', photo);
    const store = createFsBlobStore({ root, cipher: randomCipher() });
    expect(await store.has('alice', sha)).toBe(true);
    expect(Buffer.from((await store.get('alice', sha))!).equals(photo)).toBe(true);
    expect((await store.list('alice')).map((blob) => blob.sha256)).toEqual([sha]);
    await store.put('alice', photo);
    expect(allFiles(root).every((file) => file.endsWith('.enc'))).toBe(true);
    expect((await store.list('alice')).map((blob) => blob.sha256)).toEqual([sha]);
    await store.delete('alice', sha);
    expect(allFiles(root)).toEqual([]);
  });

  it('lists only what its own key sealed, so a sweep never deletes another key’s files', async () => {
    const root = tempHome('familiar-blobs-');
    await createFsBlobStore({ root, cipher: randomCipher() }).put('alice', photo);
    mkdirSync(join(root, 'alice', 'zz'), { recursive: true });
    writeFileSync(join(root, 'alice', 'zz', '.tmp-file'), 'partial');
    expect(await createFsBlobStore({ root, cipher: randomCipher() }).list('alice')).toEqual([]);
  });
});
