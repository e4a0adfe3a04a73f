import { describe, expect, it } from 'vitest';
import type { NewObservation, TimelineStore } from '../../memory/index.ts';
import type { InboxStore, NewInboxItem } from '../types.ts';

/**
 * What a contract run needs: a fresh inbox and the timeline it shares its data with (sources are write positions on
 * that timeline), with the two users `alice` and `bob` already known.
 */
export type InboxStorePairFactory = () => Promise<{ timeline: TimelineStore; inbox: InboxStore }>;

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let counter = 0;

function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(24, '0')}`;
}

function item(overrides: Partial<NewInboxItem> = {}): NewInboxItem {
  const id = nextId('IN');
  return {
    id,
    kind: 'commitment',
    title: 'Send Sam the deck',
    body: '',
    due: T0 + HOUR,
    reason: 'You said on Mon 2 Mar 2026, 10:00: "I\'ll send Sam the deck"',
    status: 'pending',
    snoozedUntil: null,
    factId: null,
    goalId: null,
    personId: null,
    dedupeKey: `test:${id}`,
    createdAt: T0,
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
    capturedAt: T0 + i * MINUTE,
    receivedAt: T0 + i * MINUTE,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  }));
  await timeline.insertObservations(userId, notes);
  const seqs = new Map(
    (await timeline.readSince(userId, 0, 10_000)).map((entry) => [entry.observation.id, entry.seq]),
  );
  return notes.map((note) => ({ id: note.id, seq: seqs.get(note.id)! }));
}

/** The behaviour every InboxStore adapter must show; run it from each adapter's test file. */
export function describeInboxStoreContract(name: string, makePair: InboxStorePairFactory): void {
  describe(`InboxStore contract: ${name}`, () => {
    it('adds an item linked to the user’s own observations and reads it back by id and by dedupe key', async () => {
      const { timeline, inbox } = await makePair();
      const [a, b] = await observe(timeline, 'alice', 'one', 'two');
      const [theirs] = await observe(timeline, 'bob', 'not yours');
      const added = item({ factId: 'FA1', personId: 'P1', dedupeKey: 'commitment:FA1' });
      const result = await inbox.add('alice', added, [b!.seq, a!.seq, theirs!.seq, 999_999_999, a!.seq]);
      const expected = {
        ...added,
        userId: 'alice',
        notifiedAt: null,
        completedAt: null,
        sources: [a!.id, b!.id],
        updatedAt: added.createdAt,
      };
      expect(result).toEqual({ item: expected, created: true });
      expect(await inbox.get('alice', added.id)).toEqual(expected);
      expect(await inbox.getByDedupeKey('alice', 'commitment:FA1')).toEqual(expected);
      expect(await inbox.get('alice', 'IN-unknown')).toBeNull();
      expect(await inbox.get('bob', added.id)).toBeNull();
      expect(await inbox.getByDedupeKey('bob', 'commitment:FA1')).toBeNull();
    });

    it('is idempotent by dedupe key: the same trigger returns the existing item, per user', async () => {
      const { timeline, inbox } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const first = await inbox.add('alice', item({ dedupeKey: 'digest:2026-03-02', kind: 'digest' }), [
        a!.seq,
      ]);
      const again = await inbox.add(
        'alice',
        item({ dedupeKey: 'digest:2026-03-02', kind: 'digest', title: 'Another title' }),
        [],
      );
      expect(again).toEqual({ item: first.item, created: false });
      expect(await inbox.list('alice', { statuses: 'all' })).toHaveLength(1);
      const bobs = await inbox.add('bob', item({ id: first.item.id, dedupeKey: 'digest:2026-03-02' }), [
        a!.seq,
      ]);
      expect(bobs.created).toBe(true);
      expect(bobs.item).toMatchObject({ userId: 'bob', sources: [] });
      await expect(
        inbox.add('alice', item({ id: first.item.id, dedupeKey: 'other' }), []),
      ).rejects.toMatchObject({ code: 'id_conflict' });
    });

    it('refuses an invalid item or change and writes nothing', async () => {
      const { inbox } = await makePair();
      await expect(inbox.add('alice', item({ title: '   ' }), [])).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(
        inbox.add('alice', item({ kind: 'memo' as NewInboxItem['kind'] }), []),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(
        inbox.add('alice', item({ status: 'snoozed', snoozedUntil: null }), []),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await inbox.list('alice', { statuses: 'all' })).toEqual([]);
      const { item: added } = await inbox.add('alice', item(), []);
      await expect(
        inbox.update('alice', added.id, { status: 'snoozed', updatedAt: T0 + 1 }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(inbox.update('alice', added.id, { due: -5, updatedAt: T0 + 1 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      expect(await inbox.get('alice', added.id)).toMatchObject({ status: 'pending', due: added.due });
    });

    it('lists open items by default, soonest due first, undated last; filters by kind, status and due', async () => {
      const { inbox } = await makePair();
      const later = item({ due: T0 + 3 * HOUR, createdAt: T0 });
      const undated = item({ due: null, kind: 'reminder', createdAt: T0 - HOUR });
      const soon = item({ due: T0 + HOUR, status: 'to_confirm', createdAt: T0 + 5 });
      const sameDueNewer = item({ due: T0 + HOUR, kind: 'nudge', createdAt: T0 + 9 });
      const snoozed = item({ due: T0 + 2 * HOUR, status: 'snoozed', snoozedUntil: T0 + 4 * HOUR });
      const done = item({ due: T0, status: 'done', completedAt: T0 + 1 });
      const dismissed = item({ due: T0 + 2, status: 'dismissed' });
      for (const added of [later, undated, soon, sameDueNewer, snoozed, done, dismissed])
        await inbox.add('alice', added, []);
      const ids = async (query?: Parameters<InboxStore['list']>[1]) =>
        (await inbox.list('alice', query)).map((found) => found.id);

      expect(await ids()).toEqual([soon.id, sameDueNewer.id, snoozed.id, later.id, undated.id]);
      expect(await ids({ statuses: 'all' })).toEqual([
        done.id,
        dismissed.id,
        soon.id,
        sameDueNewer.id,
        snoozed.id,
        later.id,
        undated.id,
      ]);
      expect(await ids({ statuses: ['done', 'dismissed'] })).toEqual([done.id, dismissed.id]);
      expect(await ids({ kinds: ['reminder', 'nudge'] })).toEqual([sameDueNewer.id, undated.id]);
      expect(await ids({ dueFrom: T0 + HOUR, dueTo: T0 + 3 * HOUR })).toEqual([
        soon.id,
        sameDueNewer.id,
        snoozed.id,
      ]);
      expect(await ids({ dueTo: T0 + 2 * HOUR, statuses: 'all' })).toEqual([
        done.id,
        dismissed.id,
        soon.id,
        sameDueNewer.id,
      ]);
      expect(await ids({ limit: 2 })).toEqual([soon.id, sameDueNewer.id]);
      expect(await ids({ limit: 0 })).toEqual([]);
      expect(await ids({ kinds: [] })).toEqual([]);
      expect(await ids({ statuses: [] })).toEqual([]);
      expect(await inbox.list('bob')).toEqual([]);
    });

    it('updates the named fields only, and says when the item does not exist', async () => {
      const { inbox } = await makePair();
      const { item: added } = await inbox.add('alice', item({ body: 'keep me' }), []);
      const updated = await inbox.update('alice', added.id, {
        status: 'done',
        completedAt: T0 + HOUR,
        title: 'Sent Sam the deck',
        updatedAt: T0 + HOUR,
      });
      expect(updated).toEqual({
        ...added,
        status: 'done',
        completedAt: T0 + HOUR,
        title: 'Sent Sam the deck',
        updatedAt: T0 + HOUR,
      });
      expect(await inbox.get('alice', added.id)).toEqual(updated);
      const cleared = await inbox.update('alice', added.id, { due: null, updatedAt: T0 + 2 * HOUR });
      expect(cleared).toMatchObject({ due: null, body: 'keep me', status: 'done' });
      await expect(inbox.update('alice', 'IN-unknown', { updatedAt: T0 })).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(
        inbox.update('bob', added.id, { status: 'dismissed', updatedAt: T0 }),
      ).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('gives the items whose reminder should fire: due, open, not yet pushed, never digests', async () => {
      const { inbox } = await makePair();
      const at = T0 + 2 * HOUR;
      const due = item({ due: T0 + HOUR, createdAt: T0 + 2 });
      const exactlyNow = item({ due: at, kind: 'reminder' });
      const toConfirm = item({ due: T0 + HOUR, status: 'to_confirm', createdAt: T0 + 1 });
      const notYet = item({ due: at + 1 });
      const undated = item({ due: null });
      const pushed = item({ due: T0, notifiedAt: T0 });
      const done = item({ due: T0, status: 'done' });
      const dismissed = item({ due: T0, status: 'dismissed' });
      const digest = item({ due: T0, kind: 'digest' });
      const nudge = item({ due: T0 + 30 * MINUTE, kind: 'nudge' });
      for (const added of [
        due,
        exactlyNow,
        toConfirm,
        notYet,
        undated,
        pushed,
        done,
        dismissed,
        digest,
        nudge,
      ])
        await inbox.add('alice', added, []);
      expect((await inbox.dueForNotification('alice', at)).map((found) => found.id)).toEqual([
        nudge.id,
        toConfirm.id,
        due.id,
        exactlyNow.id,
      ]);
      await inbox.update('alice', due.id, { notifiedAt: at, updatedAt: at });
      expect((await inbox.dueForNotification('alice', at)).map((found) => found.id)).toEqual([
        nudge.id,
        toConfirm.id,
        exactlyNow.id,
      ]);
      expect(await inbox.dueForNotification('bob', at)).toEqual([]);
    });

    it('brings a snoozed item back when its snooze ends, once, even when it was pushed before', async () => {
      const { inbox } = await makePair();
      const { item: added } = await inbox.add('alice', item({ due: T0 }), []);
      await inbox.update('alice', added.id, { notifiedAt: T0, updatedAt: T0 });
      expect(await inbox.dueForNotification('alice', T0 + HOUR)).toEqual([]);
      const until = T0 + 2 * HOUR;
      await inbox.update('alice', added.id, { status: 'snoozed', snoozedUntil: until, updatedAt: T0 + 1 });
      expect(await inbox.dueForNotification('alice', until - 1)).toEqual([]);
      expect((await inbox.dueForNotification('alice', until)).map((found) => found.id)).toEqual([added.id]);
      await inbox.update('alice', added.id, { notifiedAt: until + 5, updatedAt: until + 5 });
      expect(await inbox.dueForNotification('alice', until + HOUR)).toEqual([]);
      // A snooze that was never pushed before fires too, ordered by when its snooze ended.
      const { item: fresh } = await inbox.add(
        'alice',
        item({ due: T0 + 10 * HOUR, status: 'snoozed', snoozedUntil: T0 + 3 * HOUR }),
        [],
      );
      const { item: plain } = await inbox.add('alice', item({ due: T0 + 4 * HOUR }), []);
      expect((await inbox.dueForNotification('alice', T0 + 5 * HOUR)).map((found) => found.id)).toEqual([
        fresh.id,
        plain.id,
      ]);
    });

    it('counts the items pushed in a half-open window, per user', async () => {
      const { inbox } = await makePair();
      for (const notifiedAt of [T0, T0 + 10 * MINUTE, T0 + HOUR, null])
        await inbox.add('alice', item({ notifiedAt }), []);
      await inbox.add('bob', item({ notifiedAt: T0 }), []);
      expect(await inbox.countNotified('alice', T0, T0 + HOUR)).toBe(2);
      expect(await inbox.countNotified('alice', T0, T0 + HOUR + 1)).toBe(3);
      expect(await inbox.countNotified('alice', T0 + 1, T0 + 2 * HOUR)).toBe(2);
      expect(await inbox.countNotified('bob', 0, T0 + 2 * HOUR)).toBe(1);
      expect(await inbox.countNotified('alice', T0 + HOUR, T0)).toBe(0);
    });

    it('drops forgotten observations from an item’s sources, keeping the item', async () => {
      const { timeline, inbox } = await makePair();
      const [a, b] = await observe(timeline, 'alice', 'I will send Sam the deck', 'the deck is nearly done');
      const { item: added } = await inbox.add('alice', item(), [a!.seq, b!.seq]);
      expect(added.sources).toEqual([a!.id, b!.id]);
      await timeline.forget('alice', { kind: 'ids', ids: [a!.id] });
      expect((await inbox.get('alice', added.id))?.sources).toEqual([b!.id]);
      await timeline.forget('alice', { kind: 'everything' });
      expect(await inbox.list('alice')).toMatchObject([{ id: added.id, sources: [] }]);
    });

    it('prunes items inferred from observations once every source is forgotten, keeping the person’s own', async () => {
      const { timeline, inbox } = await makePair();
      const [said, seen, other, kept] = await observe(
        timeline,
        'alice',
        'I will send Sam the deck',
        'Sam is here',
        'remind me to water the plants',
        'I will call the plumber',
      );
      const commitment = (
        await inbox.add('alice', item({ dedupeKey: 'commitment:F1', status: 'done' }), [said!.seq])
      ).item;
      // A nudge whose own source stays, about the commitment: it repeats the commitment's title, so it goes with it.
      const nudge = (
        await inbox.add('alice', item({ kind: 'nudge', dedupeKey: `person:${commitment.id}:2026-03-02` }), [
          seen!.seq,
        ])
      ).item;
      const heardReminder = (
        await inbox.add('alice', item({ kind: 'reminder', dedupeKey: 'commitment:F2' }), [other!.seq])
      ).item;
      const stillSourced = (await inbox.add('alice', item({ dedupeKey: 'commitment:F3' }), [kept!.seq])).item;
      const reminder = (await inbox.add('alice', item({ kind: 'reminder', dedupeKey: 'reminder:R1' }), []))
        .item;
      const digest = (await inbox.add('alice', item({ kind: 'digest', dedupeKey: 'digest:2026-03-02' }), []))
        .item;
      const date = (
        await inbox.add('alice', item({ kind: 'nudge', dedupeKey: 'date:person:P1:birthday:2026-03-09' }), [])
      ).item;
      const goalNudge = (
        await inbox.add('alice', item({ kind: 'nudge', dedupeKey: 'behind:G1:2026-W10' }), [])
      ).item;
      const bobs = (await inbox.add('bob', item({ dedupeKey: 'commitment:F1' }), [])).item;

      expect(await inbox.prune('alice')).toEqual({ removed: 0 });
      await timeline.forget('alice', { kind: 'ids', ids: [said!.id, other!.id] });
      expect(await inbox.prune('alice')).toEqual({ removed: 3 });
      for (const gone of [commitment, nudge, heardReminder])
        expect(await inbox.get('alice', gone.id), gone.dedupeKey).toBeNull();
      for (const stays of [stillSourced, reminder, digest, date, goalNudge])
        expect(await inbox.get('alice', stays.id), stays.dedupeKey).not.toBeNull();
      expect(await inbox.prune('alice')).toEqual({ removed: 0 });
      // Another user's items are not looked at.
      expect(await inbox.get('bob', bobs.id)).not.toBeNull();
      // The dedupe key is free again: the same trigger may make a new item.
      expect((await inbox.add('alice', item({ dedupeKey: 'commitment:F1' }), [])).created).toBe(true);
    });

    it('removes every item of one user, and only theirs', async () => {
      const { timeline, inbox } = await makePair();
      const [a] = await observe(timeline, 'alice', 'I will send Sam the deck');
      const mine = (await inbox.add('alice', item({ dedupeKey: 'commitment:F9' }), [a!.seq])).item;
      await inbox.add('alice', item({ kind: 'reminder', dedupeKey: 'reminder:R9' }), []);
      const theirs = (await inbox.add('bob', item({ dedupeKey: 'commitment:F9' }), [])).item;
      await inbox.removeAll('alice');
      expect(await inbox.list('alice', { statuses: 'all' })).toEqual([]);
      expect(await inbox.get('bob', theirs.id)).not.toBeNull();
      // The id and the key can be used again (an import after forget-everything).
      const again = await inbox.add('alice', { ...item({ dedupeKey: 'commitment:F9' }), id: mine.id }, [
        a!.seq,
      ]);
      expect(again).toMatchObject({ created: true, item: { id: mine.id, sources: [a!.id] } });
    });
  });
}
