import type { PostgresClient } from '../storage/index.ts';
import { groupPendingDeliveries, type Notification, type NotificationStore } from './notifications.ts';

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
 * the database's collation; `markDelivered` and `markDeliveredTo` are one statement however many ids they name.
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
    async undeliveredTo(userId, deviceIds, sinceMs) {
      const wanted = [...new Set(deviceIds)];
      if (wanted.length === 0) return [];
      const { rows } = await client.query<Row & { device_id: string }>(
        `SELECT n.id, n.user_id, n.title, n.body, n.created_at, n.delivered_at, d.device_id
         FROM notifications n CROSS JOIN unnest($2::text[]) AS d(device_id)
         WHERE n.user_id = $1 AND n.created_at >= $3
           AND NOT EXISTS (
             SELECT 1 FROM notification_deliveries x
             WHERE x.user_id = n.user_id AND x.notification_id = n.id AND x.device_id = d.device_id
           )
         ORDER BY n.created_at, n.id COLLATE "C"`,
        [userId, wanted, sinceMs],
      );
      return groupPendingDeliveries(
        rows.map((row) => ({ notification: toNotification(row), deviceId: row.device_id })),
        wanted,
      );
    },
    async markDeliveredTo(userId, entries, at) {
      if (entries.length === 0) return;
      const ids = entries.map((e) => e.notificationId);
      const devices = entries.map((e) => e.deviceId);
      // One statement: the deliveries, then the first delivery time of notifications not delivered before.
      await client.query(
        `WITH delivered AS (
           INSERT INTO notification_deliveries (user_id, notification_id, device_id, delivered_at)
           SELECT n.user_id, n.id, e.device_id, $4
           FROM unnest($2::text[], $3::text[]) AS e(notification_id, device_id)
           JOIN notifications n ON n.id = e.notification_id AND n.user_id = $1
           ON CONFLICT DO NOTHING
         )
         UPDATE notifications SET delivered_at = $4
         WHERE user_id = $1 AND delivered_at IS NULL AND id = ANY($2::text[])`,
        [userId, ids, devices, at],
      );
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
