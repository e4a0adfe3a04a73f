import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { postgresDialect, sqliteDialect } from './dialect.ts';
import { migrations } from './migrations.ts';
import { migrate, openSqliteDatabase } from './sqlite-database.ts';

describe('migrations', () => {
  it('are numbered 1, 2, 3… without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('apply once on SQLite and are a no-op the second time', () => {
    const db = openSqliteDatabase(':memory:');
    expect(migrate(db, migrations)).toEqual([]);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'users',
        'devices',
        'people',
        'blobs',
        'captures',
        'observations',
        'observations_fts',
        'jobs',
        'audit_events',
      ]),
    );
  });

  it('roll back a failing migration whole', () => {
    const db = openSqliteDatabase(':memory:');
    const broken = {
      version: 99,
      name: 'broken',
      statements: () => ['CREATE TABLE half_done (x INTEGER)', 'THIS IS NOT SQL'],
    };
    expect(() => migrate(db, [...migrations, broken])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(db.prepare('SELECT version FROM schema_migrations WHERE version = 99').get()).toBeUndefined();
  });

  it('render the same schema for PostgreSQL (checked on PGlite): full-text search and an append-only audit log', async () => {
    const pg = new PGlite();
    for (const migration of migrations) {
      for (const statement of migration.statements(postgresDialect)) await pg.exec(statement);
    }
    await pg.query('INSERT INTO users (id, name, timezone, created_at) VALUES ($1, $2, $3, $4)', [
      'u1',
      'ada',
      'UTC',
      0,
    ]);
    await pg.query(
      `INSERT INTO observations (user_id, id, modality, captured_at, received_at, text, trust, content_hash)
       VALUES ('u1', 'o1', 'note', 1, 1, 'Sam said the deadlines moved to Friday', 'authored', 'h')`,
    );
    const hits = await pg.query<{ id: string }>(
      "SELECT id FROM observations WHERE text_search @@ plainto_tsquery('english', 'deadline') AND user_id = 'u1'",
    );
    expect(hits.rows).toEqual([{ id: 'o1' }]);
    await pg.query("INSERT INTO audit_events (user_id, at, actor, action) VALUES ('u1', 1, 'cli', 'export')");
    await expect(pg.query("UPDATE audit_events SET action = 'nothing'")).rejects.toThrow(/append-only/);
    await expect(pg.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    await pg.close();
    expect(sqliteDialect.name).toBe('sqlite');
  }, 60_000);
});
