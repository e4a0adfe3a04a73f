import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import {
  createInMemoryNotificationStore,
  createNotifier,
  createSqliteNotificationStore,
  type NotificationStore,
} from './notifications.ts';

function contract(name: string, make: () => NotificationStore) {
  describe(`NotificationStore contract: ${name}`, () => {
    it('keeps notifications undelivered until marked, oldest first, per user', async () => {
      let id = 0;
      let now = 1_000;
      const notifier = createNotifier({
        store: make(),
        clock: { now: () => now++ },
        newId: () => `n${++id}`,
      });
      const first = await notifier.notify('u1', { title: 'Call Sam', body: 'about Friday' });
      await notifier.notify('u2', { title: 'Water the plants' });
      const third = await notifier.notify('u1', { title: 'Anniversary next week' });
      expect((await notifier.undelivered('u1')).map((n) => n.title)).toEqual([
        'Call Sam',
        'Anniversary next week',
      ]);
      expect((await notifier.undelivered()).length).toBe(3);
      await notifier.markDelivered([first.id]);
      expect((await notifier.undelivered('u1')).map((n) => n.id)).toEqual([third.id]);
      expect((await notifier.list('u1')).map((n) => n.id)).toEqual([third.id, first.id]);
      expect((await notifier.list('u1'))[1]?.deliveredAt).not.toBeNull();
    });

    it('refuses an empty or oversized title', async () => {
      const notifier = createNotifier({ store: make(), clock: { now: () => 1 }, newId: () => 'x' });
      await expect(notifier.notify('u1', { title: '   ' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(notifier.notify('u1', { title: 'x'.repeat(201) })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      expect(await notifier.undelivered()).toEqual([]);
    });
  });
}

contract('SQLite', () => {
  const db = databaseWithUsers('u1', 'u2');
  return createSqliteNotificationStore(db);
});
contract('in-memory fake', () => createInMemoryNotificationStore());
