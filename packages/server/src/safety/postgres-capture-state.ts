import type { PostgresClient } from '../storage/index.ts';
import type { CaptureStateStore, StoredCaptureState } from './capture-state.ts';

interface Row {
  user_id: string;
  paused: boolean;
  changed_at: number;
  changed_by: string;
}

const toState = (row: Row): StoredCaptureState => ({
  userId: row.user_id,
  paused: row.paused,
  changedAt: row.changed_at,
  changedBy: row.changed_by,
});

/** The capture state in PostgreSQL; `set` is one upsert. Changes at the same time come in user id order. */
export function createPostgresCaptureStateStore(client: PostgresClient): CaptureStateStore {
  return {
    async get(userId) {
      const { rows } = await client.query<Row>(
        'SELECT user_id, paused, changed_at, changed_by FROM capture_states WHERE user_id = $1',
        [userId],
      );
      return rows[0] ? toState(rows[0]) : null;
    },
    async set(state) {
      await client.query(
        `INSERT INTO capture_states (user_id, paused, changed_at, changed_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
        [state.userId, state.paused, state.changedAt, state.changedBy],
      );
    },
    async changedSince(since) {
      const { rows } = await client.query<Row>(
        `SELECT user_id, paused, changed_at, changed_by FROM capture_states WHERE changed_at > $1
         ORDER BY changed_at, user_id COLLATE "C"`,
        [since],
      );
      return rows.map(toState);
    },
  };
}
