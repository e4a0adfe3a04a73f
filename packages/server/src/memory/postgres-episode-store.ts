import { NotFoundError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import { type Episode, type EpisodeStore, holdsExactly } from './episode-store.ts';

interface EpisodeRow {
  user_id: string;
  id: string;
  started_at: number;
  ended_at: number;
  title: string;
  summary: string;
  observation_count: number;
  edited: boolean;
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
    edited: row.edited,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Serialises one user's episode writes (as SQLite's `BEGIN IMMEDIATE` does for the whole database): a
 * transaction-scoped advisory lock keyed by the user, so two re-segmentations of one day never interleave.
 */
const lockUser = (tx: PostgresClient, userId: string) =>
  tx.query("SELECT pg_advisory_xact_lock(hashtext('episodes:' || $1))", [userId]);

/** Episodes in PostgreSQL (table `episodes` and `observations.episode_id`, migration 6), as in SQLite. */
export function createPostgresEpisodeStore(client: PostgresClient): EpisodeStore {
  const byId = async (runner: PostgresClient, userId: string, id: string) =>
    (await runner.query<EpisodeRow>('SELECT * FROM episodes WHERE user_id = $1 AND id = $2', [userId, id]))
      .rows[0];

  const members = async <T>(column: 'id' | 'seq', userId: string, id: string) =>
    (
      await client.query<Record<typeof column, T>>(
        `SELECT ${column} FROM observations WHERE user_id = $1 AND episode_id = $2 ORDER BY captured_at, id COLLATE "C"`,
        [userId, id],
      )
    ).rows.map((row) => row[column]);

  return {
    async list(userId, options = {}) {
      const direction = options.order === 'desc' ? 'DESC' : 'ASC';
      const limit = options.limit ?? 1000;
      const { rows } = await client.query<EpisodeRow>(
        `SELECT * FROM episodes WHERE user_id = $1 AND ended_at >= $2 AND started_at < $3
         ORDER BY started_at ${direction} LIMIT $4`,
        [
          userId,
          options.fromMs ?? Number.MIN_SAFE_INTEGER,
          options.toMs ?? Number.MAX_SAFE_INTEGER,
          limit < 0 ? null : Math.floor(limit),
        ],
      );
      return rows.map(toEpisode);
    },
    async get(userId, id) {
      const row = await byId(client, userId, id);
      return row ? toEpisode(row) : null;
    },
    async replaceWindow(userId, window, episodes) {
      await client.transaction(async (tx) => {
        await lockUser(tx, userId);
        const old = await tx.query<{ id: string }>(
          'SELECT id FROM episodes WHERE user_id = $1 AND started_at <= $2 AND ended_at >= $3',
          [userId, window.toMs, window.fromMs],
        );
        const oldIds = old.rows.map((row) => row.id);
        if (oldIds.length > 0) {
          await tx.query(
            'UPDATE observations SET episode_id = NULL WHERE user_id = $1 AND episode_id = ANY($2::text[])',
            [userId, oldIds],
          );
          await tx.query('DELETE FROM episodes WHERE user_id = $1 AND id = ANY($2::text[])', [
            userId,
            oldIds,
          ]);
        }
        for (const episode of episodes) {
          await tx.query(
            `INSERT INTO episodes (user_id, id, started_at, ended_at, title, summary, observation_count, edited, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
            [
              userId,
              episode.id,
              episode.startedAt,
              episode.endedAt,
              episode.title,
              episode.summary,
              episode.observationIds.length,
              episode.edited,
              episode.createdAt,
            ],
          );
          if (episode.observationIds.length > 0)
            await tx.query(
              'UPDATE observations SET episode_id = $1 WHERE user_id = $2 AND id = ANY($3::text[])',
              [episode.id, userId, [...episode.observationIds]],
            );
        }
      });
    },
    async update(userId, id, changes, at) {
      return client.transaction(async (tx) => {
        const current = await byId(tx, userId, id);
        if (!current) throw new NotFoundError('episode', id);
        const { rows } = await tx.query<EpisodeRow>(
          `UPDATE episodes SET title = $1, summary = $2, edited = TRUE, updated_at = $3 WHERE user_id = $4 AND id = $5
           RETURNING *`,
          [changes.title ?? current.title, changes.summary ?? current.summary, at, userId, id],
        );
        return toEpisode(rows[0]!);
      });
    },
    observationIds: (userId, id) => members<string>('id', userId, id),
    observationSeqs: (userId, id) => members<number>('seq', userId, id),
    async episodeOf(userId, seqs) {
      if (seqs.length === 0) return new Map();
      const { rows } = await client.query<{ seq: number; episode_id: string }>(
        `SELECT seq, episode_id FROM observations
         WHERE user_id = $1 AND seq = ANY($2::bigint[]) AND episode_id IS NOT NULL`,
        [userId, [...seqs]],
      );
      return new Map(rows.map((row) => [row.seq, row.episode_id]));
    },
    async shrunk(userId) {
      const { rows } = await client.query<EpisodeRow>(
        `SELECT e.* FROM episodes e JOIN (
           SELECT episode_id, count(*) AS n FROM observations
           WHERE user_id = $1 AND episode_id IS NOT NULL GROUP BY episode_id
         ) m ON m.episode_id = e.id
         WHERE e.user_id = $1 AND e.observation_count > m.n
         ORDER BY e.started_at, e.id COLLATE "C"`,
        [userId],
      );
      return rows.map(toEpisode);
    },
    async redescribe(userId, id, description, at) {
      return client.transaction(async (tx) => {
        await lockUser(tx, userId);
        const current = await byId(tx, userId, id);
        if (!current || current.edited) return null;
        const held = (
          await tx.query<{ id: string; captured_at: number }>(
            'SELECT id, captured_at FROM observations WHERE user_id = $1 AND episode_id = $2',
            [userId, id],
          )
        ).rows;
        if (!holdsExactly(held, description.observationIds)) return null;
        const times = held.map((row) => Number(row.captured_at));
        const { rows } = await tx.query<EpisodeRow>(
          `UPDATE episodes SET title = $1, summary = $2, observation_count = $3, started_at = $4, ended_at = $5,
             updated_at = $6
           WHERE user_id = $7 AND id = $8 AND NOT edited
           RETURNING *`,
          [
            description.title,
            description.summary,
            held.length,
            Math.min(...times),
            Math.max(...times),
            at,
            userId,
            id,
          ],
        );
        return rows[0] ? toEpisode(rows[0]) : null;
      });
    },
    async prune(userId) {
      return client.transaction(async (tx) => {
        await lockUser(tx, userId);
        await tx.query(
          `UPDATE episodes e SET observation_count = coalesce(m.n, 0),
             started_at = coalesce(m.first_at, e.started_at), ended_at = coalesce(m.last_at, e.ended_at)
           FROM episodes e2 LEFT JOIN (
             SELECT episode_id, count(*) AS n, min(captured_at) AS first_at, max(captured_at) AS last_at
             FROM observations WHERE user_id = $1 AND episode_id IS NOT NULL GROUP BY episode_id
           ) m ON m.episode_id = e2.id
           WHERE e.user_id = $1 AND e2.user_id = e.user_id AND e2.id = e.id`,
          [userId],
        );
        const removed = await tx.query('DELETE FROM episodes WHERE user_id = $1 AND observation_count = 0', [
          userId,
        ]);
        return { removed: removed.rowCount };
      });
    },
    async removeAll(userId) {
      return client.transaction(async (tx) => {
        await lockUser(tx, userId);
        await tx.query(
          'UPDATE observations SET episode_id = NULL WHERE user_id = $1 AND episode_id IS NOT NULL',
          [userId],
        );
        return (await tx.query('DELETE FROM episodes WHERE user_id = $1', [userId])).rowCount;
      });
    },
  };
}
