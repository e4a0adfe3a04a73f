import { PGlite } from '@electric-sql/pglite';
import { migratePostgres, type PostgresClient, pgliteClient } from '../../src/storage/index.ts';

let shared: Promise<PostgresClient> | undefined;

/**
 * A migrated PostgreSQL database for the PostgreSQL adapters' tests: one PGlite per test file (a cold start takes
 * seconds), emptied before each use, with the given users (id = name, UTC) present.
 */
export async function freshPostgres(...userIds: string[]): Promise<PostgresClient> {
  shared ??= (async () => {
    const client = pgliteClient(new PGlite());
    await migratePostgres(client);
    return client;
  })();
  const client = await shared;
  const tables = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
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
