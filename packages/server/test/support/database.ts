import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/index.ts';

/** A fresh in-memory database with every migration applied and the given users (id = name, UTC) present. */
export function databaseWithUsers(...ids: string[]): SqliteDatabase {
  const db = openSqliteDatabase(':memory:');
  const insert = db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)');
  for (const id of ids) insert.run(id, id, 'UTC', 0);
  return db;
}
