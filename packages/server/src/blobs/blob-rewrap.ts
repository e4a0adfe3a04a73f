import { createHash } from 'node:crypto';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobCipher, isSealedBlobName, sealedKeyId } from './blob-cipher.ts';
import { isSha256 } from './blob-store.ts';
import { checkBlobUserId, pathExists, writeFileAtomically } from './fs-blob-store.ts';

/** What a pass over the blob files found and did. */
export interface RewrapReport {
  /** Files sealed under the target key in this pass. */
  rewritten: number;
  /** Files already under the target key. */
  alreadyDone: number;
  /** Files this pass could not read: under a key it was not given, or damaged (left as they are). */
  unreadable: string[];
}

/** Every blob file under `root`, as user, directory and name (temporary files are skipped). */
async function blobFiles(root: string): Promise<Array<{ userId: string; directory: string; name: string }>> {
  const files: Array<{ userId: string; directory: string; name: string }> = [];
  let users: string[];
  try {
    users = await readdir(root);
  } catch {
    return [];
  }
  for (const userId of users.sort()) {
    try {
      checkBlobUserId(userId);
    } catch {
      continue;
    }
    let prefixes: string[];
    try {
      prefixes = await readdir(join(root, userId));
    } catch {
      continue;
    }
    for (const prefix of prefixes.sort()) {
      const directory = join(root, userId, prefix);
      let names: string[];
      try {
        names = await readdir(directory);
      } catch {
        continue;
      }
      for (const name of names.sort())
        if (isSha256(name) || isSealedBlobName(name)) files.push({ userId, directory, name });
    }
  }
  return files;
}

/**
 * Seals every blob file under `root` with `to`: plain-text files and files sealed with `from` (the key being
 * replaced). Each new file is written whole (fsynced, renamed) before its old one is deleted, so a crash loses
 * nothing, and a second pass after a crash finishes the job: what is already under `to` is skipped.
 */
export async function rewrapBlobs(options: {
  root: string;
  from: BlobCipher | null;
  to: BlobCipher;
  onProgress?: (done: number, total: number) => void;
}): Promise<RewrapReport> {
  const { root, from, to, onProgress } = options;
  const files = await blobFiles(root);
  const report: RewrapReport = { rewritten: 0, alreadyDone: 0, unreadable: [] };
  let done = 0;
  for (const file of files) {
    const path = join(file.directory, file.name);
    try {
      const stored = await readFile(path);
      let sha256: string;
      let plain: Uint8Array;
      if (isSha256(file.name)) {
        sha256 = file.name;
        plain = stored;
        // A plain file must hold what its name says; a damaged one is left for the person to look at.
        if (createHash('sha256').update(plain).digest('hex') !== sha256)
          throw new Error('content does not match');
      } else {
        const keyId = sealedKeyId(stored);
        if (keyId === to.keyId) {
          report.alreadyDone += 1;
          continue;
        }
        if (!from || keyId !== from.keyId) throw new Error('sealed with a key this pass was not given');
        sha256 = from.readSha256(file.userId, stored);
        plain = from.open(file.userId, stored, sha256);
      }
      const name = to.fileName(file.userId, sha256);
      const directory = join(root, file.userId, name.slice(0, 2));
      const target = join(directory, name);
      if (!(await pathExists(target)))
        await writeFileAtomically(target, directory, name, to.seal(file.userId, sha256, plain));
      await rm(path, { force: true });
      report.rewritten += 1;
    } catch {
      report.unreadable.push(join(file.userId, file.name));
    } finally {
      done += 1;
      onProgress?.(done, files.length);
    }
  }
  return report;
}

/** How many blob files are sealed under `cipher`, under other keys, or still in plain text. */
export async function countBlobFiles(
  root: string,
  cipher: BlobCipher | null,
): Promise<{ sealed: number; otherKey: number; plaintext: number }> {
  const counts = { sealed: 0, otherKey: 0, plaintext: 0 };
  for (const file of await blobFiles(root)) {
    if (isSha256(file.name)) counts.plaintext += 1;
    else {
      const handle = await open(join(file.directory, file.name), 'r');
      try {
        const head = Buffer.alloc(16);
        await handle.read(head, 0, 16, 0);
        if (cipher && sealedKeyId(head) === cipher.keyId) counts.sealed += 1;
        else counts.otherKey += 1;
      } finally {
        await handle.close();
      }
    }
  }
  return counts;
}
