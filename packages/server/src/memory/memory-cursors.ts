import type { SqliteDatabase } from '../storage/index.ts';

/** How far a pass of the understanding pipeline (facts, episodes, vectors) has read each user's timeline. */
export interface MemoryCursors {
  get(userId: string, stage: string): Promise<number>;
  set(userId: string, stage: string, lastSeq: number, at: number): Promise<void>;
  /** Sends every pass back to the start for a user (a rebuild). */
  reset(userId: string): Promise<void>;
}

/** Cursors in SQLite (table `memory_cursors`, migration 6). */
export function createSqliteMemoryCursors(db: SqliteDatabase): MemoryCursors {
  const read = db.prepare<[string, string], { last_seq: number }>(
    'SELECT last_seq FROM memory_cursors WHERE user_id = ? AND stage = ?',
  );
  const write = db.prepare(
    `INSERT INTO memory_cursors (user_id, stage, last_seq, state, updated_at) VALUES (?, ?, ?, NULL, ?)
     ON CONFLICT (user_id, stage) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
  );
  return {
    async get(userId, stage) {
      return read.get(userId, stage)?.last_seq ?? 0;
    },
    async set(userId, stage, lastSeq, at) {
      write.run(userId, stage, lastSeq, at);
    },
    async reset(userId) {
      db.prepare('DELETE FROM memory_cursors WHERE user_id = ?').run(userId);
    },
  };
}
