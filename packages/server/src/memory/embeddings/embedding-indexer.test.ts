import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { createSqliteTimelineStore } from '../sqlite-timeline-store.ts';
import type { NewObservation } from '../types.ts';
import { type Embedder, embedderUnavailable } from './embedder.ts';
import { createEmbeddingIndexer } from './embedding-indexer.ts';
import { createHashingEmbedder } from './hashing-embedder.ts';
import { createSqliteVectorIndex } from './sqlite-vector-index.ts';

const T0 = Date.parse('2026-11-02T09:00:00Z');

const TEXTS = [
  'dentist appointment moved to Tuesday morning',
  'bought sourdough and croissants at the bakery',
  'Anna recommended the novel Piranesi',
  'the car needs new winter tyres before December',
  'call mum about the Sunday lunch',
  'budget review meeting with Marco on Friday',
  'the plumber fixed the kitchen sink',
];

function observation(n: number, text: string): NewObservation {
  return {
    id: `01JD${String(n).padStart(22, '0')}`,
    deviceId: null,
    modality: 'note',
    capturedAt: T0 + n * 60_000,
    receivedAt: T0 + n * 60_000,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  };
}

async function setUp(texts: readonly string[] = TEXTS) {
  const db = databaseWithUsers('alice', 'bob');
  const store = createSqliteTimelineStore(db);
  const index = createSqliteVectorIndex(db);
  await store.insertObservations(
    'alice',
    texts.map((text, i) => observation(i + 1, text)),
  );
  const idOf = (text: string) => observation(texts.indexOf(text) + 1, text).id;
  return { store, index, idOf };
}

/** Wraps an embedder to record each call's texts, failing the calls whose number (from 1) is in `failOn`. */
function recording(inner: Embedder, failOn: readonly number[] = []) {
  const calls: string[][] = [];
  const embedder: Embedder = {
    id: inner.id,
    get dimension() {
      return inner.dimension;
    },
    async embed(texts, options) {
      calls.push([...texts]);
      if (failOn.includes(calls.length))
        throw embedderUnavailable(inner.id, 'answered HTTP 503: overloaded', {
          retryable: true,
          status: 503,
        });
      return inner.embed(texts, options);
    },
  };
  return { embedder, calls };
}

describe('embedding indexer', () => {
  it('embeds every pending observation in batches, then has nothing left to do', async () => {
    const { index } = await setUp();
    const { embedder, calls } = recording(createHashingEmbedder());
    const indexer = createEmbeddingIndexer({ index, embedder, batchSize: 3 });
    expect(await indexer.status('alice')).toEqual({ embedded: 0, stale: 0, missing: 7 });

    expect(await indexer.catchUp('alice')).toEqual({ embedded: 7, remaining: 0 });
    expect(calls.map((texts) => texts.length)).toEqual([3, 3, 1]);
    expect(await indexer.status('alice')).toEqual({ embedded: 7, stale: 0, missing: 0 });

    expect(await indexer.catchUp('alice')).toEqual({ embedded: 0, remaining: 0 });
    expect(calls).toHaveLength(3);
    expect(await indexer.status('bob')).toEqual({ embedded: 0, stale: 0, missing: 0 });
  });

  it('stops after maxBatches and picks up where it left off, new observations included', async () => {
    const { index, store } = await setUp();
    const indexer = createEmbeddingIndexer({ index, embedder: createHashingEmbedder(), batchSize: 2 });
    expect(await indexer.catchUp('alice', { maxBatches: 2 })).toEqual({ embedded: 4, remaining: 3 });
    await store.insertObservations('alice', [observation(50, 'a new note about the garden')]);
    expect(await indexer.catchUp('alice')).toEqual({ embedded: 4, remaining: 0 });
  });

  it('re-embeds everything after the embedder changes, searching only current vectors meanwhile', async () => {
    const { index, idOf } = await setUp();
    const before = createHashingEmbedder({ dimension: 384, seed: 1 });
    await createEmbeddingIndexer({ index, embedder: before }).catchUp('alice');

    const after = createHashingEmbedder({ dimension: 64, seed: 2 });
    const indexer = createEmbeddingIndexer({ index, embedder: after, batchSize: 3 });
    expect(await indexer.status('alice')).toEqual({ embedded: 0, stale: 7, missing: 0 });
    const [query] = await after.embed(['when is the dentist appointment?']);
    expect(await index.search('alice', after.id, query!, 5)).toEqual([]);

    expect(await indexer.catchUp('alice', { maxBatches: 1 })).toEqual({ embedded: 3, remaining: 4 });
    expect(await indexer.status('alice')).toEqual({ embedded: 3, stale: 4, missing: 0 });
    const partial = await index.search('alice', after.id, query!, 10);
    expect(partial.map((hit) => hit.observationId)).toHaveLength(3);
    expect(partial[0]?.observationId).toBe(idOf(TEXTS[0]!));
    const [oldQuery] = await before.embed(['when is the dentist appointment?']);
    expect(await index.search('alice', before.id, oldQuery!, 10)).toHaveLength(4);

    expect(await indexer.catchUp('alice')).toEqual({ embedded: 4, remaining: 0 });
    expect(await indexer.status('alice')).toEqual({ embedded: 7, stale: 0, missing: 0 });
    expect(await index.search('alice', before.id, oldQuery!, 10)).toEqual([]);
    const [tyres] = await after.embed(['winter tyres for the car']);
    const [best] = await index.search('alice', after.id, tyres!, 1);
    expect(best?.observationId).toBe(idOf(TEXTS[3]!));
  });

  it('stops on a failing embedder, keeps what it embedded before, and reports the error', async () => {
    const { index } = await setUp();
    const { embedder, calls } = recording(createHashingEmbedder(), [2, 3, 4, 5]);
    const indexer = createEmbeddingIndexer({ index, embedder, batchSize: 2 });

    const result = await indexer.catchUp('alice');

    expect(result.embedded).toBe(2);
    expect(result.remaining).toBe(5);
    expect(result.error).toContain('HTTP 503');
    expect(calls).toHaveLength(2);
    expect(await indexer.status('alice')).toEqual({ embedded: 2, stale: 0, missing: 5 });
  });

  it('never loops on an embedder that always fails', async () => {
    const { index } = await setUp();
    const { embedder, calls } = recording(createHashingEmbedder(), [1, 2, 3]);
    const result = await createEmbeddingIndexer({ index, embedder }).catchUp('alice');
    expect(result).toEqual({ embedded: 0, remaining: 7, error: expect.stringContaining('overloaded') });
    expect(calls).toHaveLength(1);
  });

  it('reports an embedder that returns too few vectors instead of storing a partial batch', async () => {
    const { index } = await setUp();
    const short: Embedder = {
      id: 'short-1',
      dimension: 4,
      async embed(texts) {
        return texts.slice(1).map(() => new Float32Array([1, 0, 0, 0]));
      },
    };
    const result = await createEmbeddingIndexer({ index, embedder: short }).catchUp('alice');
    expect(result).toEqual({ embedded: 0, remaining: 7, error: 'short-1 returned 6 vectors for 7 texts' });
  });

  it('does nothing once the caller aborts', async () => {
    const { index } = await setUp();
    const { embedder, calls } = recording(createHashingEmbedder());
    const controller = new AbortController();
    controller.abort();
    const result = await createEmbeddingIndexer({ index, embedder }).catchUp('alice', {
      signal: controller.signal,
    });
    expect(result).toEqual({ embedded: 0, remaining: 7, error: 'aborted' });
    expect(calls).toHaveLength(0);
  });
});
