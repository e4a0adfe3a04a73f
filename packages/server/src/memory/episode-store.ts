import { NotFoundError } from '../kernel/index.ts';
import type { SqliteDatabase } from '../storage/index.ts';

/** A stretch of a person's day: one conversation, one outing, one working session. */
export interface Episode {
  id: string;
  userId: string;
  startedAt: number;
  endedAt: number;
  title: string;
  summary: string;
  observationCount: number;
  /** The person corrected the title or summary: re-segmentation keeps their words. */
  edited: boolean;
  createdAt: number;
  updatedAt: number;
}

/** An episode as segmentation produces it, with the observations it holds. */
export type NewEpisode = Omit<Episode, 'userId' | 'observationCount' | 'updatedAt'> & {
  observationIds: readonly string[];
};

/** The user's episodes, and which observations belong to each (a column on the observation). */
export interface EpisodeStore {
  /** Episodes overlapping [fromMs, toMs), oldest first unless asked otherwise. */
  list(
    userId: string,
    options?: { fromMs?: number; toMs?: number; limit?: number; order?: 'asc' | 'desc' },
  ): Promise<Episode[]>;
  get(userId: string, id: string): Promise<Episode | null>;
  /**
   * Replaces every episode overlapping [fromMs, toMs] with `episodes` and points their observations at them, in one
   * transaction (re-segmentation of a stretch of the timeline).
   */
  replaceWindow(
    userId: string,
    window: { fromMs: number; toMs: number },
    episodes: readonly NewEpisode[],
  ): Promise<void>;
  /** The person's correction of a title or summary. */
  update(
    userId: string,
    id: string,
    changes: { title?: string; summary?: string },
    at: number,
  ): Promise<Episode>;
  /** The ids of an episode's observations, in time order. */
  observationIds(userId: string, id: string): Promise<string[]>;
  /** Which episode each observation (by write position) belongs to; observations in none are left out. */
  episodeOf(userId: string, seqs: readonly number[]): Promise<Map<number, string>>;
  /** The write positions of an episode's observations, in time order. */
  observationSeqs(userId: string, id: string): Promise<number[]>;
  /**
   * Episodes that lost observations since they were described (a forget took some): they still hold some, but fewer
   * than their `observationCount` says. Their title and summary can quote what was forgotten; `redescribe` them
   * before `prune`, whose recount hides that they shrank. Oldest first.
   */
  shrunk(userId: string): Promise<Episode[]>;
  /**
   * Writes a title and summary made from `description.observationIds`, and recounts the episode (count, start, end),
   * only when the person has not edited it and it holds exactly those observations; otherwise changes nothing and
   * answers null. Not a correction: `edited` stays false.
   */
  redescribe(
    userId: string,
    id: string,
    description: { title: string; summary: string; observationIds: readonly string[] },
    at: number,
  ): Promise<Episode | null>;
  /** After observations are forgotten: recounts, shrinks episodes to what is left, deletes empty ones. */
  prune(userId: string): Promise<{ removed: number }>;
  removeAll(userId: string): Promise<number>;
}

interface EpisodeRow {
  user_id: string;
  id: string;
  started_at: number;
  ended_at: number;
  title: string;
  summary: string;
  observation_count: number;
  edited: number;
  created_at: number;
  updated_at: number;
}

