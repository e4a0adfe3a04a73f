import { describe, expect, it } from 'vitest';
import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { createPostgresTimelineStore } from './postgres-timeline-store.ts';
import { describeTimelineStoreContract } from './timeline-store.contract.ts';
import type { NewObservation } from './types.ts';

describeTimelineStoreContract(postgresLabel, async () =>
  createPostgresTimelineStore(await freshPostgres('alice', 'bob')),
);

describe('PostgreSQL search', () => {
  let counter = 0;
  const note = (text: string, capturedAt = 1_000 + counter): NewObservation => {
    counter += 1;
    return {
      id: `01JG${String(counter).padStart(22, '0')}`,
      deviceId: null,
      modality: 'note',
      capturedAt,
      receivedAt: capturedAt,
      text,
      captureId: null,
      provenance: null,
      trust: 'authored',
    };
  };

  it('ranks rare terms above common ones, more matched terms first, and stems words', async () => {
    const store = createPostgresTimelineStore(await freshPostgres('alice', 'bob'));
    const both = note('meeting Ana at the lighthouse');
    const rare = note('the old lighthouse on the hill was closed for the winter season');
    await store.insertObservations('alice', [
      ...Array.from({ length: 20 }, (_, i) => note(`meeting ${i} about the budget`)),
      both,
      rare,
      note('a meeting about the budget again'),
    ]);
    const hits = await store.searchObservations('alice', ['meeting', 'lighthouse'], 3);
    expect(hits.map((hit) => hit.observation.id)).toEqual([both.id, rare.id, expect.any(String)]);
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    expect(hits.every((hit) => hit.score > 0)).toBe(true);
    expect((await store.searchObservations('alice', ['lighthouses'], 5)).length).toBe(2);
    expect(await store.searchObservations('bob', ['lighthouse'], 5)).toEqual([]);
  });

  it('takes any term as plain text: punctuation, phrases and stop words never break the query', async () => {
    const store = createPostgresTimelineStore(await freshPostgres('alice'));
    const irish = note("lunch with O'Brien & co: 50% off!");
    await store.insertObservations('alice', [irish, note('brien alone')]);
    const hits = await store.searchObservations(
      'alice',
      ["o'brien", 'the', '', '50%', "'); DROP TABLE x; --"],
      5,
    );
    expect(hits[0]?.observation.id).toBe(irish.id);
    expect(await store.searchObservations('alice', ['the'], 5)).toEqual([]);
  });

  it('finds the user’s hits when another user’s rows outrank them all', async () => {
    const store = createPostgresTimelineStore(await freshPostgres('alice', 'bob'));
    await store.insertObservations(
      'bob',
      Array.from({ length: 40 }, () => note('wine wine wine')),
    );
    await store.insertObservations(
      'alice',
      Array.from({ length: 12 }, (_, i) => note(`wine ${'x '.repeat(i)}`)),
    );
    const hits = await store.searchObservations('alice', ['wine'], 5);
    expect(hits).toHaveLength(5);
    expect(hits.every((hit) => hit.observation.userId === 'alice')).toBe(true);
  });

  it('leaves out common terms on a large index, and every term above maxTermShare', async () => {
    const store = createPostgresTimelineStore(await freshPostgres('alice'), { commonTermMinRows: 10 });
    await store.insertObservations('alice', [
      ...Array.from({ length: 40 }, (_, i) => note(`work meeting ${i}`)),
      note('karate class after work'),
      note('the lighthouse keeper waved'),
    ]);
    const kept = await store.searchObservations('alice', ['meeting', 'lighthouse'], 10);
    expect(kept.map((hit) => hit.observation.text)).toEqual(['the lighthouse keeper waved']);
    expect((await store.searchObservations('alice', ['meeting'], 50)).length).toBe(40);
    const capped = await store.searchObservations('alice', ['work', 'karate'], 10, { maxTermShare: 0.1 });
    expect(capped.map((hit) => hit.observation.text)).toEqual(['karate class after work']);
    expect(await store.searchObservations('alice', ['work'], 10, { maxTermShare: 0.1 })).toEqual([]);
  });

  it('stores a large batch in write order', async () => {
    const store = createPostgresTimelineStore(await freshPostgres('alice'));
    const batch = Array.from({ length: 2_500 }, (_, i) => note(`entry ${i}`));
    expect(await store.insertObservations('alice', batch)).toEqual({ inserted: 2_500 });
    const read = await store.readSince('alice', 0, 3_000);
    expect(read.map((entry) => entry.observation.id)).toEqual(batch.map((o) => o.id));
    expect(await store.insertObservations('alice', batch)).toEqual({ inserted: 0 });
  });
});
