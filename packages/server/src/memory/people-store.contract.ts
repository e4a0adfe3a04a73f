import { describe, expect, it } from 'vitest';
import type { PeopleStore } from './people-store.ts';

/** A fresh people store whose database (if any) knows the users `alice` and `bob`. */
export type PeopleStoreFactory = () => PeopleStore | Promise<PeopleStore>;

const person = (id: string, userId: string, name: string, aliases: string[] = []) => ({
  id,
  userId,
  name,
  aliases,
  optedOut: false,
  createdAt: 1,
  updatedAt: 1,
});

/** The behaviour every PeopleStore adapter must show; run it from each adapter's test file. */
export function describePeopleStoreContract(name: string, make: PeopleStoreFactory): void {
  describe(`PeopleStore contract: ${name}`, () => {
    it('finds people by name or alias, per user', async () => {
      const store = await make();
      await store.add(person('p1', 'alice', 'Samantha Reyes', ['Sam']));
      expect((await store.find('alice', 'sam'))?.id).toBe('p1');
      expect(await store.find('bob', 'Sam')).toBeNull();
      await expect(store.add(person('p2', 'alice', 'samantha reyes'))).rejects.toMatchObject({
        code: 'already_exists',
      });
    });

    it('records an opt-out and removes all of a user', async () => {
      const store = await make();
      await store.add(person('p1', 'alice', 'Ana'));
      const updated = await store.update('alice', 'p1', { optedOut: true, aliases: ['Annie'], updatedAt: 2 });
      expect(updated).toMatchObject({ optedOut: true, aliases: ['Annie'], updatedAt: 2 });
      expect((await store.list('alice'))[0]?.optedOut).toBe(true);
      await expect(store.update('bob', 'p1', { updatedAt: 3 })).rejects.toMatchObject({ code: 'not_found' });
      expect(await store.removeAll('alice')).toBe(1);
      expect(await store.list('alice')).toEqual([]);
    });

    it('keeps relationship and dates, lists by name, and refuses a rename onto another person', async () => {
      const store = await make();
      await store.add(person('p2', 'alice', 'Zoe'));
      await store.add(person('p1', 'alice', 'Ben'));
      await store.add(person('p3', 'bob', 'Carl'));
      const dates = [{ label: 'birthday', date: '03-14' }];
      await store.update('alice', 'p2', { relationship: 'sister', importantDates: dates, updatedAt: 5 });
      expect(await store.get('alice', 'p2')).toEqual({
        ...person('p2', 'alice', 'Zoe'),
        relationship: 'sister',
        importantDates: dates,
        lastSeenAt: null,
        lastHeardAt: null,
        lastMentionedAt: null,
        updatedAt: 5,
      });
      expect(await store.get('bob', 'p2')).toBeNull();
      expect((await store.list('alice')).map((p) => p.name)).toEqual(['Ben', 'Zoe']);
      await expect(store.update('alice', 'p1', { name: 'ZOE', updatedAt: 6 })).rejects.toMatchObject({
        code: 'already_exists',
      });
      expect((await store.get('alice', 'p1'))?.name).toBe('Ben');
      await store.update('alice', 'p2', { relationship: null, updatedAt: 7 });
      expect(await store.get('alice', 'p2')).toMatchObject({ relationship: null, importantDates: dates });
    });

    it('moves sightings forward only, one field at a time', async () => {
      const store = await make();
      await store.add(person('p1', 'alice', 'Ana'));
      await store.touch('alice', 'p1', { seenAt: 100 });
      await store.touch('alice', 'p1', { seenAt: 50, heardAt: 70 });
      await store.touch('alice', 'p1', { mentionedAt: 30 });
      await store.touch('bob', 'p1', { seenAt: 999 });
      expect(await store.get('alice', 'p1')).toMatchObject({
        lastSeenAt: 100,
        lastHeardAt: 70,
        lastMentionedAt: 30,
      });
    });

    it('removes one person of its user only', async () => {
      const store = await make();
      await store.add(person('p1', 'alice', 'Ana'));
      await expect(store.remove('bob', 'p1')).rejects.toMatchObject({ code: 'not_found' });
      await store.remove('alice', 'p1');
      expect(await store.get('alice', 'p1')).toBeNull();
      await expect(store.remove('alice', 'p1')).rejects.toMatchObject({ code: 'not_found' });
    });
  });
}
