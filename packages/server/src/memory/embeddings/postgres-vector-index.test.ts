import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { describe, expect, it } from 'vitest';
import { freshPostgres } from '../../../test/support/postgres.ts';
import { migratePostgres, type PostgresClient, pgliteClient } from '../../storage/index.ts';
import { createPostgresTimelineStore } from '../postgres-timeline-store.ts';
import type { NewObservation } from '../types.ts';
import { createPostgresVectorIndex } from './postgres-vector-index.ts';
import { describeVectorIndexContract } from './vector-index.contract.ts';

let withPgvector: Promise<PostgresClient> | undefined;

/** A migrated PGlite with pgvector loaded (one per file), emptied before each use, users alice and bob. */
async function freshPostgresWithPgvector(): Promise<PostgresClient> {
  withPgvector ??= (async () => {
    const client = pgliteClient(new PGlite({ extensions: { vector } }));
    await migratePostgres(client);
    return client;
  })();
  const client = await withPgvector;
  const tables = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
  );
  await client.query(
    `TRUNCATE ${tables.rows.map((row) => `"${row.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`,
  );
  for (const id of ['alice', 'bob'])
    await client.query('INSERT INTO users (id, name, timezone, created_at) VALUES ($1, $1, $2, 0)', [
      id,
      'UTC',
    ]);
  return client;
}

