import { createHash } from 'node:crypto';
import { FamiliarError } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import type { VectorIndex, VectorSearchFilter, VectorSearchHit } from './vector-index.ts';

/** How a PostgreSQL vector index searches, and the sentence to log at start-up. */
export interface VectorSearchMode {
  /** `hnsw`: pgvector's approximate index (exact scan when it comes back short); `full-scan`: every vector read. */
  mode: 'hnsw' | 'full-scan';
  message: string;
}

/** A VectorIndex that can say how it searches (log `describe().message` at start-up). */
export interface PostgresVectorIndex extends VectorIndex {
  describe(): Promise<VectorSearchMode>;
}

/** The oldest pgvector with iterative index scans, so a user filter on an HNSW search still returns `k` rows. */
const MINIMUM_PGVECTOR = [0, 8, 0] as const;

/**
 * The vector index in PostgreSQL's `observation_vectors` (Float32 little-endian BYTEA, the single source of truth,
 * as in SQLite). Where the `vector` extension (pgvector ≥ 0.8) can be created, each model (and dimension) also gets
 * a side table `observation_vectors_hnsw_<hash>` with an `embedding vector(<dimension>)` column and an HNSW cosine
 * index, made on first use and filled from the BYTEA rows; its rows go with their `observation_vectors` row (foreign
 * key), so forgetting an observation removes them at once. Without pgvector every search reads the user's vectors
 * of the model and ranks them here (exact, slower on large timelines); `describe()` says which. `pgvector: 'off'`
 * forces the full scan.
 */
