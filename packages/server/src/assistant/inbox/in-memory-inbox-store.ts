import { ConflictError, NotFoundError, ValidationError } from '../../kernel/index.ts';
import type { TimelineStore } from '../../memory/index.ts';
import type { InboxItem, InboxStore } from '../types.ts';
import {
  isDueForNotification,
  notificationTime,
  OPEN_INBOX_STATUSES,
  prunableInboxItemIds,
  validateInboxChanges,
  validateNewInboxItem,
} from './inbox-store.ts';

/** An item as the fake holds it: the write positions of its sources instead of observation ids. */
type HeldItem = Omit<InboxItem, 'sources'> & { sourceSeqs: number[] };

/**
 * The in-memory fake of the inbox, for unit tests of the services above it; it passes the same contract suite as
 * the SQLite store. Sources are write positions on `timeline`: a source the timeline does not hold for the user (or
 * has forgotten) does not count, as the SQLite foreign key does. Without a timeline no source ever links.
 */
export function createInMemoryInboxStore(timeline?: TimelineStore): InboxStore {
  const users = new Map<string, Map<string, HeldItem>>();
  const itemsOf = (userId: string): Map<string, HeldItem> => {
    let found = users.get(userId);
    if (!found) {
      found = new Map();
      users.set(userId, found);
    }
    return found;
  };

  /** Which of `seqs` the timeline still holds for the user, with their observation ids. */
  const liveObservations = async (userId: string, seqs: Iterable<number>): Promise<Map<number, string>> => {
    const wanted = [...new Set(seqs)];
    if (!timeline || wanted.length === 0) return new Map();
    const found = await timeline.getBySeq(userId, wanted);
    return new Map(found.map((entry) => [entry.seq, entry.observation.id]));
  };

  const present = async (userId: string, held: readonly HeldItem[]): Promise<InboxItem[]> => {
    const live = await liveObservations(
      userId,
      held.flatMap((item) => item.sourceSeqs),
    );
    return held.map(({ sourceSeqs, ...item }) => ({
      ...item,
      sources: sourceSeqs.flatMap((seq) => {
        const id = live.get(seq);
        return id === undefined ? [] : [id];
      }),
    }));
  };

  const presentOne = async (userId: string, held: HeldItem): Promise<InboxItem> => {
    const [item] = await present(userId, [held]);
    return item!;
  };

  const byDedupeKey = (userId: string, dedupeKey: string): HeldItem | undefined =>
    [...itemsOf(userId).values()].find((item) => item.dedupeKey === dedupeKey);

  return {
    async add(userId, item, sourceSeqs) {
      validateNewInboxItem(item);
      const existing = byDedupeKey(userId, item.dedupeKey);
      if (existing) return { item: await presentOne(userId, existing), created: false };
      const items = itemsOf(userId);
      if (items.has(item.id))
        throw new ConflictError(`inbox item ${item.id} already exists with another dedupe key`, {
          id: item.id,
        });
      const live = await liveObservations(userId, sourceSeqs);
      const held: HeldItem = {
        id: item.id,
        userId,
        kind: item.kind,
        title: item.title,
        body: item.body,
        due: item.due,
        reason: item.reason,
        status: item.status,
        snoozedUntil: item.snoozedUntil,
        factId: item.factId,
        goalId: item.goalId,
        personId: item.personId,
        dedupeKey: item.dedupeKey,
        notifiedAt: item.notifiedAt ?? null,
        completedAt: item.completedAt ?? null,
        createdAt: item.createdAt,
        updatedAt: item.createdAt,
        sourceSeqs: [...new Set(sourceSeqs)].filter((seq) => live.has(seq)).sort((a, b) => a - b),
      };
      // Another add of the same key may have finished while this one waited on the timeline.
      const raced = byDedupeKey(userId, item.dedupeKey);
      if (raced) return { item: await presentOne(userId, raced), created: false };
      items.set(held.id, held);
      return { item: await presentOne(userId, held), created: true };
    },
    async get(userId, id) {
      const held = itemsOf(userId).get(id);
      return held ? presentOne(userId, held) : null;
    },
    async getByDedupeKey(userId, dedupeKey) {
      const held = byDedupeKey(userId, dedupeKey);
      return held ? presentOne(userId, held) : null;
    },
    async list(userId, query = {}) {
      const statuses = query.statuses ?? OPEN_INBOX_STATUSES;
      const matching = [...itemsOf(userId).values()]
        .filter((item) => statuses === 'all' || statuses.includes(item.status))
        .filter((item) => !query.kinds || query.kinds.includes(item.kind))
        .filter((item) => query.dueFrom === undefined || (item.due !== null && item.due >= query.dueFrom))
        .filter((item) => query.dueTo === undefined || (item.due !== null && item.due < query.dueTo))
        .sort(
          (a, b) =>
            (a.due === null ? 1 : 0) - (b.due === null ? 1 : 0) ||
            (a.due ?? 0) - (b.due ?? 0) ||
            a.createdAt - b.createdAt ||
            compareIds(a.id, b.id),
        );
      const limit = query.limit ?? -1;
      return present(userId, limit < 0 ? matching : matching.slice(0, limit));
    },
    async update(userId, id, changes) {
      validateInboxChanges(changes);
      const held = itemsOf(userId).get(id);
      if (!held) throw new NotFoundError('inbox item', id);
      const next: HeldItem = { ...held, sourceSeqs: held.sourceSeqs };
      if (changes.status !== undefined) next.status = changes.status;
      if (changes.snoozedUntil !== undefined) next.snoozedUntil = changes.snoozedUntil;
      if (changes.due !== undefined) next.due = changes.due;
      if (changes.title !== undefined) next.title = changes.title;
      if (changes.body !== undefined) next.body = changes.body;
      if (changes.notifiedAt !== undefined) next.notifiedAt = changes.notifiedAt;
      if (changes.completedAt !== undefined) next.completedAt = changes.completedAt;
      next.updatedAt = changes.updatedAt;
      if (next.status === 'snoozed' && next.snoozedUntil === null)
        throw new ValidationError('a snoozed item needs snoozedUntil', [
          'snoozedUntil: required when snoozed',
        ]);
      itemsOf(userId).set(id, next);
      return presentOne(userId, next);
    },
    async dueForNotification(userId, at) {
      const due = [...itemsOf(userId).values()]
        .filter((held) => isDueForNotification(held, at))
        .sort(
          (a, b) =>
            notificationTime(a) - notificationTime(b) || a.createdAt - b.createdAt || compareIds(a.id, b.id),
        );
      return present(userId, due);
    },
    async countNotified(userId, fromMs, toMs) {
      let count = 0;
      for (const item of itemsOf(userId).values())
        if (item.notifiedAt !== null && item.notifiedAt >= fromMs && item.notifiedAt < toMs) count += 1;
      return count;
    },
    async prune(userId) {
      const items = itemsOf(userId);
      const live = await liveObservations(
        userId,
        [...items.values()].flatMap((item) => item.sourceSeqs),
      );
      const ids = prunableInboxItemIds(
        [...items.values()].map((item) => ({
          id: item.id,
          dedupeKey: item.dedupeKey,
          liveSources: item.sourceSeqs.filter((seq) => live.has(seq)).length,
        })),
      );
      for (const id of ids) items.delete(id);
      return { removed: ids.length };
    },
    async removeAll(userId) {
      users.delete(userId);
    },
  };
}

/** Orders ids as SQLite's binary collation does. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
