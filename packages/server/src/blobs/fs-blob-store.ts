import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import { type BlobCipher, isSealedBlobName, SEALED_HEADER_BYTES, sealedKeyId } from './blob-cipher.ts';
import { type BlobCodec, type BlobStore, identityCodec, isSha256 } from './blob-store.ts';

/** Rejects user ids that could escape the blob root. */
export function checkBlobUserId(userId: string): void {
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(userId)) throw new ValidationError('user id is not path-safe');
}

/** Whether a path exists (any error reads as no). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file exists; when it does, its modification time becomes now, so bytes uploaded again count as new
 * for the orphan sweep (which deletes only files older than its age limit that no capture references).
 */
async function touchIfExists(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file (mode 0600, named after the target) is written, fsynced and
 * renamed into place, and the directory fsynced. A crash leaves the file whole or absent.
 */
export async function writeFileAtomically(path: string, directory: string, name: string, bytes: Uint8Array) {
  const temporary = join(directory, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(directory, { recursive: true });
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await fsyncDirectory(directory);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw new FamiliarError('storage_failed', 'could not write the media to disk', {
      cause,
      retryable: true,
    });
  }
}

/** The first `length` bytes of a file (fewer when it is shorter). */
async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Blobs as files under `<root>/<userId>/<first two characters of the name>/<name>`. A write goes to a temporary file
 * that is fsynced and renamed into place (and the directory fsynced), so a blob either exists whole or not at all.
 * Without a cipher the name is the SHA-256 of the bytes. With one (encryption at rest), files are sealed with
 * AES-256-GCM and named by a keyed hash (see `BlobCipher`); plain-text files written before the key was set stay
 * readable until `familiar key encrypt` (or a rotation) seals them.
 */
export function createFsBlobStore(options: {
  root: string;
  codec?: BlobCodec;
  cipher?: BlobCipher | null;
}): BlobStore {
  const { root, codec = identityCodec, cipher = null } = options;

  const directoryOf = (userId: string, name: string) => join(root, userId, name.slice(0, 2));
  const plainPath = (userId: string, sha256: string): string => {
    if (!isSha256(sha256)) throw new ValidationError(`"${sha256}" is not a SHA-256 hash`);
    checkBlobUserId(userId);
    return join(directoryOf(userId, sha256), sha256);
  };
  const sealedPath = (userId: string, sha256: string): string | null => {
    plainPath(userId, sha256);
    if (!cipher) return null;
    const name = cipher.fileName(userId, sha256);
    return join(directoryOf(userId, name), name);
  };

  const readPlain = async (userId: string, sha256: string): Promise<Uint8Array | null> => {
    try {
      return new Uint8Array(await codec.decode(await readFile(plainPath(userId, sha256))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };

  return {
    async put(userId, bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const sealed = sealedPath(userId, sha256);
      if (cipher && sealed) {
        if (await touchIfExists(sealed)) return { sha256, size: bytes.byteLength };
        const name = cipher.fileName(userId, sha256);
        await writeFileAtomically(
          sealed,
          directoryOf(userId, name),
          name,
          cipher.seal(userId, sha256, bytes),
        );
        // A plain-text copy from before the key was set is no longer needed.
        await rm(plainPath(userId, sha256), { force: true });
        return { sha256, size: bytes.byteLength };
      }
      const path = plainPath(userId, sha256);
      if (await touchIfExists(path)) return { sha256, size: bytes.byteLength };
      await writeFileAtomically(path, directoryOf(userId, sha256), sha256, await codec.encode(bytes));
      return { sha256, size: bytes.byteLength };
    },
    async get(userId, sha256) {
      const sealed = sealedPath(userId, sha256);
      if (cipher && sealed) {
        try {
          return cipher.open(userId, await readFile(sealed), sha256);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      return readPlain(userId, sha256);
    },
    async has(userId, sha256) {
      const sealed = sealedPath(userId, sha256);
      return (sealed !== null && (await pathExists(sealed))) || pathExists(plainPath(userId, sha256));
    },
    async delete(userId, sha256) {
      const sealed = sealedPath(userId, sha256);
      for (const path of [sealed, plainPath(userId, sha256)]) {
        if (path === null) continue;
        try {
          await unlink(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    },
    async list(userId) {
      checkBlobUserId(userId);
      const found = new Map<string, number>();
      let prefixes: string[];
      try {
        prefixes = await readdir(join(root, userId));
      } catch {
        return [];
      }
      for (const prefix of prefixes) {
        for (const name of await readdir(join(root, userId, prefix))) {
          const path = join(root, userId, prefix, name);
          let sha256: string | null = null;
          if (isSha256(name)) sha256 = name;
          else if (cipher && isSealedBlobName(name)) {
            const head = await readHead(path, SEALED_HEADER_BYTES);
            // A file under another key (an unfinished rotation) is not this store's to list, or to sweep.
            if (sealedKeyId(head) === cipher.keyId) sha256 = cipher.readSha256(userId, head);
          }
          if (sha256 !== null)
            found.set(sha256, Math.max(found.get(sha256) ?? 0, (await stat(path)).mtimeMs));
        }
      }
      return [...found]
        .map(([sha256, modifiedAt]) => ({ sha256, modifiedAt }))
        .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
    },
    async diskUsage() {
      let total = 0;
      const walk = async (directory: string): Promise<void> => {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await readdir(directory, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          const path = join(directory, entry.name);
          if (entry.isDirectory()) await walk(path);
          else total += (await stat(path)).size;
        }
      };
      await walk(root);
      return total;
    },
  };
}