export function createPostgresVectorIndex(
  client: PostgresClient,
  { pgvector = 'auto' }: { pgvector?: 'auto' | 'off' } = {},
): PostgresVectorIndex {
  let mode: Promise<VectorSearchMode> | undefined;
  const describe = () => {
    mode ??= pgvector === 'off' ? Promise.resolve(FORCED_OFF) : detectPgvector(client);
    return mode;
  };
  const sideTables = new Map<string, Promise<string>>();
  /** The HNSW side table of a model and dimension, created and filled the first time it is needed. */
  const sideTable = (model: string, dimension: number) => {
    const key = `${dimension}:${model}`;
    let table = sideTables.get(key);
    if (!table) {
      table = ensureSideTable(client, model, dimension);
      table.catch(() => sideTables.delete(key));
      sideTables.set(key, table);
    }
    return table;
  };
  const storedDimension = async (runner: PostgresClient, userId: string, model: string) =>
    (
      await runner.query<{ dimension: number }>(
        'SELECT dimension FROM observation_vectors WHERE user_id = $1 AND model = $2 LIMIT 1',
        [userId, model],
      )
    ).rows[0]?.dimension;

  const fullScan = async (
    userId: string,
    model: string,
    query: Float32Array,
    k: number,
    filter: VectorSearchFilter,
  ): Promise<VectorSearchHit[]> => {
    const { rows } = await client.query<{ seq: number; id: string; dimension: number; vector: Uint8Array }>(
      `SELECT v.observation_seq AS seq, o.id, v.dimension, v.vector
       FROM observation_vectors v JOIN observations o ON o.seq = v.observation_seq
       WHERE v.user_id = $1 AND v.model = $2 AND o.captured_at >= $3 AND o.captured_at < $4`,
      [userId, model, filter.fromMs ?? Number.MIN_SAFE_INTEGER, filter.toMs ?? Number.MAX_SAFE_INTEGER],
    );
    const queryNorm = norm(query);
    return rows
      .map((row): VectorSearchHit => {
        const vector = fromBytes(row.vector, row.dimension);
        if (!vector)
          throw new FamiliarError(
            'storage_failed',
            `the vector of observation ${row.seq} is damaged: ${row.vector.byteLength} bytes for ${row.dimension} dimensions`,
          );
        return { observationId: row.id, seq: row.seq, similarity: cosine(query, queryNorm, vector) };
      })
      .sort((a, b) => b.similarity - a.similarity || a.seq - b.seq)
      .slice(0, k);
  };

  const hnswSearch = async (
    table: string,
    userId: string,
    query: Float32Array,
    k: number,
    filter: VectorSearchFilter,
  ): Promise<VectorSearchHit[] | null> =>
    client.transaction(async (tx) => {
      await tx.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(40, k))}`);
      await tx.query('SET LOCAL hnsw.iterative_scan = strict_order');
      const { rows } = await tx.query<{ seq: number; id: string; distance: number }>(
        `SELECT nearest.seq, nearest.id, nearest.distance FROM (
           SELECT s.observation_seq AS seq, o.id, s.embedding <=> $1::vector AS distance
           FROM ${table} s JOIN observations o ON o.seq = s.observation_seq
           WHERE s.user_id = $2 AND o.captured_at >= $3 AND o.captured_at < $4
           ORDER BY s.embedding <=> $1::vector LIMIT $5
         ) nearest ORDER BY nearest.distance, nearest.seq`,
        [
          toVectorLiteral(query),
          userId,
          filter.fromMs ?? Number.MIN_SAFE_INTEGER,
          filter.toMs ?? Number.MAX_SAFE_INTEGER,
          k,
        ],
      );
      const hits = rows.map((row) => ({ observationId: row.id, seq: row.seq, similarity: 1 - row.distance }));
      if (hits.length === k) return hits;
      // Short of k: complete only when the index saw every candidate (it skips zero vectors, for one).
      const candidates = await tx.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${table} s JOIN observations o ON o.seq = s.observation_seq
         WHERE s.user_id = $1 AND o.captured_at >= $2 AND o.captured_at < $3`,
        [userId, filter.fromMs ?? Number.MIN_SAFE_INTEGER, filter.toMs ?? Number.MAX_SAFE_INTEGER],
      );
      return Number(candidates.rows[0]?.n ?? 0) === hits.length ? hits : null;
    });

  return {
    describe,
    async pending(userId, model, limit) {
      if (limit <= 0) return [];
      const { rows } = await client.query<{ seq: number; id: string; text: string }>(
        `SELECT o.seq, o.id, o.text FROM observations o
         WHERE o.user_id = $1
           AND NOT EXISTS (SELECT 1 FROM observation_vectors v WHERE v.observation_seq = o.seq AND v.model = $2)
         ORDER BY o.seq LIMIT $3`,
        [userId, model, Math.floor(limit)],
      );
      return rows;
    },
    async upsert(userId, model, items) {
      if (items.length === 0) return;
      const expected = (await storedDimension(client, userId, model)) ?? items[0]?.vector.length ?? 0;
      for (const { seq, vector } of items) checkVector(model, expected, seq, vector);
      // The side table is made before the write's transaction (its creation takes a transaction of its own).
      const table = (await describe()).mode === 'hnsw' ? await sideTable(model, expected) : null;
      await client.transaction(async (tx) => {
        // One writer per user and model at a time, so two batches cannot settle on different dimensions.
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('observation_vectors:' || $1 || ':' || $2))", [
          userId,
          model,
        ]);
        const dimension = (await storedDimension(tx, userId, model)) ?? expected;
        for (const { seq, vector } of items) checkVector(model, dimension, seq, vector);
        // A vector of another model goes first (its side-table row with it), so only the new one remains.
        await tx.query(
          'DELETE FROM observation_vectors WHERE user_id = $1 AND model <> $2 AND observation_seq = ANY($3::bigint[])',
          [userId, model, items.map((item) => item.seq)],
        );
        for (const { seq, vector } of items) {
          const stored = await tx.query(
            `INSERT INTO observation_vectors (observation_seq, user_id, model, dimension, vector)
             SELECT seq, user_id, $1, $2, $3 FROM observations WHERE seq = $4 AND user_id = $5
             ON CONFLICT (observation_seq) DO UPDATE
               SET model = excluded.model, dimension = excluded.dimension, vector = excluded.vector`,
            [model, dimension, toBytes(vector), seq, userId],
          );
          if (table && stored.rowCount > 0)
            await tx.query(
              `INSERT INTO ${table} (observation_seq, user_id, embedding) VALUES ($1, $2, $3::vector)
               ON CONFLICT (observation_seq) DO UPDATE SET user_id = excluded.user_id, embedding = excluded.embedding`,
              [seq, userId, toVectorLiteral(vector)],
            );
        }
      });
    },
    async search(userId, model, query, k, filter = {}) {
      if (k <= 0) return [];
      const stored = await storedDimension(client, userId, model);
      if (stored === undefined) return [];
      if (query.length !== stored)
        throw new FamiliarError(
          'invalid_input',
          `the query vector has ${query.length} dimensions; vectors of model ${model} have ${stored}`,
        );
      const limit = Math.floor(k);
      // pgvector cannot rank by cosine against a zero (or non-finite) query; every similarity is then 0.
      if ((await describe()).mode === 'hnsw' && Number.isFinite(norm(query)) && norm(query) > 0) {
        // The index can come back short (a narrow time range among many other users' rows): the scan is exact.
        const hits = await hnswSearch(await sideTable(model, stored), userId, query, limit, filter);
        if (hits) return hits;
      }
      return fullScan(userId, model, query, limit, filter);
    },
    async counts(userId, model) {
      const { rows } = await client.query<{ observations: number; vectors: number; embedded: number }>(
        `SELECT (SELECT count(*) FROM observations WHERE user_id = $1) AS observations,
                (SELECT count(*) FROM observation_vectors WHERE user_id = $1) AS vectors,
                (SELECT count(*) FROM observation_vectors WHERE user_id = $1 AND model = $2) AS embedded`,
        [userId, model],
      );
      const observations = Number(rows[0]?.observations ?? 0);
      const vectors = Number(rows[0]?.vectors ?? 0);
      const embedded = Number(rows[0]?.embedded ?? 0);
      return { embedded, stale: vectors - embedded, missing: observations - vectors };
    },
  };
}

