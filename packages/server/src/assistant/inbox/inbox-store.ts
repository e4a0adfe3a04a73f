import { z } from 'zod';
import { ConflictError, describeIssues, NotFoundError, ValidationError } from '../../kernel/index.ts';
import type { SqliteDatabase } from '../../storage/index.ts';
import type { InboxItem, InboxKind, InboxStatus, InboxStore, NewInboxItem } from '../types.ts';

/** Every kind of inbox item. */
export const InboxKindSchema = z.enum(['commitment', 'reminder', 'nudge', 'digest']);

/** Every status an inbox item can be in. */
export const InboxStatusSchema = z.enum(['pending', 'to_confirm', 'snoozed', 'done', 'dismissed']);

/** The statuses of an item still open: what `list` shows by default. */
export const OPEN_INBOX_STATUSES: readonly InboxStatus[] = ['pending', 'to_confirm', 'snoozed'];

const epoch = z.number().int().nonnegative();

/** An item as `add` accepts it; the stores refuse anything else before writing. */
export const NewInboxItemSchema = z.object({
  id: z.string().min(1).max(200),
  kind: InboxKindSchema,
  title: z.string().trim().min(1).max(500),
  body: z.string().max(20_000),
  due: epoch.nullable(),
  reason: z.string().trim().min(1).max(2_000),
  status: InboxStatusSchema,
  snoozedUntil: epoch.nullable(),
  factId: z.string().min(1).nullable(),
  goalId: z.string().min(1).nullable(),
  personId: z.string().min(1).nullable(),
  dedupeKey: z.string().trim().min(1).max(500),
  notifiedAt: epoch.nullable().optional(),
  completedAt: epoch.nullable().optional(),
  createdAt: epoch,
});

/** The changes `update` accepts. */
export const InboxChangesSchema = z.strictObject({
  status: InboxStatusSchema.optional(),
  snoozedUntil: epoch.nullable().optional(),
  due: epoch.nullable().optional(),
  title: z.string().trim().min(1).max(500).optional(),
  body: z.string().max(20_000).optional(),
  notifiedAt: epoch.nullable().optional(),
  completedAt: epoch.nullable().optional(),
  updatedAt: epoch,
});

/** What `update` may change. */
export type InboxChanges = Parameters<InboxStore['update']>[2];

/** Checks an item before it is added; throws `ValidationError` listing what is wrong. */
export function validateNewInboxItem(item: NewInboxItem): void {
  const result = NewInboxItemSchema.safeParse(item);
  if (!result.success) throw new ValidationError('invalid inbox item', describeIssues(result.error.issues));
  if (item.status === 'snoozed' && item.snoozedUntil === null)
    throw new ValidationError('a snoozed item needs snoozedUntil', ['snoozedUntil: required when snoozed']);
}

/** Checks changes before they are applied; throws `ValidationError` listing what is wrong. */
export function validateInboxChanges(changes: InboxChanges): void {
  const result = InboxChangesSchema.safeParse(changes);
  if (!result.success) throw new ValidationError('invalid inbox change', describeIssues(result.error.issues));
}

/**
 * Whether an item's reminder should fire at `at` (the rule both stores follow). An open item fires once: when it is
 * due and has not been pushed. A snooze brings it back: a snoozed item fires when its snooze has ended and it has not
 * been pushed since then (`notifiedAt` null or before `snoozedUntil`), so snoozing needs no reset of `notifiedAt`
 * and a push after the snooze is what stops it firing again. Digests never fire here: they are pushed when built.
 */
export function isDueForNotification(
  item: Pick<InboxItem, 'kind' | 'status' | 'due' | 'snoozedUntil' | 'notifiedAt'>,
  at: number,
): boolean {
  if (item.kind === 'digest') return false;
  if (item.status === 'snoozed')
    return (
      item.snoozedUntil !== null &&
      item.snoozedUntil <= at &&
      (item.notifiedAt === null || item.notifiedAt < item.snoozedUntil)
    );
  if (item.status !== 'pending' && item.status !== 'to_confirm') return false;
  return item.due !== null && item.due <= at && item.notifiedAt === null;
}

