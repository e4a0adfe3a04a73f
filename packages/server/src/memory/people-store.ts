import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../storage/index.ts';
import type { Person } from './types.ts';

/** The people a user knows, by name and aliases, with their opt-out choice; later issues extend it. */
export interface PeopleStore {
  add(person: Person): Promise<Person>;
  list(userId: string): Promise<Person[]>;
  /** Finds a person by name or alias, case-insensitively. */
  find(userId: string, nameOrAlias: string): Promise<Person | null>;
  update(
    userId: string,
    id: string,
    changes: { aliases?: string[]; optedOut?: boolean; updatedAt: number },
  ): Promise<Person>;
  /** Removes every person of the user; returns how many. */
  removeAll(userId: string): Promise<number>;
}

interface PersonRow {
  id: string;
  user_id: string;
  name: string;
  aliases: string;
  opted_out: number;
  created_at: number;
  updated_at: number;
}

const AliasesSchema = z.array(z.string());

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    aliases: parseJsonColumn(AliasesSchema, row.aliases, `person ${row.id}`) ?? [],
    optedOut: row.opted_out === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function matches(person: Person, nameOrAlias: string): boolean {
  const wanted = nameOrAlias.trim().toLowerCase();
  return (
    person.name.toLowerCase() === wanted || person.aliases.some((alias) => alias.toLowerCase() === wanted)
  );
}

/** People in SQLite. */
export function createSqlitePeopleStore(db: SqliteDatabase): PeopleStore {
  const list = db.prepare<[string], PersonRow>('SELECT * FROM people WHERE user_id = ? ORDER BY name');
  const byId = db.prepare<[string, string], PersonRow>('SELECT * FROM people WHERE user_id = ? AND id = ?');
  return {
    async add(person) {
      try {
        db.prepare(
          'INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          person.id,
          person.userId,
          person.name,
          person.name.trim().toLowerCase(),
          JSON.stringify(person.aliases),
          person.optedOut ? 1 : 0,
          person.createdAt,
          person.updatedAt,
        );
      } catch (cause) {
        if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new FamiliarError('already_exists', `a person named "${person.name}" already exists`, {
            cause,
          });
        }
        throw cause;
      }
      return person;
    },
    async list(userId) {
      return list.all(userId).map(toPerson);
    },
    async find(userId, nameOrAlias) {
      return (
        list
          .all(userId)
          .map(toPerson)
          .find((person) => matches(person, nameOrAlias)) ?? null
      );
    },
    async update(userId, id, changes) {
      const row = byId.get(userId, id);
      if (!row) throw new FamiliarError('not_found', `person ${id} was not found`);
      const current = toPerson(row);
      const next = {
        ...current,
        aliases: changes.aliases ?? current.aliases,
        optedOut: changes.optedOut ?? current.optedOut,
        updatedAt: changes.updatedAt,
      };
      db.prepare(
        'UPDATE people SET aliases = ?, opted_out = ?, updated_at = ? WHERE user_id = ? AND id = ?',
      ).run(JSON.stringify(next.aliases), next.optedOut ? 1 : 0, next.updatedAt, userId, id);
      return next;
    },
    async removeAll(userId) {
      return db.prepare('DELETE FROM people WHERE user_id = ?').run(userId).changes;
    },
  };
}

/** The in-memory fake of the people registry. */
export function createInMemoryPeopleStore(): PeopleStore {
  const people = new Map<string, Person>();
  return {
    async add(person) {
      const clash = [...people.values()].some(
        (p) => p.userId === person.userId && p.name.toLowerCase() === person.name.toLowerCase(),
      );
      if (clash) throw new FamiliarError('already_exists', `a person named "${person.name}" already exists`);
      people.set(person.id, { ...person });
      return person;
    },
    async list(userId) {
      return [...people.values()]
        .filter((p) => p.userId === userId)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async find(userId, nameOrAlias) {
      return [...people.values()].find((p) => p.userId === userId && matches(p, nameOrAlias)) ?? null;
    },
    async update(userId, id, changes) {
      const current = people.get(id);
      if (!current || current.userId !== userId)
        throw new FamiliarError('not_found', `person ${id} was not found`);
      const next = {
        ...current,
        aliases: changes.aliases ?? current.aliases,
        optedOut: changes.optedOut ?? current.optedOut,
        updatedAt: changes.updatedAt,
      };
      people.set(id, next);
      return next;
    },
    async removeAll(userId) {
      let removed = 0;
      for (const [id, person] of people) {
        if (person.userId === userId) {
          people.delete(id);
          removed += 1;
        }
      }
      return removed;
    },
  };
}