/** The HNSW side table of one model (its comment names the model). */
async function sideTableOf(client: PostgresClient, model: string): Promise<string> {
  const { rows } = await client.query<{ relname: string }>(
    "SELECT relname FROM pg_class WHERE relkind = 'r' AND obj_description(oid, 'pg_class') LIKE $1",
    [`HNSW copy of model ${model},%`],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.relname;
}

const countRows = async (client: PostgresClient, table: string) =>
  Number((await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);

describeVectorIndexContract('PostgreSQL without pgvector (full scan)', async () => {
  const client = await freshPostgres('alice', 'bob');
  return {
    store: createPostgresTimelineStore(client),
    index: createPostgresVectorIndex(client),
    countStoredVectors: () => countRows(client, 'observation_vectors'),
  };
});

describeVectorIndexContract('PostgreSQL with pgvector (HNSW)', async () => {
  const client = await freshPostgresWithPgvector();
  return {
    store: createPostgresTimelineStore(client),
    index: createPostgresVectorIndex(client),
    countStoredVectors: () => countRows(client, 'observation_vectors'),
  };
});

describeVectorIndexContract('PostgreSQL with pgvector turned off', async () => {
  const client = await freshPostgresWithPgvector();
  return {
    store: createPostgresTimelineStore(client),
    index: createPostgresVectorIndex(client, { pgvector: 'off' }),
    countStoredVectors: () => countRows(client, 'observation_vectors'),
  };
});

/** A deterministic pseudo-random unit vector (a linear congruential generator seeded by `seed`). */
function randomVector(seed: number, dimension: number): Float32Array {
  let state = seed * 2_654_435_761;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 - 0.5;
  };
  const vector = Float32Array.from({ length: dimension }, next);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

function note(n: number): NewObservation {
  const capturedAt = Date.parse('2026-11-02T09:00:00Z') + n * 60_000;
  return {
    id: `01JE${String(n).padStart(22, '0')}`,
    deviceId: null,
    modality: 'note',
    capturedAt,
    receivedAt: capturedAt,
    text: `note ${n}`,
    captureId: null,
    provenance: null,
    trust: 'authored',
  };
}

describe('PostgreSQL vector index: how it searches', () => {
  it('says clearly when pgvector is missing, and still answers by a full scan', async () => {
    const client = await freshPostgres('alice', 'bob');
    const index = createPostgresVectorIndex(client);
    const { mode, message } = await index.describe();
    expect(mode).toBe('full-scan');
    expect(message).toMatch(/^pgvector not installed .*: vector search uses a full scan/);
    expect(await createPostgresVectorIndex(client, { pgvector: 'off' }).describe()).toMatchObject({
      mode: 'full-scan',
      message: expect.stringContaining('turned off'),
    });
  });

  it('keeps an HNSW copy per model beside the BYTEA rows, ranks like the exact scan, forgets with the observation', async () => {
    const client = await freshPostgresWithPgvector();
    const store = createPostgresTimelineStore(client);
    const statements: string[] = [];
    const recording = (inner: PostgresClient): PostgresClient => ({
      query: (sql, params) => {
        statements.push(sql);
        return inner.query(sql, params);
      },
      transaction: (work) => inner.transaction((tx) => work(recording(tx))),
      close: () => inner.close(),
    });
    const index = createPostgresVectorIndex(recording(client));
    const exact = createPostgresVectorIndex(client, { pgvector: 'off' });
    const scans = () =>
      statements.filter((sql) => sql.includes('SELECT v.observation_seq AS seq, o.id, v.dimension'));
    expect(await index.describe()).toMatchObject({ mode: 'hnsw', message: expect.stringContaining('HNSW') });

    const notes = Array.from({ length: 300 }, (_, i) => note(i + 1));
    await store.insertObservations('alice', notes.slice(0, 200));
    await store.insertObservations('bob', notes.slice(200));
    for (const userId of ['alice', 'bob']) {
      const pending = await index.pending(userId, 'model-x', 1_000);
      await index.upsert(
        userId,
        'model-x',
        pending.map((item) => ({ seq: item.seq, vector: randomVector(item.seq, 16) })),
      );
    }
    const side = await sideTableOf(client, 'model-x');
    expect(await countRows(client, side)).toBe(300);
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT observation_seq FROM ${side} ORDER BY embedding <=> $1::vector LIMIT 5`,
      [`[${Array.from(randomVector(1, 16)).join(',')}]`],
    );
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('_embedding_idx');

    for (const seed of [7, 8, 9]) {
      const query = randomVector(seed * 1_000, 16);
      const approximate = await index.search('alice', 'model-x', query, 10);
      const truth = await exact.search('alice', 'model-x', query, 10);
      expect(approximate).toHaveLength(10);
      const found = approximate.filter((hit) => truth.some((t) => t.seq === hit.seq));
      expect(found.length).toBeGreaterThanOrEqual(9);
      expect(approximate[0]!.similarity).toBeCloseTo(truth[0]!.similarity, 5);
      expect(approximate.every((hit) => hit.seq <= 200)).toBe(true);
    }

    expect(statements.some((sql) => sql.includes('<=>'))).toBe(true);
    expect(scans()).toEqual([]);

    // A narrow time range leaves the index short of k: the exact scan answers.
    const narrow = await index.search('alice', 'model-x', randomVector(5, 16), 10, {
      fromMs: note(10).capturedAt,
      toMs: note(13).capturedAt,
    });
    expect(narrow.map((hit) => hit.observationId).sort()).toEqual([10, 11, 12].map((n) => note(n).id));

    await store.forget('alice', { kind: 'ids', ids: [note(1).id] });
    expect(await countRows(client, side)).toBe(299);
    await index.upsert('bob', 'model-y', [{ seq: 201, vector: randomVector(1, 8) }]);
    expect(await countRows(client, side)).toBe(298);
    expect((await index.search('bob', 'model-y', randomVector(1, 8), 5)).map((hit) => hit.seq)).toEqual([
      201,
    ]);
  });

  it('fills a model’s HNSW table from vectors stored before pgvector was used', async () => {
    const client = await freshPostgresWithPgvector();
    const store = createPostgresTimelineStore(client);
    await store.insertObservations('alice', [note(1), note(2)]);
    const before = createPostgresVectorIndex(client, { pgvector: 'off' });
    const [first, second] = await before.pending('alice', 'model-z', 10);
    await before.upsert('alice', 'model-z', [
      { seq: first!.seq, vector: Float32Array.from([1, 0, 0]) },
      { seq: second!.seq, vector: Float32Array.from([0, 1, 0]) },
    ]);
    const after = createPostgresVectorIndex(client);
    const hits = await after.search('alice', 'model-z', Float32Array.from([0.1, 1, 0]), 2);
    expect(hits.map((hit) => hit.seq)).toEqual([second!.seq, first!.seq]);
    expect(await countRows(client, await sideTableOf(client, 'model-z'))).toBe(2);
  });
});
