import type { PostgresClient } from '../storage/index.ts';
import type { MemoryCursors } from './memory-cursors.ts';

/** Cursors in PostgreSQL (table `memory_cursors`, migration 6); `set` is one upsert. */
export function createPostgresMemoryCursors(client: PostgresClient): MemoryCursors {
  return {
    async get(userId, stage) {
      const { rows } = await client.query<{ last_seq: number }>(
        'SELECT last_seq FROM memory_cursors WHERE user_id = $1 AND stage = $2',
        [userId, stage],
      );
      return rows[0]?.last_seq ?? 0;
    },
    async set(userId, stage, lastSeq, at) {
      await client.query(
        `INSERT INTO memory_cursors (user_id, stage, last_seq, state, updated_at) VALUES ($1, $2, $3, NULL, $4)
         ON CONFLICT (user_id, stage) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
        [userId, stage, lastSeq, at],
      );
    },
    async reset(userId) {
      await client.query('DELETE FROM memory_cursors WHERE user_id = $1', [userId]);
    },
  };
}
