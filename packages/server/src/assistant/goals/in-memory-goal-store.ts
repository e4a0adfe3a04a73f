import { ConflictError, NotFoundError, ValidationError } from '../../kernel/index.ts';
import type { TimelineStore } from '../../memory/index.ts';
import type { Goal, ProgressEntry } from '../types.ts';
import {
  checkGoalChanges,
  checkNewGoal,
  checkNewProgress,
  type PrunableGoalStore,
  sameSeqSet,
} from './goal-store.ts';

/** A progress entry as the fake holds it: the write positions it links to instead of the observation ids. */
type HeldProgress = Omit<ProgressEntry, 'sources'> & { sourceSeqs: Set<number> };

/**
 * The in-memory fake of the goal store, for unit tests of the services above it; it passes the same contract suite as
 * the SQLite store. Sources are write positions on `timeline` (usually the in-memory timeline fake): a source whose
 * observation the timeline has forgotten no longer counts, as the SQLite foreign-key cascade does. Without a timeline,
 * every write position counts and stands for itself as the observation id (`"seq:<n>"`).
 */
export function createInMemoryGoalStore({ timeline }: { timeline?: TimelineStore } = {}): PrunableGoalStore {
  const goals = new Map<string, Map<string, Goal>>();
  const progress = new Map<string, Map<string, HeldProgress>>();
  const of = <T>(users: Map<string, Map<string, T>>, userId: string): Map<string, T> => {
    let found = users.get(userId);
    if (!found) {
      found = new Map();
      users.set(userId, found);
    }
    return found;
  };

  /** Which of `seqs` the timeline still holds for the user, with their observation ids. */
  const liveObservations = async (userId: string, seqs: Iterable<number>): Promise<Map<number, string>> => {
    const wanted = [...new Set(seqs)].filter((seq) => Number.isSafeInteger(seq));
    if (wanted.length === 0) return new Map();
    if (!timeline) return new Map(wanted.map((seq) => [seq, `seq:${seq}`]));
    const found = await timeline.getBySeq(userId, wanted);
    return new Map(found.map((entry) => [entry.seq, entry.observation.id]));
  };

  /** Drops links to forgotten observations, as the cascade would have. */
  const settle = async (userId: string, held: readonly HeldProgress[]): Promise<Map<number, string>> => {
    const live = await liveObservations(
      userId,
      held.flatMap((entry) => [...entry.sourceSeqs]),
    );
    for (const entry of held)
      for (const seq of entry.sourceSeqs) if (!live.has(seq)) entry.sourceSeqs.delete(seq);
    return live;
  };

  const present = async (userId: string, held: readonly HeldProgress[]): Promise<ProgressEntry[]> => {
    const live = await settle(userId, held);
    return held.map(({ sourceSeqs, ...entry }) => ({
      ...entry,
      sources: [...sourceSeqs].sort((a, b) => a - b).map((seq) => live.get(seq) ?? `seq:${seq}`),
    }));
  };

  const presentOne = async (userId: string, held: HeldProgress): Promise<ProgressEntry> => {
    const [entry] = await present(userId, [held]);
    return entry!;
  };

  const requireGoal = (userId: string, id: string): Goal => {
    const goal = of(goals, userId).get(id);
    if (!goal) throw new NotFoundError('goal', id);
    return goal;
  };

  const copy = (goal: Goal): Goal => structuredClone(goal);

  return {
    async add(userId, goal) {
      checkNewGoal(goal);
      const held = of(goals, userId);
      if (held.has(goal.id)) throw new ConflictError(`goal ${goal.id} already exists`, { id: goal.id });
      const stored: Goal = { ...structuredClone(goal), userId };
      held.set(goal.id, stored);
      return copy(stored);
    },
    async get(userId, id) {
      const goal = of(goals, userId).get(id);
      return goal ? copy(goal) : null;
    },
    async list(userId, options = {}) {
      const status = options.status ?? 'active';
      return [...of(goals, userId).values()]
        .filter((goal) => status === 'all' || goal.status === status)
        .sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id))
        .map(copy);
    },
    async update(userId, id, changes) {
      checkGoalChanges(changes);
      const goal = requireGoal(userId, id);
      for (const [key, value] of Object.entries(changes)) {
        if (value !== undefined) Object.assign(goal, { [key]: structuredClone(value) });
      }
      return copy(goal);
    },
    async remove(userId, id) {
      requireGoal(userId, id);
      of(goals, userId).delete(id);
      const entries = of(progress, userId);
      for (const [entryId, entry] of entries) if (entry.goalId === id) entries.delete(entryId);
    },
    async recordProgress(userId, entry, sourceSeqs) {
      checkNewProgress(entry);
      requireGoal(userId, entry.goalId);
      const entries = of(progress, userId);
      const sameGoal = [...entries.values()].filter((held) => held.goalId === entry.goalId);
      const live = await liveObservations(userId, sourceSeqs);
      await settle(userId, sameGoal);
      if (live.size > 0) {
        const same = sameGoal.find(
          (held) => held.sourceSeqs.size > 0 && sameSeqSet(held.sourceSeqs, live.keys()),
        );
        if (same) return presentOne(userId, same);
      }
      if (entries.has(entry.id)) {
        throw new ConflictError(`progress entry ${entry.id} already exists with other evidence`, {
          id: entry.id,
        });
      }
      const held: HeldProgress = {
        ...entry,
        userId,
        updatedAt: entry.createdAt,
        sourceSeqs: new Set(live.keys()),
      };
      entries.set(entry.id, held);
      return presentOne(userId, held);
    },
    async listProgress(userId, goalId) {
      requireGoal(userId, goalId);
      const held = [...of(progress, userId).values()]
        .filter((entry) => entry.goalId === goalId)
        .sort((a, b) => a.at - b.at || compareIds(a.id, b.id));
      return present(userId, held);
    },
    async getProgress(userId, id) {
      const held = of(progress, userId).get(id);
      return held ? presentOne(userId, held) : null;
    },
    async setProgressStatus(userId, id, status, at) {
      if (!['inferred', 'confirmed', 'rejected'].includes(status)) {
        throw new ValidationError(
          `progress status must be inferred, confirmed or rejected, not ${String(status)}`,
        );
      }
      const held = of(progress, userId).get(id);
      if (!held) throw new NotFoundError('progress', id);
      held.status = status;
      held.updatedAt = at;
      return presentOne(userId, held);
    },
    async prune(userId) {
      const entries = of(progress, userId);
      await settle(userId, [...entries.values()]);
      let removed = 0;
      for (const [id, held] of entries) {
        if (held.origin === 'person' || held.status === 'confirmed' || held.sourceSeqs.size > 0) continue;
        entries.delete(id);
        removed += 1;
      }
      return removed;
    },
    async removeAll(userId) {
      goals.delete(userId);
      progress.delete(userId);
    },
  };
}

/** Orders ids as SQLite's binary collation does. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
