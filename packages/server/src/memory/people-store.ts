import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';
import { parseJsonColumn, type SqliteDatabase } from '../storage/index.ts';
import type { ImportantDate, NewPerson, Person } from './types.ts';

/** Changes to a person's record (the person's corrections, or what memory learned). */
export interface PersonChanges {
  name?: string;
  aliases?: string[];
  optedOut?: boolean;
  relationship?: string | null;
  importantDates?: ImportantDate[];
  updatedAt: number;
}

/** When a person last came up; a time only moves a field forward. */
export interface PersonSightings {
  seenAt?: number;
  heardAt?: number;
  mentionedAt?: number;
}

/** The people a user knows, by name and aliases, with their opt-out choice, relationship and dates. */
export interface PeopleStore {
  add(person: NewPerson): Promise<Person>;
  list(userId: string): Promise<Person[]>;
  get(userId: string, id: string): Promise<Person | null>;
  /** Finds a person by name or alias, case-insensitively. */
  find(userId: string, nameOrAlias: string): Promise<Person | null>;
  update(userId: string, id: string, changes: PersonChanges): Promise<Person>;
  /** Moves the last seen/heard/mentioned times forward (never back). */
  touch(userId: string, id: string, sightings: PersonSightings): Promise<void>;
  /** Removes one person; their voiceprints go with them (foreign key). */
  remove(userId: string, id: string): Promise<void>;
  /** Removes every person of the user; returns how many. */
  removeAll(userId: string): Promise<number>;
}

const completePerson = (person: NewPerson): Person => ({
  ...person,
  relationship: person.relationship ?? null,
  importantDates: person.importantDates ?? [],
  lastSeenAt: person.lastSeenAt ?? null,
  lastHeardAt: person.lastHeardAt ?? null,
  lastMentionedAt: person.lastMentionedAt ?? null,
});

const applyChanges = (current: Person, changes: PersonChanges): Person => ({
  ...current,
  name: changes.name?.trim() || current.name,
  aliases: changes.aliases ?? current.aliases,
  optedOut: changes.optedOut ?? current.optedOut,
  relationship: changes.relationship === undefined ? current.relationship : changes.relationship,
  importantDates: changes.importantDates ?? current.importantDates,
  updatedAt: changes.updatedAt,
});

const later = (current: number | null, next: number | undefined): number | null =>
  next === undefined ? current : Math.max(current ?? Number.MIN_SAFE_INTEGER, next);

interface PersonRow {
  id: string;
  user_id: string;
  name: string;
  aliases: string;
  opted_out: number;
  relationship: string | null;
  important_dates: string | null;
  last_seen_at: number | null;
  last_heard_at: number | null;
  last_mentioned_at: number | null;
  created_at: number;
  updated_at: number;
}

