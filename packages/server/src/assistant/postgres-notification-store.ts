import type { PostgresClient } from '../storage/index.ts';
import type { Notification, NotificationStore } from './notifications.ts';

interface Row {
  id: string;
  user_id: string;
  title: string;
  body: string;
  created_at: number;
  delivered_at: number | null;
}

const toNotification = (row: Row): Notification => ({
  id: row.id,
  userId: row.user_id,
  title: row.title,
  body: row.body,
  createdAt: row.created_at,
  deliveredAt: row.delivered_at,
});

const COLUMNS = 'id, user_id, title, body, created_at, delivered_at';

/**
 * Notifications in PostgreSQL. Ids break ties in code-point order (`COLLATE "C"`), as SQLite orders them, whatever
 * the database's collation; `markDelivered` is one statement however many ids it names.
 */
export function createPostgresNotificationStore(client: PostgresClient): NotificationStore {
  return {
    async add(n) {
      await client.query(
        'INSERT INTO notifications (id, user_id, title, body, created_at, delivered_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [n.id, n.userId, n.title, n.body, n.createdAt, n.deliveredAt],
      );
    },
    async undelivered(userId) {
      const { rows } = userId
        ? await client.query<Row>(
            `SELECT ${COLUMNS} FROM notifications WHERE delivered_at IS NULL AND user_id = $1
             ORDER BY created_at, id COLLATE "C"`,
            [userId],
          )
        : await client.query<Row>(
            `SELECT ${COLUMNS} FROM notifications WHERE delivered_at IS NULL ORDER BY created_at, id COLLATE "C"`,
          );
      return rows.map(toNotification);
    },
    async markDelivered(ids, at) {
      if (ids.length === 0) return;
      await client.query('UPDATE notifications SET delivered_at = $1 WHERE id = ANY($2::text[])', [
        at,
        [...ids],
      ]);
    },
    async list(userId, limit) {
      // SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one, and reads NULL that way.
      const { rows } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1
         ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`,
        [userId, limit < 0 ? null : limit],
      );
      return rows.map(toNotification);
    },
  };
}
