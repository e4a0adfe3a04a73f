/** An observation that has no vector of the current model yet. */
export interface PendingObservation {
  seq: number;
  id: string;
  text: string;
}

/** One vector to store for an observation. */
export interface ObservationVector {
  seq: number;
  vector: Float32Array;
}

/** One nearest neighbour; `similarity` is the cosine, higher is closer (1 = same direction). */
export interface VectorSearchHit {
  observationId: string;
  seq: number;
  similarity: number;
}

/** Narrows a vector search to observations captured in [fromMs, toMs). */
export interface VectorSearchFilter {
  fromMs?: number;
  toMs?: number;
}

/** How a user's observations stand for one model: current vectors, vectors of another model, none at all. */
export interface VectorCounts {
  embedded: number;
  stale: number;
  missing: number;
}

/**
 * The vectors of users' observations, one per observation, tagged with the model that made them. A vector of
 * another model is stale: it is never searched and counts as pending until replaced. Deleting an observation
 * deletes its vector. Adapter: SQLite with sqlite-vec (`sqlite-vector-index.ts`).
 */
export interface VectorIndex {
  /** The user's observations with no vector of this model (missing or stale), oldest first. */
  pending(userId: string, model: string, limit: number): Promise<PendingObservation[]>;
  /**
   * Stores vectors in one transaction, replacing one of any model; observations that are not the user's (or were
   * forgotten meanwhile) are skipped. A vector whose length differs from the model's others is `invalid_input`.
   */
  upsert(userId: string, model: string, items: readonly ObservationVector[]): Promise<void>;
  /** The `k` of the user's vectors of this model nearest to `query` by cosine, closest first. */
  search(
    userId: string,
    model: string,
    query: Float32Array,
    k: number,
    filter?: VectorSearchFilter,
  ): Promise<VectorSearchHit[]>;
  counts(userId: string, model: string): Promise<VectorCounts>;
}
