import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { FamiliarError } from '../kernel/index.ts';
import { sqliteDialect } from './dialect.ts';
import { migrations as allMigrations, type Migration } from './migrations.ts';
import {
  applyDatabaseKey,
  checkDatabaseKey,
  rekeySqliteFile,
  sqliteFileState,
  wrongKeyError,
} from './sqlite-encryption.ts';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) Familiar's SQLite database: WAL, `synchronous=FULL` so a committed write survives
 * power loss, foreign keys on, a busy timeout so the CLI and the server can share it, and every migration applied.
 * With a `key` (32 bytes) every page, of the file and of its WAL, is encrypted (ChaCha20-Poly1305); a plain-text
 * database is encrypted in place first (`rekeySqliteFile`). A key that does not open it, or no key for an encrypted
 * one, is a `wrong_key` error and changes nothing.
 */
export function openSqliteDatabase(
  path: string,
  options: {
    migrations?: readonly Migration[];
    synchronous?: 'FULL' | 'NORMAL';
    key?: Uint8Array | null;
  } = {},
): SqliteDatabase {
  const key = path === ':memory:' ? null : (options.key ?? null);
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    const state = sqliteFileState(path);
    if (key && state === 'plaintext') {
      try {
        rekeySqliteFile(path, { from: null, to: key });
      } catch (error) {
        // Another process starting with the key at the same moment encrypted it first: open what it wrote.
        if (sqliteFileState(path) !== 'encrypted') throw error;
      }
    }
    if (!key && state === 'encrypted') throw wrongKeyError(path, false);
  }
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (cause) {
    throw new FamiliarError('storage_failed', `cannot open the database at ${path}`, { cause });
  }
  if (key) {
    try {
      applyDatabaseKey(db, key);
      checkDatabaseKey(db, path, true);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  migrate(db, options.migrations ?? allMigrations);
  return db;
}

/** Applies the migrations the database lacks, each in its own transaction; a failed one changes nothing. */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const run = db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (done) return false;
      for (const statement of migration.statements(sqliteDialect)) db.exec(statement);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
      return true;
    });
    if (run.immediate()) applied.push(migration.version);
  }
  return applied;
}
