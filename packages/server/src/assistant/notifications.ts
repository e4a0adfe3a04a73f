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

/** Notifications waiting for a device, and a record of when each was delivered. */
export interface NotificationStore {
  add(notification: Notification): Promise<void>;
  /** Undelivered notifications, oldest first (all users, or one). */
  undelivered(userId?: string): Promise<Notification[]>;
  markDelivered(ids: readonly string[], at: number): Promise<void>;
  list(userId: string, limit: number): Promise<Notification[]>;
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
    list: (userId: string, limit = 50) => store.list(userId, limit),
  };
}

/** The notifier's type. */
export type Notifier = ReturnType<typeof createNotifier>;

/** The in-memory fake of the notification store. */
export function createInMemoryNotificationStore(): NotificationStore {
  const notifications = new Map<string, Notification>();
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
    async list(userId, limit) {
      return ordered([...notifications.values()].filter((n) => n.userId === userId))
        .reverse()
        .slice(0, limit)
        .map((n) => ({ ...n }));
    },
  };
}