/** When an item due for notification became due: the end of its snooze, or its due time. */
export function notificationTime(item: Pick<InboxItem, 'status' | 'due' | 'snoozedUntil'>): number {
  return item.status === 'snoozed' ? (item.snoozedUntil ?? 0) : (item.due ?? 0);
}

/**
 * Dedupe-key prefixes of the items the assistant inferred from observations: commitments and reminders heard or read
 * (`commitment:<fact>`), and nudges because someone was seen or a place passed (`person:`/`place:<item>:<day>`).
 * Their title and reason repeat the observation's words, so when every source observation is forgotten they go too.
 * Everything else stays: reminders the person set (`reminder:`, no sources), digests (`digest:`), date nudges
 * (`date:`, from people's important dates) and goal nudges (`behind:`): they are not made from an observation.
 */
export const OBSERVATION_DERIVED_PREFIXES: readonly string[] = [
  'commitment:',
  'person:',
  'place:',
  'followup:',
];

/** The item a `person:`/`place:` nudge is about (its key is `<prefix><item id>:<day>`), or null for other keys. */
export function nudgedItemId(dedupeKey: string): string | null {
  const prefix = ['person:', 'place:'].find((candidate) => dedupeKey.startsWith(candidate));
  if (!prefix) return null;
  const rest = dedupeKey.slice(prefix.length);
  const end = rest.lastIndexOf(':');
  return end > 0 ? rest.slice(0, end) : null;
}

/**
 * Which items `prune` deletes (the rule both stores follow), given each item's dedupe key and how many of its source
 * observations still exist: items inferred from observations (`OBSERVATION_DERIVED_PREFIXES`) left with no source,
 * whatever their status or kind (a reminder heard in speech quotes the forgotten words as much as a commitment does);
 * and `person:`/`place:` nudges about an item that is gone or going (they repeat its title).
 */
export function prunableInboxItemIds(
  items: ReadonlyArray<{ id: string; dedupeKey: string; liveSources: number }>,
): string[] {
  const orphaned = new Set(
    items
      .filter(
        (item) =>
          item.liveSources === 0 &&
          OBSERVATION_DERIVED_PREFIXES.some((prefix) => item.dedupeKey.startsWith(prefix)),
      )
      .map((item) => item.id),
  );
  const kept = new Set(items.filter((item) => !orphaned.has(item.id)).map((item) => item.id));
  for (const item of items) {
    const about = nudgedItemId(item.dedupeKey);
    if (about !== null && !kept.has(about)) orphaned.add(item.id);
  }
  return [...orphaned];
}

/** An `inbox_items` row as both SQL adapters read it (without its sources, which each engine aggregates its way). */
export interface InboxColumns {
  user_id: string;
  id: string;
  kind: string;
  title: string;
  body: string;
  due: number | null;
  reason: string;
  status: string;
  snoozed_until: number | null;
  fact_id: string | null;
  goal_id: string | null;
  person_id: string | null;
  dedupe_key: string;
  notified_at: number | null;
  completed_at: number | null;
  created_at: number;
  updated_at: number;
}

type InboxRow = InboxColumns & { sources: string | null };

const SELECT_ITEM = `SELECT i.*, (SELECT json_group_array(o.id) FROM (SELECT o.id FROM inbox_sources s
    JOIN observations o ON o.seq = s.observation_seq WHERE s.user_id = i.user_id AND s.item_id = i.id ORDER BY o.seq) o)
  AS sources FROM inbox_items i`;

const SourcesSchema = z.array(z.string());

function toItem(row: InboxRow): InboxItem {
  let sources: string[] = [];
  if (row.sources) {
    const parsed = SourcesSchema.safeParse(JSON.parse(row.sources));
    if (parsed.success) sources = parsed.data;
  }
  return inboxItemFromRow(row, sources);
}