function toEpisode(row: EpisodeRow): Episode {
  return {
    id: row.id,
    userId: row.user_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    title: row.title,
    summary: row.summary,
    observationCount: row.observation_count,
    edited: row.edited === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Episodes in SQLite (table `episodes` and `observations.episode_id`, migration 6). */
export function createSqliteEpisodeStore(db: SqliteDatabase): EpisodeStore {
  const byId = db.prepare<[string, string], EpisodeRow>(
    'SELECT * FROM episodes WHERE user_id = ? AND id = ?',
  );
  const require = (userId: string, id: string): Episode => {
    const row = byId.get(userId, id);
    if (!row) throw new NotFoundError('episode', id);
    return toEpisode(row);
  };
  const assign = db.prepare('UPDATE observations SET episode_id = ? WHERE user_id = ? AND id = ?');
  const insert = db.prepare(
    `INSERT INTO episodes (user_id, id, started_at, ended_at, title, summary, observation_count, edited, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const replaceWindow = db.transaction(
    (userId: string, window: { fromMs: number; toMs: number }, episodes: readonly NewEpisode[]) => {
      const old = db
        .prepare<[string, number, number], { id: string }>(
          'SELECT id FROM episodes WHERE user_id = ? AND started_at <= ? AND ended_at >= ?',
        )
        .all(userId, window.toMs, window.fromMs);
      for (const { id } of old) {
        db.prepare('UPDATE observations SET episode_id = NULL WHERE user_id = ? AND episode_id = ?').run(
          userId,
          id,
        );
        db.prepare('DELETE FROM episodes WHERE user_id = ? AND id = ?').run(userId, id);
      }
      for (const episode of episodes) {
        insert.run(
          userId,
          episode.id,
          episode.startedAt,
          episode.endedAt,
          episode.title,
          episode.summary,
          episode.observationIds.length,
          episode.edited ? 1 : 0,
          episode.createdAt,
          episode.createdAt,
        );
        for (const observationId of episode.observationIds) assign.run(episode.id, userId, observationId);
      }
    },
  );

  const prune = db.transaction((userId: string) => {
    db.prepare(
      `UPDATE episodes SET
         observation_count = (SELECT count(*) FROM observations o WHERE o.user_id = episodes.user_id AND o.episode_id = episodes.id),
         started_at = coalesce((SELECT min(captured_at) FROM observations o WHERE o.user_id = episodes.user_id AND o.episode_id = episodes.id), started_at),
         ended_at = coalesce((SELECT max(captured_at) FROM observations o WHERE o.user_id = episodes.user_id AND o.episode_id = episodes.id), ended_at)
       WHERE user_id = ?`,
    ).run(userId);
    const removed = db
      .prepare('DELETE FROM episodes WHERE user_id = ? AND observation_count = 0')
      .run(userId).changes;
    return { removed };
  });

  const redescribe = db.transaction(
    (
      userId: string,
      id: string,
      description: { title: string; summary: string; observationIds: readonly string[] },
      at: number,
    ): Episode | null => {
      const current = byId.get(userId, id);
      if (!current || current.edited === 1) return null;
      const held = db
        .prepare<[string, string], { id: string; captured_at: number }>(
          'SELECT id, captured_at FROM observations WHERE user_id = ? AND episode_id = ?',
        )
        .all(userId, id);
      if (!holdsExactly(held, description.observationIds)) return null;
      const times = held.map((row) => row.captured_at);
      db.prepare(
        `UPDATE episodes SET title = ?, summary = ?, observation_count = ?, started_at = ?, ended_at = ?, updated_at = ?
         WHERE user_id = ? AND id = ? AND edited = 0`,
      ).run(
        description.title,
        description.summary,
        held.length,
        Math.min(...times),
        Math.max(...times),
        at,
        userId,
        id,
      );
      return require(userId, id);
    },
  );

  return {
    async list(userId, options = {}) {
      const direction = options.order === 'desc' ? 'DESC' : 'ASC';
      return db
        .prepare<[string, number, number, number], EpisodeRow>(
          `SELECT * FROM episodes WHERE user_id = ? AND ended_at >= ? AND started_at < ?
           ORDER BY started_at ${direction} LIMIT ?`,
        )
        .all(
          userId,
          options.fromMs ?? Number.MIN_SAFE_INTEGER,
          options.toMs ?? Number.MAX_SAFE_INTEGER,
          options.limit ?? 1000,
        )
        .map(toEpisode);
    },
    async get(userId, id) {
      const row = byId.get(userId, id);
      return row ? toEpisode(row) : null;
    },
    async replaceWindow(userId, window, episodes) {
      replaceWindow.immediate(userId, window, episodes);
    },
    async update(userId, id, changes, at) {
      const current = require(userId, id);
      db.prepare(
        'UPDATE episodes SET title = ?, summary = ?, edited = 1, updated_at = ? WHERE user_id = ? AND id = ?',
      ).run(changes.title ?? current.title, changes.summary ?? current.summary, at, userId, id);
      return require(userId, id);
    },
    async observationIds(userId, id) {
      return db
        .prepare<[string, string], { id: string }>(
          'SELECT id FROM observations WHERE user_id = ? AND episode_id = ? ORDER BY captured_at, id',
        )
        .all(userId, id)
        .map((row) => row.id);
    },
    async observationSeqs(userId, id) {
      return db
        .prepare<[string, string], { seq: number }>(
          'SELECT seq FROM observations WHERE user_id = ? AND episode_id = ? ORDER BY captured_at, id',
        )
        .all(userId, id)
        .map((row) => row.seq);
    },
    async episodeOf(userId, seqs) {
      if (seqs.length === 0) return new Map();
      const rows = db
        .prepare<[string, string], { seq: number; episode_id: string }>(
          `SELECT o.seq, o.episode_id FROM json_each(?) AS wanted CROSS JOIN observations o ON o.seq = wanted.value
           WHERE o.user_id = ? AND o.episode_id IS NOT NULL`,
        )
        .all(JSON.stringify(seqs), userId);
      return new Map(rows.map((row) => [row.seq, row.episode_id]));
    },
    async shrunk(userId) {
      return db
        .prepare<[string, string], EpisodeRow>(
          `SELECT e.* FROM episodes e JOIN (
             SELECT episode_id, count(*) AS n FROM observations
             WHERE user_id = ? AND episode_id IS NOT NULL GROUP BY episode_id
           ) m ON m.episode_id = e.id
           WHERE e.user_id = ? AND e.observation_count > m.n
           ORDER BY e.started_at, e.id`,
        )
        .all(userId, userId)
        .map(toEpisode);
    },
    async redescribe(userId, id, description, at) {
      return redescribe.immediate(userId, id, description, at);
    },
    async prune(userId) {
      return prune.immediate(userId);
    },
    async removeAll(userId) {
      return db
        .transaction(() => {
          db.prepare('UPDATE observations SET episode_id = NULL WHERE user_id = ?').run(userId);
          return db.prepare('DELETE FROM episodes WHERE user_id = ?').run(userId).changes;
        })
        .immediate();
    },
  };
}

/**
 * Whether an episode's observations (`held`, in any order) are exactly `wanted`: what a description was made from
 * is what the episode still holds.
 */
export function holdsExactly(held: ReadonlyArray<{ id: string }>, wanted: readonly string[]): boolean {
  const set = new Set(wanted);
  return held.length > 0 && held.length === set.size && held.every((row) => set.has(row.id));
}
