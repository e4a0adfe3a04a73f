import { z } from 'zod';
import { FamiliarError } from '../kernel/index.ts';
import type { PostgresClient } from '../storage/index.ts';
import type { PeopleStore } from './people-store.ts';
import type { ImportantDate, Person } from './types.ts';

interface PersonRow {
  id: string;
  user_id: string;
  name: string;
  aliases: unknown;
  opted_out: boolean;
  relationship: string | null;
  important_dates: unknown;
  last_seen_at: number | null;
  last_heard_at: number | null;
  last_mentioned_at: number | null;
  created_at: number;
  updated_at: number;
}

const AliasesSchema = z.array(z.string());
const ImportantDatesSchema = z.array(z.object({ label: z.string(), date: z.string() }));

/** Reads a JSONB value back through its schema, so a damaged row is an error and never a wrong value. */
function parseJsonb<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> | null {
  if (value === null || value === undefined) return null;
  const result = schema.safeParse(value);
  if (!result.success)
    throw new FamiliarError('storage_failed', `stored JSON in ${where} does not match its schema`);
  return result.data;
}

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    aliases: parseJsonb(AliasesSchema, row.aliases, `person ${row.id}`) ?? [],
    optedOut: row.opted_out,
    relationship: row.relationship,
    importantDates:
      (parseJsonb(ImportantDatesSchema, row.important_dates, `person ${row.id}`) as ImportantDate[] | null) ??
      [],
    lastSeenAt: row.last_seen_at,
    lastHeardAt: row.last_heard_at,
    lastMentionedAt: row.last_mentioned_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const isUniqueViolation = (cause: unknown): boolean => (cause as { code?: unknown })?.code === '23505';

const matches = (person: Person, nameOrAlias: string): boolean => {
  const wanted = nameOrAlias.trim().toLowerCase();
  return (
    person.name.toLowerCase() === wanted || person.aliases.some((alias) => alias.toLowerCase() === wanted)
  );
};

/**
 * People in PostgreSQL (table `people`, the same rows as SQLite's: aliases and dates as JSONB). Names sort
 * byte-wise (`COLLATE "C"`), as SQLite sorts them, whatever the database's locale.
 */
export function createPostgresPeopleStore(client: PostgresClient): PeopleStore {
  const listRows = async (userId: string) =>
    (
      await client.query<PersonRow>('SELECT * FROM people WHERE user_id = $1 ORDER BY name COLLATE "C", id', [
        userId,
      ])
    ).rows.map(toPerson);
  const byId = async (userId: string, id: string) =>
    (await client.query<PersonRow>('SELECT * FROM people WHERE user_id = $1 AND id = $2', [userId, id]))
      .rows[0];
  return {
    async add(input) {
      const person: Person = {
        ...input,
        relationship: input.relationship ?? null,
        importantDates: input.importantDates ?? [],
        lastSeenAt: input.lastSeenAt ?? null,
        lastHeardAt: input.lastHeardAt ?? null,
        lastMentionedAt: input.lastMentionedAt ?? null,
      };
      try {
        await client.query(
          `INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, relationship, important_dates, last_seen_at,
             last_heard_at, last_mentioned_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb, $9, $10, $11, $12, $13)`,
          [
            person.id,
            person.userId,
            person.name,
            person.name.trim().toLowerCase(),
            JSON.stringify(person.aliases),
            person.optedOut,
            person.relationship,
            JSON.stringify(person.importantDates),
            person.lastSeenAt,
            person.lastHeardAt,
            person.lastMentionedAt,
            person.createdAt,
            person.updatedAt,
          ],
        );
      } catch (cause) {
        if (isUniqueViolation(cause))
          throw new FamiliarError('already_exists', `a person named "${person.name}" already exists`, {
            cause,
          });
        throw cause;
      }
      return person;
    },
    list: listRows,
    async find(userId, nameOrAlias) {
      return (await listRows(userId)).find((person) => matches(person, nameOrAlias)) ?? null;
    },
    async get(userId, id) {
      const row = await byId(userId, id);
      return row ? toPerson(row) : null;
    },
    async update(userId, id, changes) {
      const row = await byId(userId, id);
      if (!row) throw new FamiliarError('not_found', `person ${id} was not found`);
      const current = toPerson(row);
      const next: Person = {
        ...current,
        name: changes.name?.trim() || current.name,
        aliases: changes.aliases ?? current.aliases,
        optedOut: changes.optedOut ?? current.optedOut,
        relationship: changes.relationship === undefined ? current.relationship : changes.relationship,
        importantDates: changes.importantDates ?? current.importantDates,
        updatedAt: changes.updatedAt,
      };
      try {
        await client.query(
          `UPDATE people SET name = $1, name_key = $2, aliases = $3::jsonb, opted_out = $4, relationship = $5,
             important_dates = $6::jsonb, updated_at = $7 WHERE user_id = $8 AND id = $9`,
          [
            next.name,
            next.name.trim().toLowerCase(),
            JSON.stringify(next.aliases),
            next.optedOut,
            next.relationship,
            JSON.stringify(next.importantDates),
            next.updatedAt,
            userId,
            id,
          ],
        );
      } catch (cause) {
        if (isUniqueViolation(cause))
          throw new FamiliarError('already_exists', `a person named "${next.name}" already exists`, {
            cause,
          });
        throw cause;
      }
      return next;
    },
    async touch(userId, id, sightings) {
      await client.query(
        `UPDATE people SET
           last_seen_at = GREATEST(last_seen_at, $1::bigint),
           last_heard_at = GREATEST(last_heard_at, $2::bigint),
           last_mentioned_at = GREATEST(last_mentioned_at, $3::bigint)
         WHERE user_id = $4 AND id = $5`,
        [sightings.seenAt ?? null, sightings.heardAt ?? null, sightings.mentionedAt ?? null, userId, id],
      );
    },
    async remove(userId, id) {
      const result = await client.query('DELETE FROM people WHERE user_id = $1 AND id = $2', [userId, id]);
      if (result.rowCount === 0) throw new FamiliarError('not_found', `person ${id} was not found`);
    },
    async removeAll(userId) {
      return (await client.query('DELETE FROM people WHERE user_id = $1', [userId])).rowCount;
    },
  };
}
