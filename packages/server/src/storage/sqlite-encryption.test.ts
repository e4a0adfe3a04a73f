import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import * as sqliteVec from 'sqlite-vec';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../test/support/processes.ts';
import { openSqliteDatabase } from './sqlite-database.ts';
import { databaseOpensWith, rekeySqliteFile, sqliteFileState } from './sqlite-encryption.ts';

const WORD = 'quixoticzebra42';

/** Every file of the database (main, WAL, shared memory, journals, copies) that holds the word in plain bytes. */
function filesWithWord(directory: string): string[] {
  return readdirSync(directory).filter((name) => {
    const bytes = readFileSync(join(directory, name));
    return bytes.includes(WORD) || bytes.includes(Buffer.from(WORD, 'utf16le'));
  });
}

function fileBytes(directory: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(directory).map((name) => [name, readFileSync(join(directory, name)).toString('base64')]),
  );
}

/** Writes rows through the full-text index, as the timeline does. */
function writeWord(db: InstanceType<typeof Database>, note = `met ${WORD} at the market`): void {
  db.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5(text, tokenize = "porter unicode61")');
  db.prepare('INSERT INTO notes (text) VALUES (?)').run(note);
  db.prepare('INSERT INTO notes_fts (text) VALUES (?)').run(note);
}

describe('SQLite encryption at rest', () => {
  it('keeps every page of the database and its WAL encrypted, with FTS5 and sqlite-vec working', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const key = randomBytes(32);
    const db = openSqliteDatabase(path, { key, migrations: [] });
    writeWord(db);
    sqliteVec.load(db);
    expect(
      db.prepare('SELECT vec_length(?) AS n').get(new Uint8Array(new Float32Array([1, 2, 3]).buffer)),
    ).toEqual({
      n: 3,
    });
    expect(db.prepare('SELECT text FROM notes_fts WHERE notes_fts MATCH ?').all(WORD)).toHaveLength(1);
    // While it is open (WAL and shared memory on disk) and after it closed, no file holds the word.
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(filesWithWord(home)).toEqual([]);
    db.close();
    expect(sqliteFileState(path)).toBe('encrypted');
    expect(filesWithWord(home)).toEqual([]);
    const reopened = openSqliteDatabase(path, { key, migrations: [] });
    expect(reopened.prepare('SELECT text FROM notes').all()).toEqual([{ text: `met ${WORD} at the market` }]);
    reopened.close();
  });

  it('refuses a wrong key, or none, with wrong_key and changes nothing', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const key = randomBytes(32);
    const db = openSqliteDatabase(path, { key, migrations: [] });
    writeWord(db);
    db.close();
    const before = fileBytes(home);
    expect(() => openSqliteDatabase(path, { key: randomBytes(32) })).toThrow(
      expect.objectContaining({ code: 'wrong_key', message: expect.stringContaining('does not open') }),
    );
    expect(() => openSqliteDatabase(path)).toThrow(
      expect.objectContaining({ code: 'wrong_key', message: expect.stringContaining('FAMILIAR_KEY') }),
    );
    expect(fileBytes(home)).toEqual(before);
    expect(databaseOpensWith(path, key)).toBe(true);
    expect(databaseOpensWith(path, randomBytes(32))).toBe(false);
  });

  it('encrypts a plain-text database in place when a key is first given, keeping every row', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const plain = openSqliteDatabase(path, { migrations: [] });
    writeWord(plain);
    // Left open: the WAL holds the rows, as after a crash.
    expect(filesWithWord(home).length).toBeGreaterThan(0);
    const second = new Database(path);
    expect(second.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 1 });
    second.close();
    plain.close();
    const key = randomBytes(32);
    const db = openSqliteDatabase(path, { key, migrations: [] });
    expect(db.prepare('SELECT text FROM notes_fts WHERE notes_fts MATCH ?').all(WORD)).toHaveLength(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    writeWord(db, `and ${WORD} again`);
    db.close();
    expect(filesWithWord(home)).toEqual([]);
    expect(readdirSync(home).filter((name) => name.includes('.rekey-'))).toEqual([]);
  });

  it('refuses to re-encrypt while another connection has the database open, and changes nothing', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const plain = openSqliteDatabase(path, { migrations: [] });
    writeWord(plain);
    const before = readFileSync(path);
    expect(() => rekeySqliteFile(path, { from: null, to: randomBytes(32) })).toThrow(
      expect.objectContaining({ code: 'storage_failed', message: expect.stringContaining('in use') }),
    );
    plain.close();
    expect(sqliteFileState(path)).toBe('plaintext');
    expect(readFileSync(path).length).toBeGreaterThanOrEqual(before.length);
    expect(readdirSync(home).filter((name) => name.includes('.rekey-'))).toEqual([]);
  });

  it('rekeys: the old key stops working and the new one reads everything', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const db = openSqliteDatabase(path, { key: oldKey, migrations: [] });
    writeWord(db);
    db.close();
    rekeySqliteFile(path, { from: oldKey, to: newKey });
    expect(databaseOpensWith(path, oldKey)).toBe(false);
    const reopened = openSqliteDatabase(path, { key: newKey, migrations: [] });
    expect(reopened.prepare('SELECT text FROM notes_fts WHERE notes_fts MATCH ?').all(WORD)).toHaveLength(1);
    reopened.close();
    expect(filesWithWord(home)).toEqual([]);
  });

  it('cleans up a copy a crash left in the middle of a rekey', () => {
    const home = tempHome();
    const path = join(home, 'familiar.db');
    const key = randomBytes(32);
    openSqliteDatabase(path, { key, migrations: [] }).close();
    const stale = `${path}.rekey-deadbeef0000`;
    copyFileSync(path, stale);
    rekeySqliteFile(path, { from: key, to: randomBytes(32) });
    expect(existsSync(stale)).toBe(false);
  });
});
