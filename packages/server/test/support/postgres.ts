import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migratePostgres, type PostgresClient, pgliteClient, pgPoolClient } from '../../src/storage/index.ts';

/**
 * A real PostgreSQL server for the PostgreSQL adapters' tests (`.ci/run` installs PostgreSQL 15 and sets it), e.g.
 * `postgres://familiar:familiar@127.0.0.1:5432/familiar_test`; unset: PGlite, in process.
 */
const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

/** What the tests run against, for the suites' titles. */
export const postgresLabel = SERVER_URL ? 'PostgreSQL (server)' : 'PostgreSQL (PGlite)';

let shared: Promise<PostgresClient> | undefined;

/** A schema of its own per test file on the shared server, so files running in parallel never meet. */
async function serverClient(url: string): Promise<PostgresClient> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  const client = pgPoolClient(pool);
  await migratePostgres(client);
  return client;
}

/**
 * A migrated PostgreSQL database for the PostgreSQL adapters' tests: one per test file (PGlite, or a schema on the
 * server named by FAMILIAR_TEST_POSTGRES_URL), emptied before each use, with the given users (id = name, UTC).
 */
export async function freshPostgres(...userIds: string[]): Promise<PostgresClient> {
  shared ??= SERVER_URL
    ? serverClient(SERVER_URL)
    : (async () => {
        const client = pgliteClient(new PGlite());
        await migratePostgres(client);
        return client;
      })();
  const client = await shared;
  const tables = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'",
  );
  if (tables.rows.length > 0)
    await client.query(
      `TRUNCATE ${tables.rows.map((row) => `"${row.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`,
    );
  for (const id of userIds)
    await client.query('INSERT INTO users (id, name, timezone, created_at) VALUES ($1, $2, $3, $4)', [
      id,
      id,
      'UTC',
      0,
    ]);
  return client;
}
