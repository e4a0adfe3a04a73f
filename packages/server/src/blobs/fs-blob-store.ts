import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import { type BlobCodec, type BlobStore, identityCodec, isSha256 } from './blob-store.ts';

/**
 * Blobs as files under `<root>/<userId>/<first two hex>/<sha256>`. A write goes to a temporary file that is
 * fsynced and renamed into place (and the directory fsynced), so a blob either exists whole or not at all.
 */
export function createFsBlobStore(options: { root: string; codec?: BlobCodec }): BlobStore {
  const { root, codec = identityCodec } = options;

  const pathOf = (userId: string, sha256: string): string => {
    if (!isSha256(sha256)) throw new ValidationError(`"${sha256}" is not a SHA-256 hash`);
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(userId)) throw new ValidationError('user id is not path-safe');
    return join(root, userId, sha256.slice(0, 2), sha256);
  };

  const exists = async (path: string): Promise<boolean> => {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  };

  const fsyncDirectory = async (directory: string): Promise<void> => {
    const handle = await open(directory, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  return {
    async put(userId, bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = pathOf(userId, sha256);
      if (await exists(path)) return { sha256, size: bytes.byteLength };
      const directory = join(root, userId, sha256.slice(0, 2));
      const temporary = join(directory, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(directory, { recursive: true });
        const handle = await open(temporary, 'w', 0o600);
        try {
          await handle.writeFile(await codec.encode(bytes));
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
      return { sha256, size: bytes.byteLength };
    },
    async get(userId, sha256) {
      try {
        return new Uint8Array(await codec.decode(await readFile(pathOf(userId, sha256))));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async has(userId, sha256) {
      return exists(pathOf(userId, sha256));
    },
    async delete(userId, sha256) {
      try {
        await unlink(pathOf(userId, sha256));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
    async list(userId) {
      const found: Array<{ sha256: string; modifiedAt: number }> = [];
      let prefixes: string[];
      try {
        prefixes = await readdir(join(root, userId));
      } catch {
        return [];
      }
      for (const prefix of prefixes) {
        for (const name of await readdir(join(root, userId, prefix))) {
          if (isSha256(name))
            found.push({ sha256: name, modifiedAt: (await stat(join(root, userId, prefix, name))).mtimeMs });
        }
      }
      return found.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
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
