import type { Logger } from '../../kernel/index.ts';
import type { Embedder } from './embedder.ts';
import type { VectorCounts, VectorIndex } from './vector-index.ts';

/** What one catch-up did: vectors written, observations still without a current vector, and why it stopped early. */
export interface CatchUpResult {
  embedded: number;
  remaining: number;
  error?: string;
}

/** Keeps a user's observation vectors current with one embedder. */
export interface EmbeddingIndexer {
  /**
   * Embeds the user's pending observations (new ones, and after an embedder change every old one) in batches until
   * none is left, `maxBatches` is reached or `signal` aborts. An embedder failure stops the run and is reported in
   * `error`: a failing embedder is never called again in the same run.
   */
  catchUp(userId: string, options?: { signal?: AbortSignal; maxBatches?: number }): Promise<CatchUpResult>;
  /** How the user's observations stand for the current embedder. */
  status(userId: string): Promise<VectorCounts>;
}

/** The indexing pass that follows the timeline: pending observations → embedder → vector index. */
export function createEmbeddingIndexer({
  index,
  embedder,
  batchSize = 64,
  logger,
}: {
  index: VectorIndex;
  embedder: Embedder;
  batchSize?: number;
  logger?: Logger;
}): EmbeddingIndexer {
  const size = Math.max(1, Math.floor(batchSize));
  return {
    async catchUp(userId, { signal, maxBatches = Number.POSITIVE_INFINITY } = {}) {
      let embedded = 0;
      let error: string | undefined;
      const attempted = new Set<number>();
      for (let batch = 0; batch < maxBatches; batch += 1) {
        if (signal?.aborted) {
          error = 'aborted';
          break;
        }
        const pending = await index.pending(userId, embedder.id, size);
        if (pending.length === 0) break;
        if (pending.some((item) => attempted.has(item.seq))) {
          error = `observations stay pending after being embedded with ${embedder.id}; stopped to avoid a loop`;
          break;
        }
        for (const item of pending) attempted.add(item.seq);
        let vectors: Float32Array[];
        try {
          vectors = await embedder.embed(
            pending.map((item) => item.text),
            signal ? { signal } : {},
          );
        } catch (cause) {
          error = signal?.aborted ? 'aborted' : cause instanceof Error ? cause.message : String(cause);
          logger?.warn({ err: cause, userId, embedder: embedder.id }, 'embedding stopped');
          break;
        }
        if (vectors.length !== pending.length) {
          error = `${embedder.id} returned ${vectors.length} vectors for ${pending.length} texts`;
          break;
        }
        await index.upsert(
          userId,
          embedder.id,
          pending.map((item, i) => ({ seq: item.seq, vector: vectors[i]! })),
        );
        embedded += pending.length;
      }
      const counts = await index.counts(userId, embedder.id);
      const remaining = counts.missing + counts.stale;
      if (embedded > 0 || error)
        logger?.info(
          { userId, embedder: embedder.id, embedded, remaining, error },
          'observation vectors updated',
        );
      return error === undefined ? { embedded, remaining } : { embedded, remaining, error };
    },
    async status(userId) {
      return index.counts(userId, embedder.id);
    },
  };
}
