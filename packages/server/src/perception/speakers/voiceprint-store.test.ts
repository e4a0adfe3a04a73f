import { describe, expect, it } from 'vitest';
import { createSqlitePeopleStore } from '../../memory/index.ts';
import { openSqliteDatabase } from '../../storage/index.ts';
import {
  createInMemoryVoiceprintStore,
  createSqliteVoiceprintStore,
  decodeVector,
  encodeVector,
  type Voiceprint,
  type VoiceprintStore,
} from './voiceprint-store.ts';

/** Users u1 and u2 exist; person p1 belongs to u1. */
type Setup = () => VoiceprintStore;

const voiceprint = (overrides: Partial<Voiceprint> & { id: string }): Voiceprint => ({
  userId: 'u1',
  personId: null,
  label: 'wearer',
  model: 'model-a.onnx',
  dimension: 4,
  vector: Float32Array.from([0.5, -0.25, 1e-7, 3]),
  createdAt: 1_000,
  ...overrides,
});

/** The behaviour every voiceprint store shares. */
function voiceprintStoreContract(name: string, setup: Setup) {
  describe(`voiceprint store contract: ${name}`, () => {
    it('gives back exactly the vector it was given, oldest first', async () => {
      const store = setup();
      const vector = Float32Array.from([Math.PI, -0, -1.5e-30, 65_504.5, Number.MIN_VALUE]);
      await store.add(voiceprint({ id: 'v2', createdAt: 2_000, dimension: 5, vector }));
      await store.add(voiceprint({ id: 'v1', createdAt: 1_000 }));
      const listed = await store.list('u1');
      expect(listed.map((v) => v.id)).toEqual(['v1', 'v2']);
      expect(Array.from(listed[1]!.vector)).toEqual(Array.from(vector));
      expect(listed[1]).toMatchObject({ userId: 'u1', personId: null, label: 'wearer', dimension: 5 });
    });

    it('lists only the user’s voiceprints, of one model when asked', async () => {
      const store = setup();
      await store.add(voiceprint({ id: 'a1' }));
      await store.add(voiceprint({ id: 'b1', model: 'model-b.onnx' }));
      await store.add(voiceprint({ id: 'p1', personId: 'p1', label: 'Ana', createdAt: 3_000 }));
      await store.add(voiceprint({ id: 'other', userId: 'u2' }));
      expect((await store.list('u1', 'model-a.onnx')).map((v) => v.id)).toEqual(['a1', 'p1']);
      expect((await store.list('u1', 'model-b.onnx')).map((v) => v.id)).toEqual(['b1']);
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['a1', 'b1', 'p1']);
      expect((await store.list('u2')).map((v) => v.id)).toEqual(['other']);
      expect(await store.list('u1', 'model-c.onnx')).toEqual([]);
    });

    it('refuses a vector whose length is not its dimension, or that is not finite, and stores nothing', async () => {
      const store = setup();
      await expect(store.add(voiceprint({ id: 'bad', dimension: 3 }))).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(
        store.add(voiceprint({ id: 'nan', vector: Float32Array.from([1, Number.NaN, 0, 0]) })),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await store.add(voiceprint({ id: 'same' }));
      await expect(store.add(voiceprint({ id: 'same' }))).rejects.toMatchObject({ code: 'already_exists' });
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['same']);
    });

    it('removes one voiceprint of its user only', async () => {
      const store = setup();
      await store.add(voiceprint({ id: 'mine' }));
      await store.add(voiceprint({ id: 'theirs', userId: 'u2' }));
      expect(await store.remove('u1', 'theirs')).toBe(false);
      expect(await store.remove('u1', 'mine')).toBe(true);
      expect(await store.remove('u1', 'mine')).toBe(false);
      expect(await store.list('u1')).toEqual([]);
      expect((await store.list('u2')).map((v) => v.id)).toEqual(['theirs']);
    });

    it('removes every voiceprint of one person, leaving the wearer’s', async () => {
      const store = setup();
      await store.add(voiceprint({ id: 'wearer' }));
      await store.add(voiceprint({ id: 'ana-1', personId: 'p1', label: 'Ana' }));
      await store.add(voiceprint({ id: 'ana-2', personId: 'p1', label: 'Ana', model: 'model-b.onnx' }));
      expect(await store.removeForPerson('u2', 'p1')).toBe(0);
      expect(await store.removeForPerson('u1', 'p1')).toBe(2);
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['wearer']);
      expect(await store.removeAll('u1')).toBe(1);
      expect(await store.list('u1')).toEqual([]);
    });
  });
}

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

voiceprintStoreContract('in-memory', () => createInMemoryVoiceprintStore());
voiceprintStoreContract('SQLite', () => {
  const { db, store } = sqliteSetup();
  db.prepare(
    "INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, created_at, updated_at) VALUES ('p1', 'u1', 'Ana', 'ana', '[]', 0, 0, 0)",
  ).run();
  return store;
});

describe('SQLite voiceprint store', () => {
  it('stores vectors as Float32 little-endian bytes', () => {
    const bytes = encodeVector(Float32Array.from([1, -2]));
    expect(Array.from(bytes)).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect(Array.from(decodeVector(bytes, 2)!)).toEqual([1, -2]);
    expect(decodeVector(bytes, 3)).toBeNull();
  });

  it('forgets a person’s voiceprints with the person (forget everything removes people)', async () => {
    const { db, people, store } = sqliteSetup();
    await people.add({
      id: 'p1',
      userId: 'u1',
      name: 'Ana',
      aliases: [],
      optedOut: true,
      createdAt: 0,
      updatedAt: 0,
    });
    await store.add(voiceprint({ id: 'ana', personId: 'p1', label: 'Ana' }));
    await store.add(voiceprint({ id: 'wearer' }));
    expect(await people.removeAll('u1')).toBe(1);
    expect((await store.list('u1')).map((v) => v.id)).toEqual(['wearer']);
    db.close();
  });

  it('refuses a voiceprint of a person who is not in the registry', async () => {
    const { store } = sqliteSetup();
    await expect(store.add(voiceprint({ id: 'ghost', personId: 'nobody' }))).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('reports a damaged row instead of matching against a wrong vector', async () => {
    const { db, store } = sqliteSetup();
    await store.add(voiceprint({ id: 'v1' }));
    db.prepare('UPDATE voiceprints SET vector = ? WHERE id = ?').run(Buffer.alloc(7), 'v1');
    await expect(store.list('u1')).rejects.toMatchObject({
      code: 'storage_failed',
      message: expect.stringContaining('voiceprint v1 is damaged'),
    });
  });
});
