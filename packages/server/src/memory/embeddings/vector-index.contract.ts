import { describe, expect, it } from 'vitest';
import { FamiliarError } from '../../kernel/index.ts';
import type { TimelineStore } from '../timeline-store.ts';
import type { NewObservation } from '../types.ts';
import { createHashingEmbedder } from './hashing-embedder.ts';
import type { VectorIndex } from './vector-index.ts';

/**
 * What a contract run needs: a vector index and the timeline beside it in one fresh database (users `alice` and
 * `bob`), and how many vector rows the database holds (all users, all models).
 */
export type VectorIndexFactory = () => Promise<{
  store: TimelineStore;
  index: VectorIndex;
  countStoredVectors(): Promise<number>;
}>;

const T0 = Date.parse('2026-11-02T09:00:00Z');
const HOUR = 3_600_000;
const MODEL = 'test-model';

function observation(n: number, text: string, capturedAt = T0 + n * HOUR): NewObservation {
  return {
    id: `01JD${String(n).padStart(22, '0')}`,
    deviceId: null,
    modality: 'note',
    capturedAt,
    receivedAt: capturedAt,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  };
}

/** A unit vector pointing mostly along `axis`, a little along `lean`. */
function direction(axis: number, lean = 0, amount = 0): Float32Array {
  const vector = new Float32Array(4);
  vector[axis] = 1;
  vector[lean] = (vector[lean] ?? 0) + amount;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

async function setUp(makeParts: VectorIndexFactory) {
  const { store, index, countStoredVectors } = await makeParts();
  /** Stores observations for a user and returns their seqs by id. */
  const add = async (userId: string, observations: NewObservation[]) => {
    await store.insertObservations(userId, observations);
    const pending = await index.pending(userId, 'none-yet', 10_000);
    return new Map(pending.map((item) => [item.id, item.seq]));
  };
  return { store, index, add, countStoredVectors };
}

/** The behaviour every VectorIndex adapter must show; run it from each adapter's test file. */
export function describeVectorIndexContract(name: string, makeParts: VectorIndexFactory): void {
  describe(`VectorIndex contract: ${name}`, () => {
    it('lists a user’s observations without a vector, oldest first, and only theirs', async () => {
      const { index, store } = await setUp(makeParts);
      await store.insertObservations('alice', [observation(2, 'second'), observation(1, 'first')]);
      await store.insertObservations('bob', [observation(3, 'bob’s')]);
      const pending = await index.pending('alice', MODEL, 10);
      expect(pending.map((item) => item.text)).toEqual(['second', 'first']);
      expect(pending[0]?.seq).toBeLessThan(pending[1]?.seq ?? 0);
      expect(await index.pending('alice', MODEL, 1)).toHaveLength(1);
      await index.upsert('alice', MODEL, [{ seq: pending[0]!.seq, vector: direction(0) }]);
      expect((await index.pending('alice', MODEL, 10)).map((item) => item.text)).toEqual(['first']);
    });

    it('returns the nearest vectors first, with cosine similarity', async () => {
      const { index, add } = await setUp(makeParts);
      const seqs = await add('alice', [
        observation(1, 'far'),
        observation(2, 'near'),
        observation(3, 'nearest'),
        observation(4, 'opposite'),
      ]);
      await index.upsert('alice', MODEL, [
        { seq: seqs.get(observation(1, '').id)!, vector: direction(1) },
        { seq: seqs.get(observation(2, '').id)!, vector: direction(0, 1, 0.5) },
        { seq: seqs.get(observation(3, '').id)!, vector: direction(0, 1, 0.1) },
        { seq: seqs.get(observation(4, '').id)!, vector: direction(0).map((value) => -value) },
      ]);
      const hits = await index.search('alice', MODEL, direction(0), 10);
      expect(hits.map((hit) => hit.observationId)).toEqual([3, 2, 1, 4].map((n) => observation(n, '').id));
      expect(hits[0]?.similarity).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
      expect(hits[2]?.similarity).toBeCloseTo(0, 5);
      expect(hits[3]?.similarity).toBeCloseTo(-1, 5);
      expect(await index.search('alice', MODEL, direction(0), 2)).toHaveLength(2);
    });

    it('finds the observation that shares words with the query (hashing embedder end to end)', async () => {
      const { index, add } = await setUp(makeParts);
      const texts = [
        'dentist appointment moved to Tuesday',
        'bought sourdough at the bakery',
        'call mum about Sunday',
      ];
      const seqs = await add(
        'alice',
        texts.map((text, i) => observation(i + 1, text)),
      );
      const embedder = createHashingEmbedder();
      const vectors = await embedder.embed(texts);
      await index.upsert(
        'alice',
        embedder.id,
        vectors.map((vector, i) => ({ seq: [...seqs.values()][i]!, vector })),
      );
      const [query] = await embedder.embed(['when is the dentist?']);
      const [best] = await index.search('alice', embedder.id, query!, 1);
      expect(best?.observationId).toBe(observation(1, '').id);
    });

    it('never returns another user’s vectors, and ignores writes aimed at another user’s observations', async () => {
      const { index, add } = await setUp(makeParts);
      const alice = await add('alice', [observation(1, 'alice note')]);
      const bob = await add('bob', [observation(2, 'bob note')]);
      const bobSeq = [...bob.values()][0]!;
      await index.upsert('bob', MODEL, [{ seq: bobSeq, vector: direction(0) }]);
      await index.upsert('alice', MODEL, [{ seq: [...alice.values()][0]!, vector: direction(1) }]);
      await index.upsert('alice', MODEL, [{ seq: bobSeq, vector: direction(2) }]);

      const hits = await index.search('alice', MODEL, direction(0), 10);
      expect(hits.map((hit) => hit.observationId)).toEqual([observation(1, '').id]);
      const bobHits = await index.search('bob', MODEL, direction(2), 10);
      expect(bobHits.map((hit) => hit.similarity)).toEqual([expect.closeTo(0, 5)]);
      expect(await index.counts('bob', MODEL)).toEqual({ embedded: 1, stale: 0, missing: 0 });
    });

    it('narrows the search to observations captured in [fromMs, toMs)', async () => {
      const { index, add } = await setUp(makeParts);
      const seqs = await add(
        'alice',
        [1, 2, 3, 4].map((n) => observation(n, `note ${n}`)),
      );
      await index.upsert(
        'alice',
        MODEL,
        [...seqs.values()].map((seq, i) => ({ seq, vector: direction(0, 1, i) })),
      );
      const hits = await index.search('alice', MODEL, direction(0), 10, {
        fromMs: T0 + 2 * HOUR,
        toMs: T0 + 4 * HOUR,
      });
      expect(hits.map((hit) => hit.observationId)).toEqual([observation(2, '').id, observation(3, '').id]);
      const later = await index.search('alice', MODEL, direction(0), 1, { fromMs: T0 + 3 * HOUR });
      expect(later.map((hit) => hit.observationId)).toEqual([observation(3, '').id]);
    });

    it('drops the vector when its observation is forgotten', async () => {
      const { index, store, add, countStoredVectors } = await setUp(makeParts);
      const seqs = await add('alice', [observation(1, 'secret'), observation(2, 'kept')]);
      await index.upsert(
        'alice',
        MODEL,
        [...seqs.values()].map((seq) => ({ seq, vector: direction(0) })),
      );
      await store.forget('alice', { kind: 'ids', ids: [observation(1, '').id] });

      const hits = await index.search('alice', MODEL, direction(0), 10);
      expect(hits.map((hit) => hit.observationId)).toEqual([observation(2, '').id]);
      expect(await countStoredVectors()).toBe(1);
      await store.forget('alice', { kind: 'everything' });
      expect(await countStoredVectors()).toBe(0);
    });

    it('keeps vectors of another model out of search and counts them as stale until replaced', async () => {
      const { index, add } = await setUp(makeParts);
      const seqs = [
        ...(
          await add(
            'alice',
            [1, 2, 3].map((n) => observation(n, `note ${n}`)),
          )
        ).values(),
      ];
      await index.upsert(
        'alice',
        'old-model',
        seqs.map((seq) => ({ seq, vector: direction(0) })),
      );
      await index.upsert('alice', 'new-model', [{ seq: seqs[0]!, vector: new Float32Array([0, 0, 1]) }]);

      expect(await index.counts('alice', 'new-model')).toEqual({ embedded: 1, stale: 2, missing: 0 });
      const hits = await index.search('alice', 'new-model', new Float32Array([0, 0, 1]), 10);
      expect(hits.map((hit) => hit.seq)).toEqual([seqs[0]]);
      expect((await index.pending('alice', 'new-model', 10)).map((item) => item.seq)).toEqual(seqs.slice(1));
      expect(await index.search('alice', 'old-model', direction(0), 10)).toHaveLength(2);
    });

    it('rejects a vector whose length differs from the model’s, storing nothing of the batch', async () => {
      const { index, add } = await setUp(makeParts);
      const seqs = [
        ...(
          await add(
            'alice',
            [1, 2, 3].map((n) => observation(n, `note ${n}`)),
          )
        ).values(),
      ];
      await index.upsert('alice', MODEL, [{ seq: seqs[0]!, vector: direction(0) }]);
      const attempt = index.upsert('alice', MODEL, [
        { seq: seqs[1]!, vector: direction(1) },
        { seq: seqs[2]!, vector: new Float32Array(3) },
      ]);
      await expect(attempt).rejects.toBeInstanceOf(FamiliarError);
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_input' });
      expect(await index.counts('alice', MODEL)).toEqual({ embedded: 1, stale: 0, missing: 2 });
      await expect(index.search('alice', MODEL, new Float32Array(3), 5)).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });

    it('counts observations with no vector as missing, and answers nothing for a model with no vectors', async () => {
      const { index, add } = await setUp(makeParts);
      await add('alice', [observation(1, 'a'), observation(2, 'b')]);
      expect(await index.counts('alice', MODEL)).toEqual({ embedded: 0, stale: 0, missing: 2 });
      expect(await index.counts('bob', MODEL)).toEqual({ embedded: 0, stale: 0, missing: 0 });
      expect(await index.search('alice', MODEL, direction(0), 5)).toEqual([]);
    });
  });
}