/** An inbox item from its row and its source observation ids (shared by the SQLite and PostgreSQL adapters). */
export function inboxItemFromRow(row: InboxColumns, sources: string[]): InboxItem {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as InboxKind,
    title: row.title,
    body: row.body,
    due: row.due,
    reason: row.reason,
    status: row.status as InboxStatus,
    snoozedUntil: row.snoozed_until,
    factId: row.fact_id,
    goalId: row.goal_id,
    personId: row.person_id,
    dedupeKey: row.dedupe_key,
    notifiedAt: row.notified_at,
    completedAt: row.completed_at,
    sources,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS: ReadonlyArray<[keyof InboxChanges, string]> = [
  ['status', 'status'],
  ['snoozedUntil', 'snoozed_until'],
  ['due', 'due'],
  ['title', 'title'],
  ['body', 'body'],
  ['notifiedAt', 'notified_at'],
  ['completedAt', 'completed_at'],
  ['updatedAt', 'updated_at'],
];

/**
 * The inbox in SQLite (tables `inbox_items` and `inbox_sources`, migration 7). Source links go with their
 * observation by foreign key, so forgetting an observation removes it from every item's sources.
 */
export function createSqliteInboxStore(db: SqliteDatabase): InboxStore {
  const byId = db.prepare<[string, string], InboxRow>(`${SELECT_ITEM} WHERE i.user_id = ? AND i.id = ?`);
  const byKey = db.prepare<[string, string], InboxRow>(
    `${SELECT_ITEM} WHERE i.user_id = ? AND i.dedupe_key = ?`,
  );
  const insert = db.prepare(
    `INSERT INTO inbox_items (user_id, id, kind, title, body, due, reason, status, snoozed_until, fact_id, goal_id,
       person_id, dedupe_key, notified_at, completed_at, created_at, updated_at)
     VALUES (@userId, @id, @kind, @title, @body, @due, @reason, @status, @snoozedUntil, @factId, @goalId,
       @personId, @dedupeKey, @notifiedAt, @completedAt, @createdAt, @createdAt)
     ON CONFLICT (user_id, dedupe_key) DO NOTHING`,
  );
  const addSource = db.prepare(
    `INSERT OR IGNORE INTO inbox_sources (user_id, item_id, observation_seq)
     SELECT ?, ?, seq FROM observations WHERE seq = ? AND user_id = ?`,
  );
  const due = db.prepare<[string, number, number], InboxRow>(
    `${SELECT_ITEM} WHERE i.user_id = ? AND i.kind <> 'digest' AND (
       (i.status IN ('pending', 'to_confirm') AND i.due <= ? AND i.notified_at IS NULL)
       OR (i.status = 'snoozed' AND i.snoozed_until <= ?
           AND (i.notified_at IS NULL OR i.notified_at < i.snoozed_until)))
     ORDER BY CASE WHEN i.status = 'snoozed' THEN i.snoozed_until ELSE i.due END, i.created_at, i.id`,
  );
  const countNotified = db.prepare<[string, number, number], { count: number }>(
    'SELECT COUNT(*) AS count FROM inbox_items WHERE user_id = ? AND notified_at >= ? AND notified_at < ?',
  );

  const add = db.transaction(
    (
      userId: string,
      item: NewInboxItem,
      sourceSeqs: readonly number[],
    ): { item: InboxItem; created: boolean } => {
      const existing = byKey.get(userId, item.dedupeKey);
      if (existing) return { item: toItem(existing), created: false };
      if (byId.get(userId, item.id))
        throw new ConflictError(`inbox item ${item.id} already exists with another dedupe key`, {
          id: item.id,
        });
      insert.run({
        userId,
        id: item.id,
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
      });
      for (const seq of new Set(sourceSeqs)) addSource.run(userId, item.id, seq, userId);
      const row = byId.get(userId, item.id);
      if (!row) throw new NotFoundError('inbox item', item.id);
      return { item: toItem(row), created: true };
    },
  );

  const update = db.transaction((userId: string, id: string, changes: InboxChanges): InboxItem => {
    const sets: string[] = [];
    const params: Array<string | number | null> = [];
    for (const [key, column] of COLUMNS) {
      const value = changes[key];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    const changed = db
      .prepare(`UPDATE inbox_items SET ${sets.join(', ')} WHERE user_id = ? AND id = ?`)
      .run(...params, userId, id).changes;
    if (changed === 0) throw new NotFoundError('inbox item', id);
    const row = byId.get(userId, id);
    if (!row) throw new NotFoundError('inbox item', id);
    const item = toItem(row);
    if (item.status === 'snoozed' && item.snoozedUntil === null)
      throw new ValidationError('a snoozed item needs snoozedUntil', ['snoozedUntil: required when snoozed']);
    return item;
  });

  const prune = db.transaction((userId: string): number => {
    const rows = db
      .prepare<[string], { id: string; dedupe_key: string; live_sources: number }>(
        `SELECT i.id, i.dedupe_key, (SELECT COUNT(*) FROM inbox_sources s WHERE s.user_id = i.user_id
           AND s.item_id = i.id) AS live_sources FROM inbox_items i WHERE i.user_id = ?`,
      )
      .all(userId);
    const ids = prunableInboxItemIds(
      rows.map((row) => ({ id: row.id, dedupeKey: row.dedupe_key, liveSources: row.live_sources })),
    );
    const deleteSources = db.prepare('DELETE FROM inbox_sources WHERE user_id = ? AND item_id = ?');
    const deleteItem = db.prepare('DELETE FROM inbox_items WHERE user_id = ? AND id = ?');
    let removed = 0;
    for (const id of ids) {
      deleteSources.run(userId, id);
      removed += deleteItem.run(userId, id).changes;
    }
    return removed;
  });

  const removeAll = db.transaction((userId: string): void => {
    db.prepare('DELETE FROM inbox_sources WHERE user_id = ?').run(userId);
    db.prepare('DELETE FROM inbox_items WHERE user_id = ?').run(userId);
  });

  return {
    async add(userId, item, sourceSeqs) {
      validateNewInboxItem(item);
      return add.immediate(userId, item, sourceSeqs);
    },
    async get(userId, id) {
      const row = byId.get(userId, id);
      return row ? toItem(row) : null;
    },
    async getByDedupeKey(userId, dedupeKey) {
      const row = byKey.get(userId, dedupeKey);
      return row ? toItem(row) : null;
    },
    async list(userId, query = {}) {
      const where = ['i.user_id = ?'];
      const params: Array<string | number> = [userId];
      const statuses = query.statuses ?? OPEN_INBOX_STATUSES;
      if (statuses !== 'all') {
        if (statuses.length === 0) return [];
        where.push(`i.status IN (${statuses.map(() => '?').join(', ')})`);
        params.push(...statuses);
      }
      if (query.kinds) {
        if (query.kinds.length === 0) return [];
        where.push(`i.kind IN (${query.kinds.map(() => '?').join(', ')})`);
        params.push(...query.kinds);
      }
      if (query.dueFrom !== undefined) {
        where.push('i.due >= ?');
        params.push(query.dueFrom);
      }
      if (query.dueTo !== undefined) {
        where.push('i.due < ?');
        params.push(query.dueTo);
      }
      return db
        .prepare<Array<string | number>, InboxRow>(
          `${SELECT_ITEM} WHERE ${where.join(' AND ')}
           ORDER BY i.due IS NULL, i.due, i.created_at, i.id LIMIT ?`,
        )
        .all(...params, query.limit ?? -1)
        .map(toItem);
    },
    async update(userId, id, changes) {
      validateInboxChanges(changes);
      return update.immediate(userId, id, changes);
    },
    async dueForNotification(userId, at) {
      return due.all(userId, at, at).map(toItem);
    },
    async countNotified(userId, fromMs, toMs) {
      return countNotified.get(userId, fromMs, toMs)?.count ?? 0;
    },
    async prune(userId) {
      return { removed: prune.immediate(userId) };
    },
    async removeAll(userId) {
      removeAll.immediate(userId);
    },
  };
}
