import { describe, expect, it } from 'vitest';
import type { NewObservation, TimelineStore } from '../../memory/index.ts';
import type { NewGoal, NewProgressEntry } from '../types.ts';
import type { PrunableGoalStore } from './goal-store.ts';

/**
 * What a contract run needs: a fresh goal store and the timeline it shares its data with (sources are write
 * positions on that timeline), with the two users `alice` and `bob` already known.
 */
export type GoalStorePairFactory = () => Promise<{ timeline: TimelineStore; goals: PrunableGoalStore }>;

const T0 = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;
let counter = 0;

function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(24, '0')}`;
}

function goal(overrides: Partial<NewGoal> = {}): NewGoal {
  return {
    id: nextId('GO'),
    title: 'Run a 10k',
    text: 'run a 10k by March',
    activity: 'run',
    about: [],
    target: { amount: 10, unit: 'km', counting: 'max', period: null },
    deadline: T0 + 30 * DAY,
    plan: ['Build the long run by 1 km a week.'],
    status: 'active',
    startedAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function entry(goalId: string, overrides: Partial<NewProgressEntry> = {}): NewProgressEntry {
  return {
    id: nextId('PR'),
    goalId,
    amount: 5,
    unit: 'km',
    at: T0 + DAY,
    confidence: 0.8,
    status: 'inferred',
    origin: 'rules',
    evidence: 'Ran 5k this morning',
    createdAt: T0 + DAY,
    ...overrides,
  };
}

/** Writes notes to the user's timeline and returns their ids and write positions, in the order given. */
async function observe(
  timeline: TimelineStore,
  userId: string,
  ...texts: string[]
): Promise<Array<{ id: string; seq: number }>> {
  const notes: NewObservation[] = texts.map((text, i) => ({
    id: nextId('OB'),
    deviceId: null,
    modality: 'note',
    capturedAt: T0 + i * 60_000,
    receivedAt: T0 + i * 60_000,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  }));
  await timeline.insertObservations(userId, notes);
  const seqs = new Map(
    (await timeline.readSince(userId, 0, 10_000)).map((row) => [row.observation.id, row.seq]),
  );
  return notes.map((note) => ({ id: note.id, seq: seqs.get(note.id)! }));
}

/** The behaviour every GoalStore adapter must show; run it from each adapter's test file. */
export function describeGoalStoreContract(name: string, makePair: GoalStorePairFactory): void {
  describe(`GoalStore contract: ${name}`, () => {
    it('adds a goal and reads it back with its JSON fields intact, for its owner only', async () => {
      const { goals } = await makePair();
      const added = goal({ about: ['mum'], plan: ['Sunday call'], deadline: null });
      const stored = await goals.add('alice', added);
      expect(stored).toEqual({ ...added, userId: 'alice' });
      expect(await goals.get('alice', added.id)).toEqual(stored);
      expect(await goals.get('bob', added.id)).toBeNull();
      await expect(goals.add('alice', added)).rejects.toMatchObject({ code: 'id_conflict' });
    });

    it('refuses a goal whose target is not measurable', async () => {
      const { goals } = await makePair();
      await expect(
        goals.add('alice', goal({ target: { amount: 0, unit: 'km', counting: 'max', period: null } })),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await goals.list('alice', { status: 'all' })).toEqual([]);
    });

    it('lists active goals by default, oldest first, and every goal with status all', async () => {
      const { goals } = await makePair();
      const first = await goals.add('alice', goal({ createdAt: T0 }));
      const second = await goals.add('alice', goal({ createdAt: T0 + DAY, status: 'achieved' }));
      const third = await goals.add('alice', goal({ createdAt: T0 + 2 * DAY }));
      await goals.add('bob', goal());
      expect((await goals.list('alice')).map((g) => g.id)).toEqual([first.id, third.id]);
      expect((await goals.list('alice', { status: 'achieved' })).map((g) => g.id)).toEqual([second.id]);
      expect((await goals.list('alice', { status: 'all' })).map((g) => g.id)).toEqual([
        first.id,
        second.id,
        third.id,
      ]);
    });

    it('updates only the fields given, and says which goal is unknown', async () => {
      const { goals } = await makePair();
      const added = await goals.add('alice', goal());
      const updated = await goals.update('alice', added.id, {
        target: { amount: 21.1, unit: 'km', counting: 'max', period: null },
        plan: ['Long run every Sunday'],
        updatedAt: T0 + DAY,
      });
      expect(updated).toEqual({
        ...added,
        target: { amount: 21.1, unit: 'km', counting: 'max', period: null },
        plan: ['Long run every Sunday'],
        updatedAt: T0 + DAY,
      });
      expect(await goals.get('alice', added.id)).toEqual(updated);
      expect(
        (await goals.update('alice', added.id, { status: 'abandoned', updatedAt: T0 + 2 * DAY })).status,
      ).toBe('abandoned');
      await expect(goals.update('alice', 'GO-unknown', { title: 'x', updatedAt: T0 })).rejects.toMatchObject({
        code: 'not_found',
        message: 'goal GO-unknown was not found',
      });
      await expect(goals.update('bob', added.id, { title: 'x', updatedAt: T0 })).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('records progress with its sources as observation ids, idempotently per set of sources', async () => {
      const { timeline, goals } = await makePair();
      const g = await goals.add('alice', goal());
      const [a, b] = await observe(timeline, 'alice', 'Ran 5k this morning', 'Ran 7k');
      const [theirs] = await observe(timeline, 'bob', 'not yours');
      const first = entry(g.id);
      const stored = await goals.recordProgress('alice', first, [a!.seq, theirs!.seq, 999_999_999]);
      expect(stored).toEqual({ ...first, userId: 'alice', updatedAt: first.createdAt, sources: [a!.id] });
      expect(await goals.getProgress('alice', first.id)).toEqual(stored);
      expect(await goals.getProgress('bob', first.id)).toBeNull();

      const again = await goals.recordProgress('alice', entry(g.id, { amount: 5 }), [a!.seq, a!.seq]);
      expect(again).toEqual(stored);
      const wider = await goals.recordProgress('alice', entry(g.id, { amount: 7 }), [b!.seq, a!.seq]);
      expect(wider.id).not.toBe(first.id);
      expect(wider.sources).toEqual([a!.id, b!.id]);
      expect((await goals.listProgress('alice', g.id)).map((p) => p.id)).toEqual([first.id, wider.id]);
    });

    it('keeps person-entered progress without sources as separate entries, and refuses a reused id', async () => {
      const { goals } = await makePair();
      const g = await goals.add('alice', goal());
      const one = await goals.recordProgress(
        'alice',
        entry(g.id, { origin: 'person', status: 'confirmed' }),
        [],
      );
      const two = await goals.recordProgress(
        'alice',
        entry(g.id, { origin: 'person', status: 'confirmed' }),
        [],
      );
      expect(one.id).not.toBe(two.id);
      expect(one.sources).toEqual([]);
      await expect(goals.recordProgress('alice', entry(g.id, { id: one.id }), [])).rejects.toMatchObject({
        code: 'id_conflict',
      });
    });

    it('lists progress in time order and refuses progress for an unknown goal', async () => {
      const { goals } = await makePair();
      const g = await goals.add('alice', goal());
      const late = await goals.recordProgress('alice', entry(g.id, { at: T0 + 3 * DAY }), []);
      const early = await goals.recordProgress('alice', entry(g.id, { at: T0 + DAY }), []);
      expect((await goals.listProgress('alice', g.id)).map((p) => p.id)).toEqual([early.id, late.id]);
      await expect(goals.recordProgress('alice', entry('GO-unknown'), [])).rejects.toMatchObject({
        code: 'not_found',
        message: 'goal GO-unknown was not found',
      });
      await expect(goals.listProgress('bob', g.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('confirms and rejects progress, and says which entry is unknown', async () => {
      const { goals } = await makePair();
      const g = await goals.add('alice', goal());
      const recorded = await goals.recordProgress('alice', entry(g.id), []);
      const rejected = await goals.setProgressStatus('alice', recorded.id, 'rejected', T0 + 5 * DAY);
      expect(rejected).toEqual({ ...recorded, status: 'rejected', updatedAt: T0 + 5 * DAY });
      expect(await goals.getProgress('alice', recorded.id)).toEqual(rejected);
      await expect(goals.setProgressStatus('alice', 'PR-unknown', 'confirmed', T0)).rejects.toMatchObject({
        code: 'not_found',
        message: 'progress PR-unknown was not found',
      });
      await expect(goals.setProgressStatus('bob', recorded.id, 'confirmed', T0)).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('removes a goal with its progress', async () => {
      const { timeline, goals } = await makePair();
      const g = await goals.add('alice', goal());
      const [a] = await observe(timeline, 'alice', 'Ran 5k');
      const recorded = await goals.recordProgress('alice', entry(g.id), [a!.seq]);
      await goals.remove('alice', g.id);
      expect(await goals.get('alice', g.id)).toBeNull();
      expect(await goals.getProgress('alice', recorded.id)).toBeNull();
      await expect(goals.remove('alice', g.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('loses the link to a forgotten observation, and prunes inferred entries left without evidence', async () => {
      const { timeline, goals } = await makePair();
      const g = await goals.add('alice', goal());
      const [gone, kept, alsoGone] = await observe(timeline, 'alice', 'Ran 5k', 'Ran 6k', 'Ran 4k');
      const single = await goals.recordProgress('alice', entry(g.id), [gone!.seq]);
      const double = await goals.recordProgress('alice', entry(g.id, { amount: 6 }), [gone!.seq, kept!.seq]);
      const confirmed = await goals.recordProgress('alice', entry(g.id, { amount: 4 }), [alsoGone!.seq]);
      await goals.setProgressStatus('alice', confirmed.id, 'confirmed', T0 + DAY);
      const personal = await goals.recordProgress('alice', entry(g.id, { origin: 'person' }), []);
      await timeline.forget('alice', { kind: 'ids', ids: [gone!.id, alsoGone!.id] });
      expect((await goals.getProgress('alice', single.id))?.sources).toEqual([]);
      expect((await goals.getProgress('alice', double.id))?.sources).toEqual([kept!.id]);

      expect(await goals.prune('alice')).toBe(1);
      expect(await goals.getProgress('alice', single.id)).toBeNull();
      expect(await goals.getProgress('alice', double.id)).not.toBeNull();
      expect(await goals.getProgress('alice', confirmed.id)).toMatchObject({
        status: 'confirmed',
        sources: [],
      });
      expect(await goals.getProgress('alice', personal.id)).not.toBeNull();
      expect(await goals.prune('alice')).toBe(0);
      expect(await goals.prune('bob')).toBe(0);
    });

    it('removes every goal and progress entry of one user, and only theirs', async () => {
      const { timeline, goals } = await makePair();
      const mine = await goals.add('alice', goal());
      const [a] = await observe(timeline, 'alice', 'Ran 5k');
      const inferred = await goals.recordProgress('alice', entry(mine.id), [a!.seq]);
      const logged = await goals.recordProgress('alice', entry(mine.id, { origin: 'person' }), []);
      const theirs = await goals.add('bob', goal());
      const theirEntry = await goals.recordProgress('bob', entry(theirs.id, { origin: 'person' }), []);
      await goals.removeAll('alice');
      expect(await goals.list('alice', { status: 'all' })).toEqual([]);
      expect(await goals.getProgress('alice', inferred.id)).toBeNull();
      expect(await goals.getProgress('alice', logged.id)).toBeNull();
      expect(await goals.get('bob', theirs.id)).not.toBeNull();
      expect(await goals.getProgress('bob', theirEntry.id)).not.toBeNull();
      await goals.removeAll('alice');
      // The same ids can be used again after a forget-everything (e.g. an import of an export).
      await goals.add('alice', { ...goal(), id: mine.id });
      expect(await goals.listProgress('alice', mine.id)).toEqual([]);
    });
  });
}
