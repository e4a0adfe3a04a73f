import { z } from 'zod';
import { ConflictError, FamiliarError, NotFoundError, ValidationError } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import type { Goal, NewProgressEntry, ProgressEntry } from '../types.ts';
import { GoalTargetSchema } from './goal-spec.ts';
import {
  checkGoalChanges,
  checkNewGoal,
  checkNewProgress,
  type ProgressColumns,
  type PrunableGoalStore,
  progressFromRow,
  sameSeqSet,
} from './goal-store.ts';

const StringsSchema = z.array(z.string());

interface GoalRow {
  user_id: string;
  id: string;
  title: string;
  text: string;
  activity: string;
  /** JSONB columns, parsed by the client. */
  about: unknown;
  target: unknown;
  deadline: number | null;
  plan: unknown;
  status: string;
  started_at: number;
  created_at: number;
  updated_at: number;
}

type ProgressRow = ProgressColumns & { sources: string[] };

/** Reads a JSONB value back through its schema, so a damaged row is an error and never a wrong value. */
function jsonValue<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new FamiliarError('storage_failed', `stored JSON in ${where} does not match its schema`);
  return result.data;
}

function toGoal(row: GoalRow): Goal {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    text: row.text,
    activity: row.activity,
    about: jsonValue(StringsSchema, row.about, 'goals.about'),
    target: jsonValue(GoalTargetSchema, row.target, 'goals.target'),
    deadline: row.deadline,
    plan: jsonValue(StringsSchema, row.plan, 'goals.plan'),
    status: row.status as Goal['status'],
    startedAt: row.started_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toProgress(row: ProgressRow): ProgressEntry {
  return progressFromRow(row, row.sources);
}

// Sources in write order, as observation ids.
const SELECT_PROGRESS = `SELECT p.*, ARRAY(SELECT o.id FROM goal_progress_sources s
  JOIN observations o ON o.seq = s.observation_seq WHERE s.user_id = p.user_id AND s.progress_id = p.id ORDER BY o.seq)
  AS sources FROM goal_progress p`;

async function findGoal(db: PostgresClient, userId: string, id: string, lock = false): Promise<Goal | null> {
  const { rows } = await db.query<GoalRow>(
    `SELECT * FROM goals WHERE user_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [userId, id],
  );
  return rows[0] ? toGoal(rows[0]) : null;
}

async function requireGoal(db: PostgresClient, userId: string, id: string, lock = false): Promise<Goal> {
  const goal = await findGoal(db, userId, id, lock);
  if (!goal) throw new NotFoundError('goal', id);
  return goal;
}

async function findProgress(db: PostgresClient, userId: string, id: string): Promise<ProgressEntry | null> {
  const { rows } = await db.query<ProgressRow>(`${SELECT_PROGRESS} WHERE p.user_id = $1 AND p.id = $2`, [
    userId,
    id,
  ]);
  return rows[0] ? toProgress(rows[0]) : null;
}

async function requireProgress(db: PostgresClient, userId: string, id: string): Promise<ProgressEntry> {
  const entry = await findProgress(db, userId, id);
  if (!entry) throw new NotFoundError('progress', id);
  return entry;
}

/**
 * Goals and progress in PostgreSQL (tables `goals`, `goal_progress`, `goal_progress_sources`, migration 7), with the
 * SQLite store's semantics. Recording progress locks the goal's row (`SELECT … FOR UPDATE`), so two servers recording
 * the same evidence make one entry.
 */
export function createPostgresGoalStore(client: PostgresClient): PrunableGoalStore {
  return {
    async add(userId, goal) {
      checkNewGoal(goal);
      const { rows } = await client.query<GoalRow>(
        `INSERT INTO goals (user_id, id, title, text, activity, about, target, deadline, plan, status, started_at,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (user_id, id) DO NOTHING
         RETURNING *`,
        [
          userId,
          goal.id,
          goal.title,
          goal.text,
          goal.activity,
          JSON.stringify(goal.about),
          JSON.stringify(goal.target),
          goal.deadline,
          JSON.stringify(goal.plan),
          goal.status,
          goal.startedAt,
          goal.createdAt,
          goal.updatedAt,
        ],
      );
      if (!rows[0]) throw new ConflictError(`goal ${goal.id} already exists`, { id: goal.id });
      return toGoal(rows[0]);
    },
    get(userId, id) {
      return findGoal(client, userId, id);
    },
    async list(userId, options = {}) {
      const status = options.status ?? 'active';
      const { rows } =
        status === 'all'
          ? await client.query<GoalRow>(
              'SELECT * FROM goals WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"',
              [userId],
            )
          : await client.query<GoalRow>(
              'SELECT * FROM goals WHERE user_id = $1 AND status = $2 ORDER BY created_at, id COLLATE "C"',
              [userId, status],
            );
      return rows.map(toGoal);
    },
    async update(userId, id, changes) {
      checkGoalChanges(changes);
      return client.transaction(async (tx) => {
        const goal = await requireGoal(tx, userId, id, true);
        const next: Goal = {
          ...goal,
          ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
        };
        const { rows } = await tx.query<GoalRow>(
          `UPDATE goals SET title = $1, activity = $2, about = $3, target = $4, deadline = $5, plan = $6, status = $7,
             updated_at = $8
           WHERE user_id = $9 AND id = $10
           RETURNING *`,
          [
            next.title,
            next.activity,
            JSON.stringify(next.about),
            JSON.stringify(next.target),
            next.deadline,
            JSON.stringify(next.plan),
            next.status,
            next.updatedAt,
            userId,
            id,
          ],
        );
        if (!rows[0]) throw new NotFoundError('goal', id);
        return toGoal(rows[0]);
      });
    },
    async remove(userId, id) {
      await client.transaction(async (tx) => {
        await tx.query(
          `DELETE FROM goal_progress_sources WHERE user_id = $1 AND progress_id IN
             (SELECT id FROM goal_progress WHERE user_id = $1 AND goal_id = $2)`,
          [userId, id],
        );
        await tx.query('DELETE FROM goal_progress WHERE user_id = $1 AND goal_id = $2', [userId, id]);
        const { rowCount } = await tx.query('DELETE FROM goals WHERE user_id = $1 AND id = $2', [userId, id]);
        if (rowCount === 0) throw new NotFoundError('goal', id);
      });
    },
    async recordProgress(userId, entry: NewProgressEntry, sourceSeqs) {
      checkNewProgress(entry);
      return client.transaction(async (tx) => {
        // The goal's row lock serialises recorders of the same goal: the check for the same evidence and the insert
        // happen as one step.
        await requireGoal(tx, userId, entry.goalId, true);
        const unique = [...new Set(sourceSeqs)].filter((seq) => Number.isSafeInteger(seq));
        const live =
          unique.length === 0
            ? []
            : (
                await tx.query<{ seq: number }>(
                  'SELECT seq FROM observations WHERE user_id = $1 AND seq = ANY($2::bigint[])',
                  [userId, unique],
                )
              ).rows.map((row) => Number(row.seq));
        if (live.length > 0) {
          const { rows } = await tx.query<{ progress_id: string; observation_seq: number }>(
            `SELECT s.progress_id, s.observation_seq FROM goal_progress_sources s
               JOIN goal_progress p ON p.user_id = s.user_id AND p.id = s.progress_id
             WHERE s.user_id = $1 AND p.goal_id = $2`,
            [userId, entry.goalId],
          );
          const byEntry = new Map<string, number[]>();
          for (const row of rows) {
            const list = byEntry.get(row.progress_id) ?? [];
            list.push(Number(row.observation_seq));
            byEntry.set(row.progress_id, list);
          }
          for (const [id, seqs] of byEntry)
            if (sameSeqSet(seqs, live)) return requireProgress(tx, userId, id);
        }
        const { rows } = await tx.query(
          `INSERT INTO goal_progress (user_id, id, goal_id, amount, unit, at, confidence, status, origin, evidence,
             created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
           ON CONFLICT (user_id, id) DO NOTHING
           RETURNING id`,
          [
            userId,
            entry.id,
            entry.goalId,
            entry.amount,
            entry.unit,
            entry.at,
            entry.confidence,
            entry.status,
            entry.origin,
            entry.evidence,
            entry.createdAt,
          ],
        );
        if (rows.length === 0)
          throw new ConflictError(`progress entry ${entry.id} already exists with other evidence`, {
            id: entry.id,
          });
        if (live.length > 0)
          await tx.query(
            `INSERT INTO goal_progress_sources (user_id, progress_id, observation_seq)
             SELECT $1::text, $2::text, seq FROM observations WHERE user_id = $1 AND seq = ANY($3::bigint[])
             ON CONFLICT DO NOTHING`,
            [userId, entry.id, live],
          );
        return requireProgress(tx, userId, entry.id);
      });
    },
    async listProgress(userId, goalId) {
      await requireGoal(client, userId, goalId);
      const { rows } = await client.query<ProgressRow>(
        `${SELECT_PROGRESS} WHERE p.user_id = $1 AND p.goal_id = $2 ORDER BY p.at, p.id COLLATE "C"`,
        [userId, goalId],
      );
      return rows.map(toProgress);
    },
    getProgress(userId, id) {
      return findProgress(client, userId, id);
    },
    async setProgressStatus(userId, id, status, at) {
      if (!['inferred', 'confirmed', 'rejected'].includes(status)) {
        throw new ValidationError(
          `progress status must be inferred, confirmed or rejected, not ${String(status)}`,
        );
      }
      const { rowCount } = await client.query(
        'UPDATE goal_progress SET status = $1, updated_at = $2 WHERE user_id = $3 AND id = $4',
        [status, at, userId, id],
      );
      if (rowCount === 0) throw new NotFoundError('progress', id);
      return requireProgress(client, userId, id);
    },
    async prune(userId) {
      const { rowCount } = await client.query(
        `DELETE FROM goal_progress WHERE user_id = $1 AND origin <> 'person' AND status <> 'confirmed'
           AND NOT EXISTS (SELECT 1 FROM goal_progress_sources s
                           WHERE s.user_id = goal_progress.user_id AND s.progress_id = goal_progress.id)`,
        [userId],
      );
      return rowCount;
    },
    async removeAll(userId) {
      await client.transaction(async (tx) => {
        await tx.query('DELETE FROM goal_progress_sources WHERE user_id = $1', [userId]);
        await tx.query('DELETE FROM goal_progress WHERE user_id = $1', [userId]);
        await tx.query('DELETE FROM goals WHERE user_id = $1', [userId]);
      });
    },
  };
}
