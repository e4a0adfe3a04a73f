import { describe, expect, it } from 'vitest';
import { createNotifier, type NotificationStore } from './notifications.ts';

/** What a contract run needs: a fresh, empty notification store, with the users `u1` and `u2` already known. */
export type NotificationStoreFactory = () => Promise<NotificationStore>;

/** The notification store's contract, through the notifier and then the store's own methods. */
export function describeNotificationStoreContract(name: string, make: NotificationStoreFactory): void {
  describe(`NotificationStore contract: ${name}`, () => {
    it('keeps notifications undelivered until marked, oldest first, per user', async () => {
      let id = 0;
      let now = 1_000;
      const notifier = createNotifier({
        store: await make(),
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
      const notifier = createNotifier({ store: await make(), clock: { now: () => 1 }, newId: () => 'x' });
      await expect(notifier.notify('u1', { title: '   ' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(notifier.notify('u1', { title: 'x'.repeat(201) })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      expect(await notifier.undelivered()).toEqual([]);
    });

    it('orders by time then id in code-point order, marks many at once and limits the list', async () => {
      const store = await make();
      const at = Date.parse('2026-03-02T10:00:00Z');
      const note = (id: string, userId: string, createdAt: number) => ({
        id,
        userId,
        title: `title ${id}`,
        body: '',
        createdAt,
        deliveredAt: null,
      });
      await store.add(note('b', 'u1', at));
      await store.add(note('B', 'u1', at));
      await store.add(note('a', 'u2', at));
      await store.add(note('_', 'u1', at - 1));
      await store.add({ ...note('done', 'u1', at - 2), deliveredAt: at - 1 });
      expect((await store.undelivered()).map((n) => n.id)).toEqual(['_', 'B', 'a', 'b']);
      expect(await store.undelivered('u2')).toEqual([note('a', 'u2', at)]);
      expect((await store.list('u1', 10)).map((n) => n.id)).toEqual(['b', 'B', '_', 'done']);
      expect((await store.list('u1', 2)).map((n) => n.id)).toEqual(['b', 'B']);
      await store.markDelivered([], at + 1);
      await store.markDelivered(['b', '_', 'unknown'], at + 5);
      expect((await store.undelivered()).map((n) => n.id)).toEqual(['B', 'a']);
      expect((await store.list('u1', 10)).map((n) => n.deliveredAt)).toEqual([at + 5, null, at + 5, at - 1]);
    });

    it('delivers to each device once: per device, since a time, oldest first, idempotent', async () => {
      const store = await make();
      const at = Date.parse('2026-03-02T10:00:00Z');
      const note = (id: string, userId: string, createdAt: number) => ({
        id,
        userId,
        title: `title ${id}`,
        body: '',
        createdAt,
        deliveredAt: null,
      });
      await store.add(note('old', 'u1', at - 100));
      await store.add(note('b', 'u1', at));
      await store.add(note('B', 'u1', at));
      await store.add(note('c', 'u1', at + 10));
      await store.add(note('other', 'u2', at + 5));
      const pending = async (deviceIds: string[], since = at) =>
        (await store.undeliveredTo('u1', deviceIds, since)).map((p) => [p.notification.id, p.deviceIds]);

      expect(await store.undeliveredTo('u1', [], at)).toEqual([]);
      // Created at or after `since`, oldest first, ids in code-point order; devices in the order asked.
      expect(await pending(['d2', 'd1'])).toEqual([
        ['B', ['d2', 'd1']],
        ['b', ['d2', 'd1']],
        ['c', ['d2', 'd1']],
      ]);
      expect(await pending(['d1'], at - 100)).toEqual([
        ['old', ['d1']],
        ['B', ['d1']],
        ['b', ['d1']],
        ['c', ['d1']],
      ]);
      const [first] = await store.undeliveredTo('u1', ['d1'], at + 1);
      expect(first).toEqual({ notification: note('c', 'u1', at + 10), deviceIds: ['d1'] });

      // Delivered to d1 only: still waiting for d2; the first delivery time is kept on the notification.
      await store.markDeliveredTo('u1', [], at + 20);
      await store.markDeliveredTo(
        'u1',
        [
          { notificationId: 'b', deviceId: 'd1' },
          { notificationId: 'B', deviceId: 'd1' },
          { notificationId: 'unknown', deviceId: 'd1' },
          { notificationId: 'other', deviceId: 'd1' },
        ],
        at + 20,
      );
      expect(await pending(['d1', 'd2'])).toEqual([
        ['B', ['d2']],
        ['b', ['d2']],
        ['c', ['d1', 'd2']],
      ]);
      // Again, and to d2 later: no change for d1, and the first delivery time stays.
      await store.markDeliveredTo(
        'u1',
        [
          { notificationId: 'b', deviceId: 'd1' },
          { notificationId: 'b', deviceId: 'd2' },
          { notificationId: 'b', deviceId: 'd2' },
        ],
        at + 30,
      );
      expect(await pending(['d1', 'd2'])).toEqual([
        ['B', ['d2']],
        ['c', ['d1', 'd2']],
      ]);
      const byId = Object.fromEntries((await store.list('u1', 10)).map((n) => [n.id, n.deliveredAt]));
      expect(byId).toEqual({ old: null, b: at + 20, B: at + 20, c: null });
      // Another user's notification was not marked through u1, nor is it offered to u1's devices.
      expect((await store.list('u2', 10))[0]?.deliveredAt).toBeNull();
      expect((await store.undeliveredTo('u2', ['d1'], 0)).map((p) => p.notification.id)).toEqual(['other']);
      // Delivered to some device: no longer in the all-devices `undelivered`.
      expect((await store.undelivered('u1')).map((n) => n.id)).toEqual(['old', 'c']);
    });
  });
}