const AliasesSchema = z.array(z.string());
const ImportantDatesSchema = z.array(z.object({ label: z.string(), date: z.string() }));

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    aliases: parseJsonColumn(AliasesSchema, row.aliases, `person ${row.id}`) ?? [],
    optedOut: row.opted_out === 1,
    relationship: row.relationship,
    importantDates: parseJsonColumn(ImportantDatesSchema, row.important_dates, `person ${row.id}`) ?? [],
    lastSeenAt: row.last_seen_at,
    lastHeardAt: row.last_heard_at,
    lastMentionedAt: row.last_mentioned_at,
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
    async add(input) {
      const person = completePerson(input);
      try {
        db.prepare(
          `INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, relationship, important_dates, last_seen_at,
             last_heard_at, last_mentioned_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          person.id,
          person.userId,
          person.name,
          person.name.trim().toLowerCase(),
          JSON.stringify(person.aliases),
          person.optedOut ? 1 : 0,
          person.relationship,
          JSON.stringify(person.importantDates),
          person.lastSeenAt,
          person.lastHeardAt,
          person.lastMentionedAt,
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
    async get(userId, id) {
      const row = byId.get(userId, id);
      return row ? toPerson(row) : null;
    },
    async update(userId, id, changes) {
      const row = byId.get(userId, id);
      if (!row) throw new FamiliarError('not_found', `person ${id} was not found`);
      const next = applyChanges(toPerson(row), changes);
      try {
        db.prepare(
          `UPDATE people SET name = ?, name_key = ?, aliases = ?, opted_out = ?, relationship = ?, important_dates = ?,
             updated_at = ? WHERE user_id = ? AND id = ?`,
        ).run(
          next.name,
          next.name.trim().toLowerCase(),
          JSON.stringify(next.aliases),
          next.optedOut ? 1 : 0,
          next.relationship,
          JSON.stringify(next.importantDates),
          next.updatedAt,
          userId,
          id,
        );
      } catch (cause) {
        if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new FamiliarError('already_exists', `a person named "${next.name}" already exists`, {
            cause,
          });
        }
        throw cause;
      }
      return next;
    },
    async touch(userId, id, sightings) {
      db.prepare(
        `UPDATE people SET
           last_seen_at = CASE WHEN ? IS NULL THEN last_seen_at ELSE max(coalesce(last_seen_at, ?), ?) END,
           last_heard_at = CASE WHEN ? IS NULL THEN last_heard_at ELSE max(coalesce(last_heard_at, ?), ?) END,
           last_mentioned_at = CASE WHEN ? IS NULL THEN last_mentioned_at ELSE max(coalesce(last_mentioned_at, ?), ?) END
         WHERE user_id = ? AND id = ?`,
      ).run(
        ...[sightings.seenAt, sightings.heardAt, sightings.mentionedAt].flatMap((at) => [
          at ?? null,
          at ?? null,
          at ?? null,
        ]),
        userId,
        id,
      );
    },
    async remove(userId, id) {
      if (db.prepare('DELETE FROM people WHERE user_id = ? AND id = ?').run(userId, id).changes === 0)
        throw new FamiliarError('not_found', `person ${id} was not found`);
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
    async add(input) {
      const person = completePerson(input);
      const clash = [...people.values()].some(
        (p) => p.userId === person.userId && p.name.toLowerCase() === person.name.toLowerCase(),
      );
      if (clash) throw new FamiliarError('already_exists', `a person named "${person.name}" already exists`);
      people.set(person.id, { ...person });
      return { ...person };
    },
    async list(userId) {
      return [...people.values()]
        .filter((p) => p.userId === userId)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async find(userId, nameOrAlias) {
      return [...people.values()].find((p) => p.userId === userId && matches(p, nameOrAlias)) ?? null;
    },
    async get(userId, id) {
      const person = people.get(id);
      return person && person.userId === userId ? { ...person } : null;
    },
    async update(userId, id, changes) {
      const current = people.get(id);
      if (!current || current.userId !== userId)
        throw new FamiliarError('not_found', `person ${id} was not found`);
      const next = applyChanges(current, changes);
      const clash = [...people.values()].some(
        (p) => p.userId === userId && p.id !== id && p.name.toLowerCase() === next.name.toLowerCase(),
      );
      if (clash) throw new FamiliarError('already_exists', `a person named "${next.name}" already exists`);
      people.set(id, next);
      return next;
    },
    async touch(userId, id, sightings) {
      const current = people.get(id);
      if (!current || current.userId !== userId) return;
      people.set(id, {
        ...current,
        lastSeenAt: later(current.lastSeenAt, sightings.seenAt),
        lastHeardAt: later(current.lastHeardAt, sightings.heardAt),
        lastMentionedAt: later(current.lastMentionedAt, sightings.mentionedAt),
      });
    },
    async remove(userId, id) {
      const current = people.get(id);
      if (!current || current.userId !== userId)
        throw new FamiliarError('not_found', `person ${id} was not found`);
      people.delete(id);
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
