import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';
import { describeTimelineStoreContract } from './timeline-store.contract.ts';
import type { NewObservation } from './types.ts';

describeTimelineStoreContract('SQLite', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return createSqliteTimelineStore(db);
});

describe('SQLite search', () => {
  const T0 = Date.parse('2026-11-02T09:00:00Z');
  let counter = 0;
  const observation = (text: string): NewObservation => {
    counter += 1;
    return {
      id: `01JD${String(counter).padStart(22, '0')}`,
      deviceId: null,
      modality: 'note',
      capturedAt: T0 + counter,
      receivedAt: T0 + counter,
      text,
      captureId: null,
      provenance: null,
      trust: 'authored',
    };
  };
  /** Distinct lengths, so no two BM25 scores tie and the expected order is unique. */
  const matches = (count: number, repeat: number) =>
    Array.from({ length: count }, (_, i) =>
      observation(`${'wine '.repeat(repeat)}${'filler '.repeat(i + 1)}`.trim()),
    );

  function setUp() {
    const db = databaseWithUsers('alice', 'bob');
    const reference = db.prepare<[string, string, number], { id: string }>(
      `SELECT o.id FROM observations_fts JOIN observations o ON o.seq = observations_fts.rowid
       WHERE observations_fts MATCH ? AND o.user_id = ? ORDER BY bm25(observations_fts) LIMIT ?`,
    );
    return {
      store: createSqliteTimelineStore(db),
      expected: (userId: string, limit: number) =>
        reference.all('"wine"', userId, limit).map((row) => row.id),
    };
  }

  it('returns the best hits of the user alone, best first', async () => {
    const { store, expected } = setUp();
    await store.insertObservations('alice', [...matches(30, 1), observation('walked the dog')]);
    const hits = await store.searchObservations('alice', ['wine'], 5);
    expect(hits.map((hit) => hit.observation.id)).toEqual(expected('alice', 5));
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
  });

  it('finds the user’s hits when another user’s rows outrank them all', async () => {
    const { store, expected } = setUp();
    await store.insertObservations('bob', matches(40, 3));
    await store.insertObservations('alice', matches(12, 1));
    const hits = await store.searchObservations('alice', ['wine'], 5);
    expect(hits).toHaveLength(5);
    expect(hits.every((hit) => hit.observation.userId === 'alice')).toBe(true);
    expect(hits.map((hit) => hit.observation.id)).toEqual(expected('alice', 5));
    expect(await store.searchObservations('alice', ['wine'], 0)).toEqual([]);
  });

  it('returns every match when there are fewer than asked for', async () => {
    const { store, expected } = setUp();
    await store.insertObservations('bob', matches(3, 3));
    await store.insertObservations('alice', matches(2, 1));
    const hits = await store.searchObservations('alice', ['wine'], 5);
    expect(hits.map((hit) => hit.observation.id)).toEqual(expected('alice', 5));
    expect(hits).toHaveLength(2);
  });
});

describe('SQLite search on a large index', () => {
  const note = (
    i: number,
    text: string,
    capturedAt = Date.parse('2026-11-02T09:00:00Z') + i * 60_000,
  ): NewObservation => ({
    id: `01JE${String(i).padStart(22, '0')}`,
    deviceId: null,
    modality: 'note',
    capturedAt,
    receivedAt: capturedAt,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  });

  it('leaves out a very common term when the question has a rarer one, and keeps it when it is alone', async () => {
    const store = createSqliteTimelineStore(databaseWithUsers('alice'), { commonTermMinRows: 10 });
    await store.insertObservations('alice', [
      ...Array.from({ length: 40 }, (_, i) => note(i, `meeting number ${i} about nothing`)),
      note(40, 'meeting about the lighthouse restoration'),
      note(41, 'the lighthouse keeper waved'),
    ]);
    const both = await store.searchObservations('alice', ['meeting', 'lighthouse'], 10);
    expect(both.map((hit) => hit.observation.text).sort()).toEqual([
      'meeting about the lighthouse restoration',
      'the lighthouse keeper waved',
    ]);
    expect((await store.searchObservations('alice', ['meeting'], 50)).length).toBe(41);
  });

  it('searches a time range by the write positions it holds, never outside it', async () => {
    const store = createSqliteTimelineStore(databaseWithUsers('alice', 'bob'));
    const day = 86_400_000;
    const start = Date.parse('2026-11-02T00:00:00Z');
    await store.insertObservations('alice', [note(1, 'picnic in the park', start + day)]);
    await store.insertObservations('bob', [note(2, 'picnic with bob', start + day)]);
    // An import of older data after newer data: write order and time order differ.
    await store.insertObservations('alice', [
      note(3, 'picnic long ago', start - 30 * day),
      note(4, 'picnic again', start + 2 * day),
    ]);
    const hits = await store.searchObservations('alice', ['picnic'], 10, {
      fromMs: start,
      toMs: start + 3 * day,
    });
    expect(hits.map((hit) => hit.observation.text).sort()).toEqual(['picnic again', 'picnic in the park']);
    expect(await store.searchObservations('alice', ['picnic'], 10, { fromMs: start + 10 * day })).toEqual([]);
  });
});

describe('SQLite search with a cap on common terms', () => {
  const note = (i: number, text: string): NewObservation => ({
    id: `01JF${String(i).padStart(22, '0')}`,
    deviceId: null,
    modality: 'note',
    capturedAt: 1_000 + i,
    receivedAt: 1_000 + i,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  });

  it('leaves out every term above the cap on a large index, even when none is left', async () => {
    const store = createSqliteTimelineStore(databaseWithUsers('alice'), { commonTermMinRows: 10 });
    await store.insertObservations('alice', [
      ...Array.from({ length: 40 }, (_, i) => note(i, `work item ${i}`)),
      note(40, 'karate class after work'),
    ]);
    const kinds = await store.searchObservations('alice', ['work', 'karate'], 10, { maxTermShare: 0.1 });
    expect(kinds.map((hit) => hit.observation.text)).toEqual(['karate class after work']);
    expect(await store.searchObservations('alice', ['work'], 10, { maxTermShare: 0.1 })).toEqual([]);
    expect((await store.searchObservations('alice', ['work'], 50)).length).toBe(41);
  });
});
