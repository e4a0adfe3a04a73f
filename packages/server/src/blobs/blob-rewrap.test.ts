import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { createBlobCipher } from './blob-cipher.ts';
import { countBlobFiles, rewrapBlobs } from './blob-rewrap.ts';
import { createFsBlobStore } from './fs-blob-store.ts';

const cipher = () =>
  createBlobCipher({
    contentKey: randomBytes(32),
    nameKey: randomBytes(32),
    keyId: randomBytes(8).toString('hex'),
  });

function allFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(root, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

const blobs = Array.from({ length: 6 }, (_, i) =>
  Buffer.from(`frame ${i} quixoticzebra42 ${'x'.repeat(i * 100)}`),
);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('rewrapping blobs under another key', () => {
  it('seals plain-text files, then moves every file from the old key to the new one', async () => {
    const root = tempHome('familiar-blobs-');
    const plain = createFsBlobStore({ root });
    for (const bytes of blobs) await plain.put(bytes.length % 2 ? 'alice' : 'bob', bytes);
    const first = cipher();
    const progress: Array<[number, number]> = [];
    const sealed = await rewrapBlobs({
      root,
      from: null,
      to: first,
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(sealed).toEqual({ rewritten: 6, alreadyDone: 0, unreadable: [] });
    expect(progress.at(-1)).toEqual([6, 6]);
    expect(await countBlobFiles(root, first)).toEqual({ sealed: 6, otherKey: 0, plaintext: 0 });
    for (const file of allFiles(root))
      expect(readFileSync(join(root, file)).includes('quixoticzebra42')).toBe(false);

    const second = cipher();
    expect(await rewrapBlobs({ root, from: first, to: second })).toMatchObject({
      rewritten: 6,
      unreadable: [],
    });
    const store = createFsBlobStore({ root, cipher: second });
    for (const bytes of blobs)
      expect(
        Buffer.from((await store.get(bytes.length % 2 ? 'alice' : 'bob', sha(bytes)))!).equals(bytes),
      ).toBe(true);
    expect(await createFsBlobStore({ root, cipher: first }).get('alice', sha(blobs[1]!))).toBeNull();
    expect(await countBlobFiles(root, second)).toEqual({ sealed: 6, otherKey: 0, plaintext: 0 });
  });

  it('finishes after a crash: files already under the new key are skipped, none is lost', async () => {
    const root = tempHome('familiar-blobs-');
    const first = cipher();
    const second = cipher();
    const before = createFsBlobStore({ root, cipher: first });
    for (const bytes of blobs) await before.put('alice', bytes);
    // A crash after some files were rewritten: half are under the new key, one twice (new written, old not deleted).
    const store2 = createFsBlobStore({ root, cipher: second });
    for (const bytes of blobs.slice(0, 3)) {
      await store2.put('alice', bytes);
      if (bytes !== blobs[0])
        rmSync(
          join(
            root,
            'alice',
            first.fileName('alice', sha(bytes)).slice(0, 2),
            first.fileName('alice', sha(bytes)),
          ),
        );
    }
    expect(await countBlobFiles(root, second)).toEqual({ sealed: 3, otherKey: 4, plaintext: 0 });
    const report = await rewrapBlobs({ root, from: first, to: second });
    expect(report).toEqual({ rewritten: 4, alreadyDone: 3, unreadable: [] });
    expect(await countBlobFiles(root, second)).toEqual({ sealed: 6, otherKey: 0, plaintext: 0 });
    for (const bytes of blobs)
      expect(Buffer.from((await store2.get('alice', sha(bytes)))!).equals(bytes)).toBe(true);
  });

  it('leaves files under a key it was not given, and reports them', async () => {
    const root = tempHome('familiar-blobs-');
    await createFsBlobStore({ root, cipher: cipher() }).put('alice', blobs[0]!);
    const report = await rewrapBlobs({ root, from: cipher(), to: cipher() });
    expect(report.rewritten).toBe(0);
    expect(report.unreadable).toHaveLength(1);
    expect(allFiles(root)).toHaveLength(1);
  });
});
