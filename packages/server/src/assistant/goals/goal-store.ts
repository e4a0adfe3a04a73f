import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../../storage/index.ts';
import type { Goal, GoalStore, NewGoal, NewProgressEntry, ProgressEntry } from '../types.ts';
import { GoalTargetSchema } from './goal-spec.ts';

/**
 * The goal store with housekeeping after forgetting: `prune` deletes inferred progress entries whose every source
 * observation is gone (entries the person confirmed, or recorded themselves, stay). Both adapters implement it.
 */
export interface PrunableGoalStore extends GoalStore {
  /** Deletes the user's inferred entries (origin `rules`/`model`, not confirmed) left without sources; returns how many. */
  prune(userId: string): Promise<number>;
  /** Deletes every goal of the user with all its progress entries and their source links (forget everything). */
  removeAll(userId: string): Promise<void>;
}

const AboutSchema = z.array(z.string());
const PlanSchema = z.array(z.string());

const GoalChangesSchema = z.object({
  title: z.string().trim().min(1).max(200).optional(),
  target: GoalTargetSchema.optional(),
  deadline: z.number().int().nullable().optional(),
  plan: z.array(z.string()).max(50).optional(),
  status: z.enum(['active', 'achieved', 'abandoned']).optional(),
  about: z.array(z.string()).max(20).optional(),
  activity: z.string().trim().min(1).max(60).optional(),
  updatedAt: z.number().int(),
});

const NewGoalSchema = z.object({
  id: z.string().min(1),
  title: z.string().trim().min(1).max(200),
  text: z.string().max(2000),
  activity: z.string().trim().min(1).max(60),
  about: z.array(z.string()).max(20),
  target: GoalTargetSchema,
  deadline: z.number().int().nullable(),
  plan: z.array(z.string()).max(50),
  status: z.enum(['active', 'achieved', 'abandoned']),
  startedAt: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});

const NewProgressSchema = z.object({
  id: z.string().min(1),
  goalId: z.string().min(1),
  amount: z.number().finite(),
  unit: z.string().min(1),
  at: z.number().int(),
  confidence: z.number().min(0).max(1),
  status: z.enum(['inferred', 'confirmed', 'rejected']),
  origin: z.enum(['rules', 'model', 'person']),
  evidence: z.string(),
  createdAt: z.number().int(),
});

/** Checks a new goal at the store's door; throws ValidationError listing what is wrong. */
export function checkNewGoal(goal: NewGoal): NewGoal {
  const parsed = NewGoalSchema.safeParse(goal);
  if (!parsed.success) throw new ValidationError('the goal is invalid', z.treeifyError(parsed.error));
  return goal;
}

/** Checks a goal update at the store's door. */
export function checkGoalChanges<T extends { updatedAt: number }>(changes: T): T {
  const parsed = GoalChangesSchema.safeParse(changes);
  if (!parsed.success)
    throw new ValidationError('the goal changes are invalid', z.treeifyError(parsed.error));
  return changes;
}

/** Checks a new progress entry at the store's door. */
export function checkNewProgress(entry: NewProgressEntry): NewProgressEntry {
  const parsed = NewProgressSchema.safeParse(entry);
  if (!parsed.success)
    throw new ValidationError('the progress entry is invalid', z.treeifyError(parsed.error));
  return entry;
}

/** True when two lists of write positions name the same set. */
export function sameSeqSet(a: Iterable<number>, b: Iterable<number>): boolean {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size !== right.size) return false;
  for (const seq of left) if (!right.has(seq)) return false;
  return true;
}

interface GoalRow {
  user_id: string;
  id: string;
  title: string;
  text: string;
  activity: string;
  about: string;
  target: string;
  deadline: number | null;
  plan: string;
  status: string;
  started_at: number;
  created_at: number;
  updated_at: number;
}

/** A `goal_progress` row as both SQL adapters read it (sources aggregated each engine's way). */
export interface ProgressColumns {
  user_id: string;
  id: string;
  goal_id: string;
  amount: number;
  unit: string;
  at: number;
  confidence: number;
  status: string;
  origin: string;
  evidence: string;
  created_at: number;
  updated_at: number;
}

type ProgressRow = ProgressColumns & { sources: string | null };

const SourcesSchema = z.array(z.string());

