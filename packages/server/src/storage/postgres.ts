import pg from 'pg';
import { FamiliarError } from '../kernel/index.ts';
import { postgresDialect } from './dialect.ts';
import { migrations as allMigrations, type Migration } from './migrations.ts';

/** What one statement returned: its rows, and how many rows it changed (0 for a SELECT). */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/**
 * The one thing Familiar's PostgreSQL adapters need from a database: parameterised queries (`$1`, `$2`, …) and
 * transactions. Two implementations: a `pg` connection pool (a real server) and PGlite (PostgreSQL compiled to
 * WebAssembly, in process: the tests run every PostgreSQL adapter against it). BIGINT columns come back as numbers
 * (epoch milliseconds and write positions stay far below 2^53), JSONB as parsed values and BYTEA as bytes.
 */
export interface PostgresClient {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: PostgresClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The parts of a PGlite instance the client uses (so the test-only dependency stays out of this module's types). */
export interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  transaction<T>(work: (tx: PgliteTransactionLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PGlite transaction handle. */
export interface PgliteTransactionLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}

/** A client over PGlite. Nested `transaction` calls join the outer transaction. */
export function pgliteClient(db: PgliteLike): PostgresClient {
  const over = (runner: PgliteTransactionLike, inTransaction: boolean): PostgresClient => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const result = await runner.query<T>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    transaction<T>(work: (tx: PostgresClient) => Promise<T>): Promise<T> {
      if (inTransaction) return work(over(runner, true));
      return db.transaction((tx) => work(over(tx, true)));
    },
    close: () => db.close(),
  });
  return over(db, false);
}

// BIGINT (int8) as a number rather than a string: every BIGINT Familiar stores is an epoch-ms time, a size or a
// write position, all far below 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A client over a `pg` pool (a PostgreSQL server). Nested `transaction` calls join the outer transaction. */
export function pgPoolClient(pool: pg.Pool): PostgresClient {
  const over = (runner: pg.Pool | pg.PoolClient, inTransaction: boolean): PostgresClient => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const result = await runner.query({ text: sql, values: [...params], types });
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async transaction<T>(work: (tx: PostgresClient) => Promise<T>): Promise<T> {
      if (inTransaction) return work(over(runner, true));
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await work(over(connection, true));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  });
  return over(pool, false);
}

/** The advisory lock key that serialises migrations when several servers start against one database. */
const MIGRATION_LOCK = 7_460_301;

/**
 * Applies the migrations the database lacks, each in its own transaction (a failed one changes nothing), holding a
 * transaction-scoped advisory lock so servers starting together never apply one twice.
 */
export async function migratePostgres(
  client: PostgresClient,
  migrations: readonly Migration[] = allMigrations,
  clock: () => number = Date.now,
): Promise<number[]> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const found = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (found.rows.length > 0) return false;
      for (const statement of migration.statements(postgresDialect)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        clock(),
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/**
 * Connects to the PostgreSQL server at `url` (`postgres://user:pass@host:5432/db`) and applies the migrations. The
 * error names the host and database, never the password.
 */
export async function openPostgresDatabase(
  url: string,
  options: { migrations?: readonly Migration[]; maxConnections?: number } = {},
): Promise<PostgresClient> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  pool.on('error', () => {
    // An idle connection that breaks is dropped by the pool; the next query opens a new one.
  });
  const client = pgPoolClient(pool);
  try {
    await migratePostgres(client, options.migrations);
  } catch (cause) {
    await pool.end().catch(() => {});
    let where = 'the PostgreSQL database';
    try {
      const parsed = new URL(url);
      where = `PostgreSQL at ${parsed.host}${parsed.pathname}`;
    } catch {
      // Not a URL: keep the generic wording (and never echo what might hold a password).
    }
    throw new FamiliarError('storage_failed', `cannot open ${where}: ${(cause as Error).message}`, { cause });
  }
  return client;
}
