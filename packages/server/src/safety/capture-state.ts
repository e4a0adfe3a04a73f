import type { CaptureState } from '@familiar/protocol';
import type { SqliteDatabase } from '../storage/index.ts';

/** A user's capture state as stored: paused or not, since when, and who changed it. */
export interface StoredCaptureState {
  userId: string;
  paused: boolean;
  changedAt: number;
  changedBy: string;
}

/**
 * The privacy switch of each user: while paused, media from their devices is discarded at ingest. Kept in the
 * database so the CLI (another process) can flip it and the server notices.
 */
export interface CaptureStateStore {
  get(userId: string): Promise<StoredCaptureState | null>;
  set(state: StoredCaptureState): Promise<void>;
  /** States changed after `since` (epoch ms), for the server to tell devices. */
  changedSince(since: number): Promise<StoredCaptureState[]>;
}

interface Row {
  user_id: string;
  paused: number;
  changed_at: number;
  changed_by: string;
}

const toState = (row: Row): StoredCaptureState => ({
  userId: row.user_id,
  paused: row.paused === 1,
  changedAt: row.changed_at,
  changedBy: row.changed_by,
});

/** The capture state in SQLite. */
export function createSqliteCaptureStateStore(db: SqliteDatabase): CaptureStateStore {
  const get = db.prepare<[string], Row>('SELECT * FROM capture_states WHERE user_id = ?');
  const set = db.prepare(
    `INSERT INTO capture_states (user_id, paused, changed_at, changed_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
  );
  const changed = db.prepare<[number], Row>(
    'SELECT * FROM capture_states WHERE changed_at > ? ORDER BY changed_at',
  );
  return {
    async get(userId) {
      const row = get.get(userId);
      return row ? toState(row) : null;
    },
    async set(state) {
      set.run(state.userId, state.paused ? 1 : 0, state.changedAt, state.changedBy);
    },
    async changedSince(since) {
      return changed.all(since).map(toState);
    },
  };
}

/** The in-memory fake of the capture state store. */
export function createInMemoryCaptureStateStore(): CaptureStateStore {
  const states = new Map<string, StoredCaptureState>();
  return {
    async get(userId) {
      return states.get(userId) ?? null;
    },
    async set(state) {
      states.set(state.userId, { ...state });
    },
    async changedSince(since) {
      return [...states.values()]
        .filter((s) => s.changedAt > since)
        .sort((a, b) => a.changedAt - b.changedAt);
    },
  };
}

/** The wire form of a capture state (never paused when never set). */
export function presentCaptureState(state: StoredCaptureState | null): CaptureState {
  return state
    ? { paused: state.paused, since: new Date(state.changedAt).toISOString(), by: state.changedBy }
    : { paused: false, since: null, by: null };
}
