import type { Clock, IdGenerator } from '../kernel/index.ts';
import { ValidationError } from '../kernel/index.ts';
import type { SqliteDatabase } from '../storage/index.ts';

/** A message for the person, shown on their devices. */
export interface Notification {
  id: string;
  userId: string;
  title: string;
  body: string;
  createdAt: number;
  deliveredAt: number | null;
}

/** A notification and the devices, of those asked about, that have not received it yet. */
export interface PendingDelivery {
  notification: Notification;
  /** In the order they were asked about. */
  deviceIds: string[];
}

/** That one device received one notification. */
export interface DeliveryEntry {
  notificationId: string;
  deviceId: string;
}

/** Notifications waiting for a device, and a record of when each was delivered, and to which devices. */
export interface NotificationStore {
  add(notification: Notification): Promise<void>;
  /** Undelivered notifications, oldest first (all users, or one): those no device has received yet. */
  undelivered(userId?: string): Promise<Notification[]>;
  markDelivered(ids: readonly string[], at: number): Promise<void>;
  /**
   * The user's notifications created at or after `sinceMs` that some of `deviceIds` have not received yet, oldest
   * first (time, then id in code-point order), each with those devices.
   */
  undeliveredTo(userId: string, deviceIds: readonly string[], sinceMs: number): Promise<PendingDelivery[]>;
  /**
   * Records that each device received each notification (again is no change), and sets a notification's
   * `deliveredAt` to `at` where it was not delivered before. Entries for unknown notifications are ignored.
   */
  markDeliveredTo(userId: string, entries: readonly DeliveryEntry[], at: number): Promise<void>;
  list(userId: string, limit: number): Promise<Notification[]>;
}

/** The pending deliveries from (notification, device) pairs, each notification once, devices in `deviceIds` order. */
export function groupPendingDeliveries(
  pairs: Iterable<{ notification: Notification; deviceId: string }>,
  deviceIds: readonly string[],
): PendingDelivery[] {
  const order = new Map(deviceIds.map((id, index) => [id, index]));
  const grouped = new Map<string, PendingDelivery>();
  for (const { notification, deviceId } of pairs) {
    const entry = grouped.get(notification.id);
    if (entry) {
      if (!entry.deviceIds.includes(deviceId)) entry.deviceIds.push(deviceId);
    } else grouped.set(notification.id, { notification, deviceIds: [deviceId] });
  }
  for (const entry of grouped.values())
    entry.deviceIds.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return [...grouped.values()];
}

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

