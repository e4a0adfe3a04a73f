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
  });
}
