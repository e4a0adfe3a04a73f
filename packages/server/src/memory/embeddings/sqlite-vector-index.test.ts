import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { createSqliteTimelineStore } from '../sqlite-timeline-store.ts';
import { createSqliteVectorIndex } from './sqlite-vector-index.ts';
import { describeVectorIndexContract } from './vector-index.contract.ts';

describeVectorIndexContract('SQLite (sqlite-vec)', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return {
    store: createSqliteTimelineStore(db),
    index: createSqliteVectorIndex(db),
    async countStoredVectors() {
      return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM observation_vectors').get()?.n ?? 0;
    },
  };
});

describe('SQLite vector index', () => {
  it('shares one sqlite-vec load between indexes on one connection', async () => {
    const db = databaseWithUsers('alice', 'bob');
    createSqliteVectorIndex(db);
    const again = createSqliteVectorIndex(db);
    expect(await again.counts('alice', 'test-model')).toEqual({ embedded: 0, stale: 0, missing: 0 });
  });
});
