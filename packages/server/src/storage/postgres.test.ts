import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { migrations } from './migrations.ts';
import { migratePostgres, pgliteClient } from './postgres.ts';

describe('PostgreSQL client and migrations (on PGlite)', () => {
  it('applies every migration once, the second time nothing, and a failing one not at all', async () => {
    const client = pgliteClient(new PGlite());
    expect(await migratePostgres(client)).toEqual(migrations.map((m) => m.version));
    expect(await migratePostgres(client)).toEqual([]);
    const broken = {
      version: 99,
      name: 'broken',
      statements: () => ['CREATE TABLE half_done (x INTEGER)', 'THIS IS NOT SQL'],
    };
    await expect(migratePostgres(client, [...migrations, broken])).rejects.toThrow();
    const left = await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
    expect(left.rows).toEqual([]);
    expect((await client.query('SELECT 1 FROM schema_migrations WHERE version = 99')).rows).toEqual([]);
    await client.close();
  }, 60_000);

  it('returns BIGINTs as numbers and JSONB parsed, commits a transaction, rolls back a failed one', async () => {
    const client = pgliteClient(new PGlite());
    await client.query('CREATE TABLE t (at BIGINT, doc JSONB)');
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', [1_764_385_260_000, JSON.stringify({ a: 1 })]);
      // A nested transaction joins the outer one.
      await tx.transaction((inner) => inner.query('INSERT INTO t VALUES ($1, $2)', [2, null]));
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [3, null]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const rows = await client.query<{ at: number; doc: unknown }>('SELECT * FROM t ORDER BY at');
    expect(rows.rows).toEqual([
      { at: 2, doc: null },
      { at: 1_764_385_260_000, doc: { a: 1 } },
    ]);
    const updated = await client.query('UPDATE t SET doc = NULL');
    expect(updated.rowCount).toBe(2);
    await client.close();
  }, 60_000);
});