const FORCED_OFF: VectorSearchMode = {
  mode: 'full-scan',
  message: 'pgvector is turned off in the configuration: vector search uses a full scan',
};

/** Creates the `vector` extension if it can; says why not otherwise. Lexical retrieval never depends on it. */
async function detectPgvector(client: PostgresClient): Promise<VectorSearchMode> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (cause) {
    return {
      mode: 'full-scan',
      message: `pgvector not installed (CREATE EXTENSION vector failed: ${(cause as Error).message}): vector search uses a full scan; install pgvector ${MINIMUM_PGVECTOR.join('.')} or later for an HNSW index`,
    };
  }
  const version =
    (
      await client.query<{ extversion: string }>(
        "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
      )
    ).rows[0]?.extversion ?? '0';
  const parts = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const older = MINIMUM_PGVECTOR.findIndex((wanted, i) => (parts[i] ?? 0) !== wanted);
  if (older !== -1 && (parts[older] ?? 0) < MINIMUM_PGVECTOR[older]!)
    return {
      mode: 'full-scan',
      message: `pgvector ${version} is older than ${MINIMUM_PGVECTOR.join('.')} (no iterative index scans): vector search uses a full scan`,
    };
  return {
    mode: 'hnsw',
    message: `pgvector ${version}: vector search uses an HNSW index per embedding model`,
  };
}

/** The side table's name: a hash, since model names are free text (`ollama:nomic-embed-text`, paths). */
function sideTableName(model: string, dimension: number): string {
  const hash = createHash('sha256').update(model).digest('hex').slice(0, 16);
  return `observation_vectors_hnsw_${hash}_${dimension}`;
}

/**
 * Creates a model's HNSW side table once (under a lock, so servers starting together agree), then copies in the
 * BYTEA vectors it lacks (those stored before pgvector was used, or while it was turned off).
 */
async function ensureSideTable(client: PostgresClient, model: string, dimension: number): Promise<string> {
  const table = sideTableName(model, dimension);
  await client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('observation_vectors_hnsw'))");
    const exists = await tx.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
    if (!exists.rows[0]?.found) {
      await tx.query(
        `CREATE TABLE ${table} (
           observation_seq BIGINT PRIMARY KEY REFERENCES observation_vectors(observation_seq) ON DELETE CASCADE,
           user_id TEXT NOT NULL,
           embedding vector(${dimension}) NOT NULL
         )`,
      );
      await tx.query(
        `COMMENT ON TABLE ${table} IS ${quoteLiteral(`HNSW copy of model ${model}, ${dimension} dimensions`)}`,
      );
      await tx.query(
        `CREATE INDEX ${table}_embedding_idx ON ${table} USING hnsw (embedding vector_cosine_ops)`,
      );
    }
    const { rows } = await tx.query<{ observation_seq: number; user_id: string; vector: Uint8Array }>(
      `SELECT v.observation_seq, v.user_id, v.vector FROM observation_vectors v
       WHERE v.model = $1 AND v.dimension = $2
         AND NOT EXISTS (SELECT 1 FROM ${table} s WHERE s.observation_seq = v.observation_seq)`,
      [model, dimension],
    );
    for (const row of rows) {
      const vector = fromBytes(row.vector, dimension);
      if (!vector) continue;
      await tx.query(
        `INSERT INTO ${table} (observation_seq, user_id, embedding) VALUES ($1, $2, $3::vector)`,
        [row.observation_seq, row.user_id, toVectorLiteral(vector)],
      );
    }
  });
  return table;
}

function checkVector(model: string, dimension: number, seq: number, vector: Float32Array): void {
  if (vector.length !== dimension || dimension === 0)
    throw new FamiliarError(
      'invalid_input',
      `vectors of model ${model} have ${dimension} dimensions; the one for observation ${seq} has ${vector.length}`,
    );
  if (!vector.every(Number.isFinite))
    throw new FamiliarError('invalid_input', `the vector for observation ${seq} has a non-finite number`);
}

const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** pgvector's text form; each Float32 value printed exactly, so the stored float is the same. */
const toVectorLiteral = (vector: Float32Array) => `[${Array.from(vector).join(',')}]`;

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/** Cosine similarity; 0 when either vector has no direction (as sqlite-vec's missing distance counts as 1). */
function cosine(query: Float32Array, queryNorm: number, vector: Float32Array): number {
  let dot = 0;
  let sum = 0;
  for (let i = 0; i < vector.length; i += 1) {
    dot += query[i]! * vector[i]!;
    sum += vector[i]! * vector[i]!;
  }
  const denominator = queryNorm * Math.sqrt(sum);
  return denominator > 0 ? dot / denominator : 0;
}

/** Float32 little-endian bytes, whatever the machine's byte order. */
function toBytes(vector: Float32Array): Buffer {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes;
}

function fromBytes(bytes: Uint8Array, dimension: number): Float32Array | null {
  if (bytes.byteLength !== dimension * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i += 1) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
