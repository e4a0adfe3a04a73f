import { describe, expect, it } from 'vitest';
import { createSqlitePeopleStore } from '../../memory/index.ts';
import { openSqliteDatabase } from '../../storage/index.ts';
import {
  describeDatabaseVoiceprintStoreContract,
  describeVoiceprintStoreContract,
} from './voiceprint-store.contract.ts';
import {
  createInMemoryVoiceprintStore,
  createSqliteVoiceprintStore,
  decodeVector,
  encodeVector,
} from './voiceprint-store.ts';

function sqliteSetup() {
  const db = openSqliteDatabase(':memory:');
  for (const [id, name] of [
    ['u1', 'ada'],
    ['u2', 'bob'],
  ])
    db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').run(
      id,
      name,
      'UTC',
      0,
    );
  const people = createSqlitePeopleStore(db);
  return { db, people, store: createSqliteVoiceprintStore(db) };
}

describeVoiceprintStoreContract('in-memory', () => createInMemoryVoiceprintStore());
describeVoiceprintStoreContract('SQLite', () => {
  const { db, store } = sqliteSetup();
  db.prepare(
    "INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, created_at, updated_at) VALUES ('p1', 'u1', 'Ana', 'ana', '[]', 0, 0, 0)",
  ).run();
  return store;
});
describeDatabaseVoiceprintStoreContract('SQLite', async () => {
  const { db, people, store } = sqliteSetup();
  return {
    people,
    store,
    async damage(id, bytes) {
      db.prepare('UPDATE voiceprints SET vector = ? WHERE id = ?').run(Buffer.from(bytes), id);
    },
  };
});

describe('voiceprint vectors', () => {
  it('stores vectors as Float32 little-endian bytes', () => {
    const bytes = encodeVector(Float32Array.from([1, -2]));
    expect(Array.from(bytes)).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect(Array.from(decodeVector(bytes, 2)!)).toEqual([1, -2]);
    expect(decodeVector(bytes, 3)).toBeNull();
  });
});
