import { ConflictError, NotFoundError, ValidationError } from '../../kernel/index.ts';
import type { PostgresClient } from '../../storage/index.ts';
import type { InboxItem, InboxStore } from '../types.ts';
import {
  type InboxChanges,
  type InboxColumns,
  inboxItemFromRow,
  OPEN_INBOX_STATUSES,
  prunableInboxItemIds,
  validateInboxChanges,
  validateNewInboxItem,
} from './inbox-store.ts';

type InboxRow = InboxColumns & { sources: string[] };

const SELECT_ITEM = `SELECT i.*, ARRAY(SELECT o.id FROM inbox_sources s JOIN observations o ON o.seq = s.observation_seq
    WHERE s.user_id = i.user_id AND s.item_id = i.id ORDER BY o.seq) AS sources FROM inbox_items i`;

function toItem(row: InboxRow): InboxItem {
  return inboxItemFromRow(row, row.sources);
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

async function byId(db: PostgresClient, userId: string, id: string): Promise<InboxItem | null> {
  const { rows } = await db.query<InboxRow>(`${SELECT_ITEM} WHERE i.user_id = $1 AND i.id = $2`, [
    userId,
    id,
  ]);
  return rows[0] ? toItem(rows[0]) : null;
}

async function byKey(db: PostgresClient, userId: string, dedupeKey: string): Promise<InboxItem | null> {
  const { rows } = await db.query<InboxRow>(`${SELECT_ITEM} WHERE i.user_id = $1 AND i.dedupe_key = $2`, [
    userId,
    dedupeKey,
  ]);
  return rows[0] ? toItem(rows[0]) : null;
}

/**
 * The inbox in PostgreSQL (tables `inbox_items` and `inbox_sources`, migration 7), with the SQLite store's semantics.
 * An add is `INSERT … ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING`, so two servers firing the same trigger
 * make one item and the second gets it back with `created: false`. Source links go with their observation by
 * foreign key, so forgetting an observation removes it from every item's sources.
 */
export function createPostgresInboxStore(client: PostgresClient): InboxStore {
  return {
    async add(userId, item, sourceSeqs) {
      validateNewInboxItem(item);
      return client.transaction(async (tx) => {
        const existing = await byKey(tx, userId, item.dedupeKey);
        if (existing) return { item: existing, created: false };
        if (await byId(tx, userId, item.id))
          throw new ConflictError(`inbox item ${item.id} already exists with another dedupe key`, {
            id: item.id,
          });
        const { rows } = await tx.query(
          `INSERT INTO inbox_items (user_id, id, kind, title, body, due, reason, status, snoozed_until, fact_id,
             goal_id, person_id, dedupe_key, notified_at, completed_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
           ON CONFLICT (user_id, dedupe_key) DO NOTHING
           RETURNING id`,
          [
            userId,
            item.id,
            item.kind,
            item.title,
            item.body,
            item.due,
            item.reason,
            item.status,
            item.snoozedUntil,
            item.factId,
            item.goalId,
            item.personId,
            item.dedupeKey,
            item.notifiedAt ?? null,
            item.completedAt ?? null,
            item.createdAt,
          ],
        );
        if (rows.length === 0) {
          // Another server added the same trigger's item since the check above: that one stands.
          const winner = await byKey(tx, userId, item.dedupeKey);
          if (!winner) throw new NotFoundError('inbox item', item.dedupeKey);
          return { item: winner, created: false };
        }
        if (sourceSeqs.length > 0)
          await tx.query(
            `INSERT INTO inbox_sources (user_id, item_id, observation_seq)
             SELECT $1::text, $2::text, seq FROM observations WHERE user_id = $1 AND seq = ANY($3::bigint[])
             ON CONFLICT DO NOTHING`,
            [userId, item.id, [...sourceSeqs]],
          );
        const added = await byId(tx, userId, item.id);
        if (!added) throw new NotFoundError('inbox item', item.id);
        return { item: added, created: true };
      });
    },
    get(userId, id) {
      return byId(client, userId, id);
    },
    getByDedupeKey(userId, dedupeKey) {
      return byKey(client, userId, dedupeKey);
    },
    async list(userId, query = {}) {
      const params: unknown[] = [userId];
      const next = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = ['i.user_id = $1'];
      const statuses = query.statuses ?? OPEN_INBOX_STATUSES;
      if (statuses !== 'all') {
        if (statuses.length === 0) return [];
        where.push(`i.status = ANY(${next([...statuses])}::text[])`);
      }
      if (query.kinds) {
        if (query.kinds.length === 0) return [];
        where.push(`i.kind = ANY(${next([...query.kinds])}::text[])`);
      }
      if (query.dueFrom !== undefined) where.push(`i.due >= ${next(query.dueFrom)}`);
      if (query.dueTo !== undefined) where.push(`i.due < ${next(query.dueTo)}`);
      // No limit, or a negative one, means all, as in SQLite.
      const limit = query.limit ?? -1;
      const { rows } = await client.query<InboxRow>(
        `${SELECT_ITEM} WHERE ${where.join(' AND ')}
         ORDER BY i.due IS NULL, i.due, i.created_at, i.id COLLATE "C"
         LIMIT ${limit < 0 ? 'ALL' : next(limit)}`,
        params,
      );
      return rows.map(toItem);
    },
    async update(userId, id, changes) {
      validateInboxChanges(changes);
      return client.transaction(async (tx) => {
        const params: unknown[] = [];
        const sets: string[] = [];
        for (const [key, column] of COLUMNS) {
          const value = changes[key];
          if (value === undefined) continue;
          params.push(value);
          sets.push(`${column} = $${params.length}`);
        }
        params.push(userId, id);
        const { rowCount } = await tx.query(
          `UPDATE inbox_items SET ${sets.join(', ')} WHERE user_id = $${params.length - 1} AND id = $${params.length}`,
          params,
        );
        if (rowCount === 0) throw new NotFoundError('inbox item', id);
        const item = await byId(tx, userId, id);
        if (!item) throw new NotFoundError('inbox item', id);
        if (item.status === 'snoozed' && item.snoozedUntil === null)
          throw new ValidationError('a snoozed item needs snoozedUntil', [
            'snoozedUntil: required when snoozed',
          ]);
        return item;
      });
    },
    async dueForNotification(userId, at) {
      const { rows } = await client.query<InboxRow>(
        `${SELECT_ITEM} WHERE i.user_id = $1 AND i.kind <> 'digest' AND (
           (i.status IN ('pending', 'to_confirm') AND i.due <= $2 AND i.notified_at IS NULL)
           OR (i.status = 'snoozed' AND i.snoozed_until <= $2
               AND (i.notified_at IS NULL OR i.notified_at < i.snoozed_until)))
         ORDER BY CASE WHEN i.status = 'snoozed' THEN i.snoozed_until ELSE i.due END, i.created_at, i.id COLLATE "C"`,
        [userId, at],
      );
      return rows.map(toItem);
    },
    async countNotified(userId, fromMs, toMs) {
      const { rows } = await client.query<{ count: number | string }>(
        'SELECT COUNT(*) AS count FROM inbox_items WHERE user_id = $1 AND notified_at >= $2 AND notified_at < $3',
        [userId, fromMs, toMs],
      );
      return Number(rows[0]?.count ?? 0);
    },
    async prune(userId) {
      return client.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string; dedupe_key: string; live_sources: number | string }>(
          `SELECT i.id, i.dedupe_key, (SELECT COUNT(*) FROM inbox_sources s WHERE s.user_id = i.user_id
             AND s.item_id = i.id) AS live_sources FROM inbox_items i WHERE i.user_id = $1 FOR UPDATE OF i`,
          [userId],
        );
        const ids = prunableInboxItemIds(
          rows.map((row) => ({
            id: row.id,
            dedupeKey: row.dedupe_key,
            liveSources: Number(row.live_sources),
          })),
        );
        if (ids.length === 0) return { removed: 0 };
        await tx.query('DELETE FROM inbox_sources WHERE user_id = $1 AND item_id = ANY($2::text[])', [
          userId,
          ids,
        ]);
        const { rowCount } = await tx.query(
          'DELETE FROM inbox_items WHERE user_id = $1 AND id = ANY($2::text[])',
          [userId, ids],
        );
        return { removed: rowCount };
      });
    },
    async removeAll(userId) {
      await client.transaction(async (tx) => {
        await tx.query('DELETE FROM inbox_sources WHERE user_id = $1', [userId]);
        await tx.query('DELETE FROM inbox_items WHERE user_id = $1', [userId]);
      });
    },
  };
}
