import { describe, expect, it } from 'vitest';
import type { EpisodeStore, NewEpisode } from './episode-store.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { NewObservation } from './types.ts';

/**
 * What a contract run needs: a fresh episode store and the timeline whose observations it groups, with the two
 * users `alice` and `bob` already known.
 */
export type EpisodeStorePairFactory = () => Promise<{ timeline: TimelineStore; episodes: EpisodeStore }>;

const T0 = Date.parse('2026-11-02T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let counter = 0;

/** A fresh ULID-shaped id that sorts after the previous one. */
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(24, '0')}`;
}

interface Observed {
  id: string;
  seq: number;
  capturedAt: number;
}

/** Writes one note per capture time to the user's timeline, in the order given; returns ids and write positions. */
async function observe(timeline: TimelineStore, userId: string, ...times: number[]): Promise<Observed[]> {
  const notes: NewObservation[] = times.map((capturedAt) => ({
    id: nextId('OB'),
    deviceId: null,
    modality: 'note',
    capturedAt,
    receivedAt: capturedAt,
    text: `note at ${capturedAt}`,
    captureId: null,
    provenance: null,
    trust: 'authored',
  }));
  await timeline.insertObservations(userId, notes);
  const seqs = new Map(
    (await timeline.readSince(userId, 0, 10_000)).map((entry) => [entry.observation.id, entry.seq]),
  );
  return notes.map((note) => ({ id: note.id, seq: seqs.get(note.id)!, capturedAt: note.capturedAt }));
}

/** An episode spanning the given observations (or the given times when it holds none). */
function episode(observations: readonly Observed[], overrides: Partial<NewEpisode> = {}): NewEpisode {
  const times = observations.map((o) => o.capturedAt);
  return {
    id: nextId('EP'),
    startedAt: Math.min(...times),
    endedAt: Math.max(...times),
    title: 'A stretch of the day',
    summary: 'Things happened.',
    edited: false,
    createdAt: T0 + 24 * HOUR,
    observationIds: observations.map((o) => o.id),
    ...overrides,
  };
}

const ids = (list: ReadonlyArray<{ id: string }>) => list.map((item) => item.id);

/** The behaviour every EpisodeStore adapter must show; run it from each adapter's test file. */
export function describeEpisodeStoreContract(name: string, makePair: EpisodeStorePairFactory): void {
  describe(`EpisodeStore contract: ${name}`, () => {
    it('stores a window of episodes and points their observations at them', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2, o3, o4] = await observe(
        timeline,
        'alice',
        T0,
        T0 + 10 * MINUTE,
        T0 + HOUR,
        T0 + 70 * MINUTE,
      );
      const [theirs] = await observe(timeline, 'bob', T0);
      const morning = episode([o1!, o2!], { title: 'Breakfast', summary: 'Coffee with Ana.' });
      const later = episode([o3!, o4!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 2 * HOUR }, [morning, later]);

      const { observationIds: _, ...stored } = morning;
      expect(await episodes.get('alice', morning.id)).toEqual({
        ...stored,
        userId: 'alice',
        observationCount: 2,
        updatedAt: morning.createdAt,
      });
      expect(await episodes.get('alice', 'EP-unknown')).toBeNull();
      expect(await episodes.observationIds('alice', morning.id)).toEqual([o1!.id, o2!.id]);
      expect(await episodes.observationSeqs('alice', later.id)).toEqual([o3!.seq, o4!.seq]);
      const of = await episodes.episodeOf('alice', [o1!.seq, o4!.seq, theirs!.seq, 999_999_999]);
      expect(Object.fromEntries(of)).toEqual({ [o1!.seq]: morning.id, [o4!.seq]: later.id });
      expect(await episodes.episodeOf('alice', [])).toEqual(new Map());
    });

    it('replaces exactly the episodes overlapping the window, edges included', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2, o3, o4, o5] = await observe(
        timeline,
        'alice',
        T0,
        T0 + 10 * MINUTE,
        T0 + HOUR,
        T0 + 70 * MINUTE,
        T0 + 5 * HOUR,
      );
      const first = episode([o1!, o2!]);
      const second = episode([o3!, o4!]);
      const evening = episode([o5!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 6 * HOUR }, [first, second, evening]);

      const merged = episode([o2!, o3!, o4!]);
      await episodes.replaceWindow('alice', { fromMs: T0 + 10 * MINUTE, toMs: T0 + HOUR }, [merged]);
      expect(ids(await episodes.list('alice'))).toEqual([merged.id, evening.id]);
      expect(await episodes.get('alice', first.id)).toBeNull();
      expect(await episodes.observationIds('alice', merged.id)).toEqual([o2!.id, o3!.id, o4!.id]);
      const of = await episodes.episodeOf('alice', [o1!.seq, o2!.seq, o5!.seq]);
      expect(Object.fromEntries(of)).toEqual({ [o2!.seq]: merged.id, [o5!.seq]: evening.id });

      await episodes.replaceWindow('alice', { fromMs: T0 + 2 * HOUR, toMs: T0 + 3 * HOUR }, []);
      expect(ids(await episodes.list('alice'))).toEqual([merged.id, evening.id]);
      await episodes.replaceWindow('alice', { fromMs: T0 + 4 * HOUR, toMs: T0 + 6 * HOUR }, []);
      expect(ids(await episodes.list('alice'))).toEqual([merged.id]);
      expect(await episodes.episodeOf('alice', [o5!.seq])).toEqual(new Map());
    });

    it('replaces a window all or nothing', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2] = await observe(timeline, 'alice', T0, T0 + 5 * HOUR);
      const morning = episode([o1!]);
      const evening = episode([o2!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 6 * HOUR }, [morning, evening]);
      await expect(
        episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + HOUR }, [
          episode([o1!]),
          episode([o1!], { id: evening.id }),
        ]),
      ).rejects.toThrow();
      expect(ids(await episodes.list('alice'))).toEqual([morning.id, evening.id]);
      expect(await episodes.observationIds('alice', morning.id)).toEqual([o1!.id]);
    });

    it('lists the episodes overlapping a range, in either order, up to a limit', async () => {
      const { timeline, episodes } = await makePair();
      const observed = await observe(
        timeline,
        'alice',
        T0,
        T0 + HOUR,
        T0 + 2 * HOUR,
        T0 + 3 * HOUR,
        T0 + 4 * HOUR,
        T0 + 5 * HOUR,
      );
      const [a, b, c] = [
        episode(observed.slice(0, 2)),
        episode(observed.slice(2, 4)),
        episode(observed.slice(4, 6)),
      ];
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 6 * HOUR }, [c, a, b]);
      expect(ids(await episodes.list('alice'))).toEqual([a.id, b.id, c.id]);
      expect(ids(await episodes.list('alice', { order: 'desc' }))).toEqual([c.id, b.id, a.id]);
      expect(ids(await episodes.list('alice', { fromMs: T0 + HOUR, toMs: T0 + 4 * HOUR }))).toEqual([
        a.id,
        b.id,
      ]);
      expect(ids(await episodes.list('alice', { fromMs: T0 + HOUR + 1 }))).toEqual([b.id, c.id]);
      expect(ids(await episodes.list('alice', { toMs: T0 + 2 * HOUR + 1, order: 'desc' }))).toEqual([
        b.id,
        a.id,
      ]);
      expect(ids(await episodes.list('alice', { order: 'desc', limit: 1 }))).toEqual([c.id]);
      expect(await episodes.list('alice', { fromMs: T0 + 6 * HOUR })).toEqual([]);
    });

    it('keeps the person’s corrections and marks the episode edited', async () => {
      const { timeline, episodes } = await makePair();
      const [o1] = await observe(timeline, 'alice', T0);
      const morning = episode([o1!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + HOUR }, [morning]);
      const at = T0 + 48 * HOUR;
      const updated = await episodes.update('alice', morning.id, { title: 'Breakfast with Ana' }, at);
      expect(updated).toMatchObject({
        title: 'Breakfast with Ana',
        summary: morning.summary,
        edited: true,
        createdAt: morning.createdAt,
        updatedAt: at,
      });
      expect(await episodes.get('alice', morning.id)).toEqual(updated);
      expect(await episodes.update('alice', morning.id, { summary: 'Eggs.' }, at + 1)).toMatchObject({
        title: 'Breakfast with Ana',
        summary: 'Eggs.',
        updatedAt: at + 1,
      });
      await expect(episodes.update('alice', 'EP-unknown', { title: 'x' }, at)).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('gives an episode’s observations in time order, whatever order they were written in', async () => {
      const { timeline, episodes } = await makePair();
      const [late] = await observe(timeline, 'alice', T0 + 30 * MINUTE);
      const [early, tieB] = await observe(timeline, 'alice', T0, T0 + 10 * MINUTE);
      const [tieA] = await observe(timeline, 'alice', T0 + 10 * MINUTE);
      const all = [late!, tieA!, early!, tieB!];
      const stretch = episode(all);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + HOUR }, [stretch]);
      const inOrder = [early!, ...[tieA!, tieB!].sort((x, y) => (x.id < y.id ? -1 : 1)), late!];
      expect(await episodes.observationIds('alice', stretch.id)).toEqual(inOrder.map((o) => o.id));
      expect(await episodes.observationSeqs('alice', stretch.id)).toEqual(inOrder.map((o) => o.seq));
      expect(await episodes.observationIds('alice', 'EP-unknown')).toEqual([]);
    });

    it('prunes after the timeline forgets: recounts, shrinks to what is left, deletes empty episodes', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2, o3, o4, o5] = await observe(
        timeline,
        'alice',
        T0,
        T0 + 10 * MINUTE,
        T0 + 20 * MINUTE,
        T0 + HOUR,
        T0 + 2 * HOUR,
      );
      const first = episode([o1!, o2!, o3!], { startedAt: T0 - MINUTE, endedAt: T0 + 30 * MINUTE });
      const second = episode([o4!]);
      const third = episode([o5!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 3 * HOUR }, [first, second, third]);
      await timeline.forget('alice', { kind: 'ids', ids: [o1!.id, o4!.id] });
      expect(await episodes.observationIds('alice', first.id)).toEqual([o2!.id, o3!.id]);
      expect(await episodes.episodeOf('alice', [o1!.seq])).toEqual(new Map());

      expect(await episodes.prune('alice')).toEqual({ removed: 1 });
      expect(await episodes.get('alice', first.id)).toMatchObject({
        observationCount: 2,
        startedAt: o2!.capturedAt,
        endedAt: o3!.capturedAt,
      });
      expect(await episodes.get('alice', second.id)).toBeNull();
      expect(await episodes.get('alice', third.id)).toMatchObject({
        observationCount: 1,
        startedAt: o5!.capturedAt,
        endedAt: o5!.capturedAt,
      });
      expect(await episodes.prune('alice')).toEqual({ removed: 0 });

      await timeline.forget('alice', { kind: 'everything' });
      expect(await episodes.prune('alice')).toEqual({ removed: 2 });
      expect(await episodes.list('alice')).toEqual([]);
    });

    it('lists the episodes a forget shrank, and describes one again only from exactly what it holds', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2, o3, o4, o5, o6] = await observe(
        timeline,
        'alice',
        T0,
        T0 + 10 * MINUTE,
        T0 + 20 * MINUTE,
        T0 + HOUR,
        T0 + 2 * HOUR,
        T0 + 2 * HOUR + MINUTE,
      );
      const [theirs] = await observe(timeline, 'bob', T0);
      const first = episode([o1!, o2!, o3!], {
        title: 'Talk about the deck',
        summary: '"Send Sam the deck."',
      });
      const alone = episode([o4!]);
      const kept = episode([o5!, o6!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 3 * HOUR }, [first, alone, kept]);
      const bobs = episode([theirs!]);
      await episodes.replaceWindow('bob', { fromMs: T0, toMs: T0 + HOUR }, [bobs]);
      expect(await episodes.shrunk('alice')).toEqual([]);

      await timeline.forget('alice', { kind: 'ids', ids: [o1!.id, o4!.id] });
      // The one that keeps other observations, as it was described (an emptied one is prune's to delete).
      expect(await episodes.shrunk('alice')).toEqual([await episodes.get('alice', first.id)]);
      expect(await episodes.shrunk('alice')).toMatchObject([{ id: first.id, observationCount: 3 }]);
      expect(await episodes.shrunk('bob')).toEqual([]);

      const at = T0 + 72 * HOUR;
      const description = { title: 'Notes', summary: '"What is left."' };
      // Made from other observations than it holds (one forgotten, one missing, one not its own): refused.
      for (const observationIds of [[o1!.id, o2!.id, o3!.id], [o2!.id], [o2!.id, o3!.id, o5!.id], []])
        expect(
          await episodes.redescribe('alice', first.id, { ...description, observationIds }, at),
        ).toBeNull();
      expect(
        await episodes.redescribe('alice', 'EP-unknown', { ...description, observationIds: [] }, at),
      ).toBeNull();
      expect(
        await episodes.redescribe('bob', first.id, { ...description, observationIds: [o2!.id, o3!.id] }, at),
      ).toBeNull();
      expect(await episodes.get('alice', first.id)).toMatchObject({
        title: first.title,
        observationCount: 3,
      });

      const redescribed = await episodes.redescribe(
        'alice',
        first.id,
        { ...description, observationIds: [o3!.id, o2!.id] },
        at,
      );
      expect(redescribed).toEqual({
        id: first.id,
        userId: 'alice',
        startedAt: o2!.capturedAt,
        endedAt: o3!.capturedAt,
        title: 'Notes',
        summary: '"What is left."',
        observationCount: 2,
        edited: false,
        createdAt: first.createdAt,
        updatedAt: at,
      });
      expect(await episodes.get('alice', first.id)).toEqual(redescribed);
      expect(await episodes.observationIds('alice', first.id)).toEqual([o2!.id, o3!.id]);
      expect(await episodes.shrunk('alice')).toEqual([]);
      expect(await episodes.prune('alice')).toEqual({ removed: 1 });
      expect(await episodes.get('alice', first.id)).toEqual(redescribed);
      expect(ids(await episodes.list('bob'))).toEqual([bobs.id]);
    });

    it('never describes again over the person’s own words, and lets prune recount their episode', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2] = await observe(timeline, 'alice', T0, T0 + 10 * MINUTE);
      const morning = episode([o1!, o2!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + HOUR }, [morning]);
      const edited = await episodes.update('alice', morning.id, { title: 'Breakfast with Ana' }, T0 + HOUR);
      await timeline.forget('alice', { kind: 'ids', ids: [o1!.id] });
      expect(await episodes.shrunk('alice')).toEqual([edited]);
      expect(
        await episodes.redescribe(
          'alice',
          morning.id,
          { title: 'Notes', summary: 'x', observationIds: [o2!.id] },
          T0 + 2 * HOUR,
        ),
      ).toBeNull();
      expect(await episodes.prune('alice')).toEqual({ removed: 0 });
      expect(await episodes.get('alice', morning.id)).toEqual({
        ...edited,
        observationCount: 1,
        startedAt: o2!.capturedAt,
        endedAt: o2!.capturedAt,
      });
      expect(await episodes.shrunk('alice')).toEqual([]);
    });

    it('removes every episode of one user and nothing of another', async () => {
      const { timeline, episodes } = await makePair();
      const [o1, o2] = await observe(timeline, 'alice', T0, T0 + 5 * HOUR);
      const [theirs] = await observe(timeline, 'bob', T0);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + 6 * HOUR }, [
        episode([o1!]),
        episode([o2!]),
      ]);
      const bobs = episode([theirs!]);
      await episodes.replaceWindow('bob', { fromMs: T0, toMs: T0 + HOUR }, [bobs]);
      expect(await episodes.removeAll('alice')).toBe(2);
      expect(await episodes.list('alice')).toEqual([]);
      expect(await episodes.episodeOf('alice', [o1!.seq, o2!.seq])).toEqual(new Map());
      expect(await episodes.removeAll('alice')).toBe(0);
      expect(ids(await episodes.list('bob'))).toEqual([bobs.id]);
      expect(await episodes.observationIds('bob', bobs.id)).toEqual([theirs!.id]);
    });

    it('keeps users apart: ids, windows, observations, pruning', async () => {
      const { timeline, episodes } = await makePair();
      const [mine] = await observe(timeline, 'alice', T0);
      const [theirs] = await observe(timeline, 'bob', T0);
      const alices = episode([mine!]);
      await episodes.replaceWindow('alice', { fromMs: T0, toMs: T0 + HOUR }, [alices]);
      const bobs = episode([mine!, theirs!], { id: alices.id, title: 'Bob’s morning' });
      await episodes.replaceWindow('bob', { fromMs: T0, toMs: T0 + HOUR }, [bobs]);

      expect(await episodes.get('alice', alices.id)).toMatchObject({ userId: 'alice', title: alices.title });
      expect(await episodes.get('bob', alices.id)).toMatchObject({ userId: 'bob', title: 'Bob’s morning' });
      expect(await episodes.observationIds('alice', alices.id)).toEqual([mine!.id]);
      expect(await episodes.observationIds('bob', alices.id)).toEqual([theirs!.id]);
      expect(await episodes.episodeOf('bob', [mine!.seq])).toEqual(new Map());
      await expect(episodes.update('bob', 'EP-unknown', { title: 'x' }, T0)).rejects.toMatchObject({
        code: 'not_found',
      });

      await timeline.forget('bob', { kind: 'everything' });
      expect(await episodes.prune('bob')).toEqual({ removed: 1 });
      expect(await episodes.prune('alice')).toEqual({ removed: 0 });
      expect(ids(await episodes.list('alice'))).toEqual([alices.id]);
    });
  });
}