function toGoal(row: GoalRow): Goal {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    text: row.text,
    activity: row.activity,
    about: parseJsonColumn(AboutSchema, row.about, 'goals.about') ?? [],
    target: parseJsonColumn(GoalTargetSchema, row.target, 'goals.target')!,
    deadline: row.deadline,
    plan: parseJsonColumn(PlanSchema, row.plan, 'goals.plan') ?? [],
    status: row.status as Goal['status'],
    startedAt: row.started_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toProgress(row: ProgressRow): ProgressEntry {
  return progressFromRow(row, parseJsonColumn(SourcesSchema, row.sources, 'goal_progress_sources') ?? []);
}

/** A progress entry from its row and its source observation ids (shared by the SQLite and PostgreSQL adapters). */
export function progressFromRow(row: ProgressColumns, sources: string[]): ProgressEntry {
  return {
    id: row.id,
    userId: row.user_id,
    goalId: row.goal_id,
    amount: row.amount,
    unit: row.unit,
    at: row.at,
    confidence: row.confidence,
    status: row.status as ProgressEntry['status'],
    origin: row.origin as ProgressEntry['origin'],
    evidence: row.evidence,
    sources,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// Sources in write order, as observation ids.
const SELECT_PROGRESS = `SELECT p.*, (SELECT json_group_array(id) FROM (SELECT o.id AS id FROM goal_progress_sources s
  JOIN observations o ON o.seq = s.observation_seq WHERE s.user_id = p.user_id AND s.progress_id = p.id ORDER BY o.seq))
  AS sources FROM goal_progress p`;

/** Goals and progress in SQLite (tables `goals`, `goal_progress`, `goal_progress_sources`, migration 7). */
export function createSqliteGoalStore(db: SqliteDatabase): PrunableGoalStore {
  const goalById = db.prepare<[string, string], GoalRow>('SELECT * FROM goals WHERE user_id = ? AND id = ?');
  const progressById = db.prepare<[string, string], ProgressRow>(
    `${SELECT_PROGRESS} WHERE p.user_id = ? AND p.id = ?`,
  );
  const insertGoal = db.prepare(
    `INSERT INTO goals (user_id, id, title, text, activity, about, target, deadline, plan, status, started_at, created_at,
       updated_at)
     VALUES (@userId, @id, @title, @text, @activity, @about, @target, @deadline, @plan, @status, @startedAt, @createdAt,
       @updatedAt)`,
  );
  const insertProgress = db.prepare(
    `INSERT INTO goal_progress (user_id, id, goal_id, amount, unit, at, confidence, status, origin, evidence, created_at,
       updated_at)
     VALUES (@userId, @id, @goalId, @amount, @unit, @at, @confidence, @status, @origin, @evidence, @createdAt,
       @createdAt)`,
  );
  const addSource = db.prepare(
    `INSERT OR IGNORE INTO goal_progress_sources (user_id, progress_id, observation_seq)
     SELECT ?, ?, seq FROM observations WHERE seq = ? AND user_id = ?`,
  );
  const linkedSeqs = db.prepare<[string, string], { progress_id: string; observation_seq: number }>(
    `SELECT s.progress_id, s.observation_seq FROM goal_progress_sources s
       JOIN goal_progress p ON p.user_id = s.user_id AND p.id = s.progress_id
     WHERE s.user_id = ? AND p.goal_id = ?`,
  );

  const requireGoal = (userId: string, id: string): Goal => {
    const row = goalById.get(userId, id);
    if (!row) throw new NotFoundError('goal', id);
    return toGoal(row);
  };
  const requireProgress = (userId: string, id: string): ProgressEntry => {
    const row = progressById.get(userId, id);
    if (!row) throw new NotFoundError('progress', id);
    return toProgress(row);
  };

  /** The user's own observations among `seqs`. */
  const liveSeqs = (userId: string, seqs: readonly number[]): number[] => {
    const unique = [...new Set(seqs)].filter((seq) => Number.isSafeInteger(seq));
    if (unique.length === 0) return [];
    const found: number[] = [];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const rows = db
        .prepare<Array<string | number>, { seq: number }>(
          `SELECT seq FROM observations WHERE user_id = ? AND seq IN (${chunk.map(() => '?').join(', ')})`,
        )
        .all(userId, ...chunk);
      for (const row of rows) found.push(row.seq);
    }
    return found;
  };

  const recordProgress = db.transaction(
    (userId: string, entry: NewProgressEntry, sourceSeqs: readonly number[]): ProgressEntry => {
      requireGoal(userId, entry.goalId);
      const live = liveSeqs(userId, sourceSeqs);
      const existingById = progressById.get(userId, entry.id);
      if (live.length > 0) {
        const byEntry = new Map<string, number[]>();
        for (const row of linkedSeqs.all(userId, entry.goalId)) {
          const list = byEntry.get(row.progress_id) ?? [];
          list.push(row.observation_seq);
          byEntry.set(row.progress_id, list);
        }
        for (const [id, seqs] of byEntry) {
          if (sameSeqSet(seqs, live)) return requireProgress(userId, id);
        }
      }
      if (existingById) {
        throw new ConflictError(`progress entry ${entry.id} already exists with other evidence`, {
          id: entry.id,
        });
      }
      insertProgress.run({ ...entry, userId });
      for (const seq of live) addSource.run(userId, entry.id, seq, userId);
      return requireProgress(userId, entry.id);
    },
  );

  const update = db.transaction(
    (userId: string, id: string, changes: Parameters<GoalStore['update']>[2]): Goal => {
      const goal = requireGoal(userId, id);
      const next: Goal = {
        ...goal,
        ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
      };
      db.prepare(
        `UPDATE goals SET title = @title, activity = @activity, about = @about, target = @target, deadline = @deadline,
           plan = @plan, status = @status, updated_at = @updatedAt WHERE user_id = @userId AND id = @id`,
      ).run({
        ...next,
        userId,
        about: JSON.stringify(next.about),
        target: JSON.stringify(next.target),
        plan: JSON.stringify(next.plan),
      });
      return requireGoal(userId, id);
    },
  );

  return {
    async add(userId, goal) {
      checkNewGoal(goal);
      if (goalById.get(userId, goal.id))
        throw new ConflictError(`goal ${goal.id} already exists`, { id: goal.id });
      insertGoal.run({
        ...goal,
        userId,
        about: JSON.stringify(goal.about),
        target: JSON.stringify(goal.target),
        plan: JSON.stringify(goal.plan),
      });
      return requireGoal(userId, goal.id);
    },
    async get(userId, id) {
      const row = goalById.get(userId, id);
      return row ? toGoal(row) : null;
    },
    async list(userId, options = {}) {
      const status = options.status ?? 'active';
      const rows =
        status === 'all'
          ? db
              .prepare<[string], GoalRow>('SELECT * FROM goals WHERE user_id = ? ORDER BY created_at, id')
              .all(userId)
          : db
              .prepare<[string, string], GoalRow>(
                'SELECT * FROM goals WHERE user_id = ? AND status = ? ORDER BY created_at, id',
              )
              .all(userId, status);
      return rows.map(toGoal);
    },
    async update(userId, id, changes) {
      checkGoalChanges(changes);
      return update.immediate(userId, id, changes);
    },
    async remove(userId, id) {
      const removed = db
        .transaction(() => {
          db.prepare(
            `DELETE FROM goal_progress_sources WHERE user_id = ? AND progress_id IN
               (SELECT id FROM goal_progress WHERE user_id = ? AND goal_id = ?)`,
          ).run(userId, userId, id);
          db.prepare('DELETE FROM goal_progress WHERE user_id = ? AND goal_id = ?').run(userId, id);
          return db.prepare('DELETE FROM goals WHERE user_id = ? AND id = ?').run(userId, id).changes;
        })
        .immediate();
      if (removed === 0) throw new NotFoundError('goal', id);
    },
    async recordProgress(userId, entry, sourceSeqs) {
      checkNewProgress(entry);
      return recordProgress.immediate(userId, entry, sourceSeqs);
    },
    async listProgress(userId, goalId) {
      requireGoal(userId, goalId);
      return db
        .prepare<[string, string], ProgressRow>(
          `${SELECT_PROGRESS} WHERE p.user_id = ? AND p.goal_id = ? ORDER BY p.at, p.id`,
        )
        .all(userId, goalId)
        .map(toProgress);
    },
    async getProgress(userId, id) {
      const row = progressById.get(userId, id);
      return row ? toProgress(row) : null;
    },
    async setProgressStatus(userId, id, status, at) {
      if (!['inferred', 'confirmed', 'rejected'].includes(status)) {
        throw new ValidationError(
          `progress status must be inferred, confirmed or rejected, not ${String(status)}`,
        );
      }
      const changed = db
        .prepare('UPDATE goal_progress SET status = ?, updated_at = ? WHERE user_id = ? AND id = ?')
        .run(status, at, userId, id).changes;
      if (changed === 0) throw new NotFoundError('progress', id);
      return requireProgress(userId, id);
    },
    async prune(userId) {
      return db
        .prepare(
          `DELETE FROM goal_progress WHERE user_id = ? AND origin <> 'person' AND status <> 'confirmed'
             AND NOT EXISTS (SELECT 1 FROM goal_progress_sources s
                             WHERE s.user_id = goal_progress.user_id AND s.progress_id = goal_progress.id)`,
        )
        .run(userId).changes;
    },
    async removeAll(userId) {
      db.transaction(() => {
        db.prepare('DELETE FROM goal_progress_sources WHERE user_id = ?').run(userId);
        db.prepare('DELETE FROM goal_progress WHERE user_id = ?').run(userId);
        db.prepare('DELETE FROM goals WHERE user_id = ?').run(userId);
      }).immediate();
    },
  };
}
