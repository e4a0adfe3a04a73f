import { describe, expect, it } from 'vitest';
import { databaseWithUsers } from '../../test/support/database.ts';
import { createInMemoryPeopleStore, createSqlitePeopleStore, type PeopleStore } from './people-store.ts';

function contract(name: string, make: () => PeopleStore) {
  describe(`PeopleStore contract: ${name}`, () => {
    const person = (id: string, userId: string, name: string, aliases: string[] = []) => ({
      id,
      userId,
      name,
      aliases,
      optedOut: false,
      createdAt: 1,
      updatedAt: 1,
    });

    it('finds people by name or alias, per user', async () => {
      const store = make();
      await store.add(person('p1', 'alice', 'Samantha Reyes', ['Sam']));
      expect((await store.find('alice', 'sam'))?.id).toBe('p1');
      expect(await store.find('bob', 'Sam')).toBeNull();
      await expect(store.add(person('p2', 'alice', 'samantha reyes'))).rejects.toMatchObject({
        code: 'already_exists',
      });
    });

    it('records an opt-out and removes all of a user', async () => {
      const store = make();
      await store.add(person('p1', 'alice', 'Ana'));
      const updated = await store.update('alice', 'p1', { optedOut: true, aliases: ['Annie'], updatedAt: 2 });
      expect(updated).toMatchObject({ optedOut: true, aliases: ['Annie'], updatedAt: 2 });
      expect((await store.list('alice'))[0]?.optedOut).toBe(true);
      await expect(store.update('bob', 'p1', { updatedAt: 3 })).rejects.toMatchObject({ code: 'not_found' });
      expect(await store.removeAll('alice')).toBe(1);
      expect(await store.list('alice')).toEqual([]);
    });
  });
}

contract('SQLite', () => {
  const db = databaseWithUsers('alice', 'bob');
  return createSqlitePeopleStore(db);
});
contract('in-memory fake', () => createInMemoryPeopleStore());
