import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { FamiliarError } from '../kernel/index.ts';

/**
 * The cipher of SQLite3 Multiple Ciphers that Familiar uses: ChaCha20-Poly1305 (authenticated, per page), pinned so a
 * change of the library's default never makes a database unreadable (ADR 0015).
 */
export const SQLITE_CIPHER = 'chacha20';

const PLAINTEXT_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** What a database file holds, from its first 16 bytes: nothing yet, plain SQLite, or something encrypted. */
export function sqliteFileState(path: string): 'absent' | 'plaintext' | 'encrypted' {
  if (!existsSync(path)) return 'absent';
  const head = Buffer.alloc(16);
  const handle = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(handle, head, 0, 16, 0);
  } finally {
    closeSync(handle);
  }
  if (read === 0) return 'absent';
  return read === 16 && head.equals(PLAINTEXT_HEADER) ? 'plaintext' : 'encrypted';
}

type Connection = InstanceType<typeof Database>;

/** Gives a fresh connection its key (a raw 256-bit key, no second key derivation inside SQLite). */
export function applyDatabaseKey(db: Connection, key: Uint8Array): void {
  db.pragma(`cipher = '${SQLITE_CIPHER}'`);
  db.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
}

/** The error for a database that the key given (or no key) cannot open; it never names the key. */
export function wrongKeyError(path: string, keyed: boolean, cause?: unknown): FamiliarError {
  return new FamiliarError(
    'wrong_key',
    keyed
      ? `the key does not open the database at ${path}: set FAMILIAR_KEY or FAMILIAR_KEY_FILE to the key it was encrypted with (nothing was changed)`
      : `the database at ${path} is encrypted: set FAMILIAR_KEY or FAMILIAR_KEY_FILE to its key (nothing was changed)`,
    { cause },
  );
}

/** Throws `wrong_key` unless the connection can read the schema (a wrong key reads as "not a database"). */
export function checkDatabaseKey(db: Connection, path: string, keyed: boolean): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (cause) {
    if ((cause as { code?: string }).code === 'SQLITE_NOTADB') throw wrongKeyError(path, keyed, cause);
    throw new FamiliarError('storage_failed', `cannot read the database at ${path}`, { cause });
  }
}

function fsyncPath(path: string): void {
  const handle = openSync(path, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

/**
 * Re-encrypts a database file under `to` (from plain text when `from` is null), crash-safely: with every other
 * connection shut out (leaving WAL mode needs them gone, and an exclusive lock keeps them out), the file is copied,
 * the copy rekeyed in rollback-journal mode (SQLite3 Multiple Ciphers cannot rekey in WAL mode), checked, fsynced
 * and renamed over the original. A crash leaves either the old file or the new one, never half of each; a stale
 * copy is removed on the next attempt. The database is left in rollback-journal mode; opening it sets WAL again.
 */
export function rekeySqliteFile(path: string, keys: { from: Uint8Array | null; to: Uint8Array }): void {
  const inode = statSync(path).ino;
  const source = new Database(path, { timeout: 2000 });
  try {
    if (keys.from) applyDatabaseKey(source, keys.from);
    checkDatabaseKey(source, path, keys.from !== null);
    try {
      // Checkpoints the WAL into the file and removes it; fails while another connection has the database open.
      source.pragma('journal_mode = DELETE');
      source.exec('BEGIN EXCLUSIVE');
    } catch (cause) {
      throw new FamiliarError(
        'storage_failed',
        `the database at ${path} is in use: stop \`familiar start\` and other familiar commands, then try again`,
        { cause, retryable: true },
      );
    }
    // Another process may have re-encrypted and replaced the file while this one waited: its copy is the truth.
    if (statSync(path).ino !== inode)
      throw new FamiliarError(
        'storage_failed',
        `the database at ${path} was replaced while it was being re-encrypted (by another familiar process?); try again`,
        { retryable: true },
      );
    // Copies a crash left behind (with their journals) are stale: only the holder of this lock makes them.
    const prefix = `${basename(path)}.rekey-`;
    for (const name of readdirSync(dirname(path)))
      if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
    const copy = `${path}.rekey-${randomBytes(6).toString('hex')}`;
    try {
      copyFileSync(path, copy);
      const target = new Database(copy);
      try {
        if (keys.from) applyDatabaseKey(target, keys.from);
        target.pragma(`cipher = '${SQLITE_CIPHER}'`);
        target.pragma(`rekey = "x'${Buffer.from(keys.to).toString('hex')}'"`);
      } finally {
        target.close();
      }
      const check = new Database(copy, { readonly: true });
      try {
        applyDatabaseKey(check, keys.to);
        checkDatabaseKey(check, copy, true);
        const integrity = check.pragma('quick_check', { simple: true });
        if (integrity !== 'ok')
          throw new FamiliarError(
            'storage_failed',
            `the re-encrypted copy failed its check (${String(integrity)})`,
          );
      } finally {
        check.close();
      }
      fsyncPath(copy);
      renameSync(copy, path);
      fsyncPath(dirname(path));
    } catch (error) {
      rmSync(copy, { force: true });
      rmSync(`${copy}-journal`, { force: true });
      throw error;
    }
    source.exec('COMMIT');
  } finally {
    source.close();
  }
  // The old file's shared-memory index (no content, but stale) goes with it.
  rmSync(`${path}-shm`, { force: true });
}

/**
 * Whether `key` (or no key, for null) opens the database file; changes nothing either way. Other failures (a
 * database locked past the timeout, a missing file) are errors, not a no.
 */
export function databaseOpensWith(path: string, key: Uint8Array | null): boolean {
  let db: Connection;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 10_000 });
  } catch (cause) {
    throw new FamiliarError('storage_failed', `cannot open the database at ${path}`, { cause });
  }
  try {
    if (key) applyDatabaseKey(db, key);
    checkDatabaseKey(db, path, key !== null);
    return true;
  } catch (error) {
    if (error instanceof FamiliarError && error.code === 'wrong_key') return false;
    throw error;
  } finally {
    db.close();
  }
}