/** Notifications in SQLite, so the CLI and later the proactive triggers can queue them for the server to push. */
export function createSqliteNotificationStore(db: SqliteDatabase): NotificationStore {
  return {
    async add(n) {
      db.prepare(
        'INSERT INTO notifications (id, user_id, title, body, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(n.id, n.userId, n.title, n.body, n.createdAt, n.deliveredAt);
    },
    async undelivered(userId) {
      const rows = userId
        ? db
            .prepare<[string], Row>(
              'SELECT * FROM notifications WHERE delivered_at IS NULL AND user_id = ? ORDER BY created_at, id',
            )
            .all(userId)
        : db
            .prepare<[], Row>(
              'SELECT * FROM notifications WHERE delivered_at IS NULL ORDER BY created_at, id',
            )
            .all();
      return rows.map(toNotification);
    },
    async markDelivered(ids, at) {
      if (ids.length === 0) return;
      db.prepare(
        'UPDATE notifications SET delivered_at = ? WHERE id IN (SELECT value FROM json_each(?))',
      ).run(at, JSON.stringify(ids));
    },
    async undeliveredTo(userId, deviceIds, sinceMs) {
      const wanted = [...new Set(deviceIds)];
      if (wanted.length === 0) return [];
      const rows = db
        .prepare<[string, string, number], Row & { device_id: string }>(
          `SELECT n.*, d.value AS device_id
           FROM notifications n, json_each(?) d
           WHERE n.user_id = ? AND n.created_at >= ?
             AND NOT EXISTS (
               SELECT 1 FROM notification_deliveries x
               WHERE x.user_id = n.user_id AND x.notification_id = n.id AND x.device_id = d.value
             )
           ORDER BY n.created_at, n.id`,
        )
        .all(JSON.stringify(wanted), userId, sinceMs);
      return groupPendingDeliveries(
        rows.map((row) => ({ notification: toNotification(row), deviceId: row.device_id })),
        wanted,
      );
    },
    async markDeliveredTo(userId, entries, at) {
      if (entries.length === 0) return;
      const list = JSON.stringify(entries.map((e) => [e.notificationId, e.deviceId]));
      db.transaction(() => {
        db.prepare(
          `INSERT INTO notification_deliveries (user_id, notification_id, device_id, delivered_at)
           SELECT n.user_id, n.id, json_extract(e.value, '$[1]'), ?
           FROM json_each(?) e JOIN notifications n ON n.id = json_extract(e.value, '$[0]') AND n.user_id = ?
           WHERE true
           ON CONFLICT DO NOTHING`,
        ).run(at, list, userId);
        db.prepare(
          `UPDATE notifications SET delivered_at = ?
           WHERE user_id = ? AND delivered_at IS NULL AND id IN (SELECT json_extract(e.value, '$[0]') FROM json_each(?) e)`,
        ).run(at, userId, list);
      })();
    },
    async list(userId, limit) {
      return db
        .prepare<[string, number], Row>(
          'SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
        )
        .all(userId, limit)
        .map(toNotification);
    },
  };
}

/** Queues a notification for a user's devices; delivered when one of them is connected. */
export function createNotifier(deps: { store: NotificationStore; clock: Clock; newId: IdGenerator }) {
  const { store, clock, newId } = deps;
  return {
    async notify(userId: string, input: { title: string; body?: string }): Promise<Notification> {
      const title = input.title.trim();
      if (!title || title.length > 200)
        throw new ValidationError('a notification needs a title of 1-200 characters');
      const body = (input.body ?? '').trim();
      if (body.length > 2000) throw new ValidationError('a notification body has at most 2000 characters');
      const notification = { id: newId(), userId, title, body, createdAt: clock.now(), deliveredAt: null };
      await store.add(notification);
      return notification;
    },
    undelivered: (userId?: string) => store.undelivered(userId),
    markDelivered: (ids: readonly string[]) => store.markDelivered(ids, clock.now()),
    undeliveredTo: (userId: string, deviceIds: readonly string[], sinceMs: number) =>
      store.undeliveredTo(userId, deviceIds, sinceMs),
    markDeliveredTo: (userId: string, entries: readonly DeliveryEntry[]) =>
      store.markDeliveredTo(userId, entries, clock.now()),
    list: (userId: string, limit = 50) => store.list(userId, limit),
  };
}

/** The notifier's type. */
export type Notifier = ReturnType<typeof createNotifier>;

/** The in-memory fake of the notification store. */
export function createInMemoryNotificationStore(): NotificationStore {
  const notifications = new Map<string, Notification>();
  /** `notificationId`, NUL, `deviceId` of each delivery. */
  const deliveries = new Set<string>();
  const deliveryKey = (notificationId: string, deviceId: string) => `${notificationId}\u0000${deviceId}`;
  const ordered = (list: Notification[]) =>
    list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    async add(notification) {
      notifications.set(notification.id, { ...notification });
    },
    async undelivered(userId) {
      return ordered(
        [...notifications.values()].filter((n) => n.deliveredAt === null && (!userId || n.userId === userId)),
      ).map((n) => ({ ...n }));
    },
    async markDelivered(ids, at) {
      for (const id of ids) {
        const found = notifications.get(id);
        if (found) found.deliveredAt = at;
      }
    },
    async undeliveredTo(userId, deviceIds, sinceMs) {
      const wanted = [...new Set(deviceIds)];
      const pending = ordered(
        [...notifications.values()].filter((n) => n.userId === userId && n.createdAt >= sinceMs),
      ).flatMap((n) =>
        wanted
          .filter((deviceId) => !deliveries.has(deliveryKey(n.id, deviceId)))
          .map((deviceId) => ({ notification: { ...n }, deviceId })),
      );
      return groupPendingDeliveries(pending, wanted);
    },
    async markDeliveredTo(userId, entries, at) {
      for (const { notificationId, deviceId } of entries) {
        const found = notifications.get(notificationId);
        if (!found || found.userId !== userId) continue;
        deliveries.add(deliveryKey(notificationId, deviceId));
        if (found.deliveredAt === null) found.deliveredAt = at;
      }
    },
    async list(userId, limit) {
      return ordered([...notifications.values()].filter((n) => n.userId === userId))
        .reverse()
        .slice(0, limit)
        .map((n) => ({ ...n }));
    },
  };
}
