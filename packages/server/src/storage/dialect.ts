/** The SQL differences between the engines that Familiar's one set of migrations serves. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column type names. */
  readonly types: {
    text: string;
    integer: string;
    /** Epoch milliseconds and other 64-bit counts. */
    bigint: string;
    boolean: string;
    json: string;
    /** Raw bytes. */
    bytes: string;
    /** A double-precision float. */
    real: string;
  };
  /** An auto-incrementing 64-bit primary key column definition (without the column name). */
  readonly serialPrimaryKey: string;
  /** Boolean literals. */
  readonly false: string;
  /** Statements that add full-text search over `column` of `table`, kept in step with every write. */
  fullText(table: string, column: string, keyColumn: string): string[];
  /** Statements that make `table` append-only: updates and deletes fail. */
  appendOnly(table: string): string[];
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  types: {
    text: 'TEXT',
    integer: 'INTEGER',
    bigint: 'INTEGER',
    boolean: 'INTEGER',
    json: 'TEXT',
    bytes: 'BLOB',
    real: 'REAL',
  },
  serialPrimaryKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  false: '0',
  fullText(table, column, keyColumn) {
    const fts = `${table}_fts`;
    return [
      `CREATE VIRTUAL TABLE ${fts} USING fts5(${column}, content='${table}', content_rowid='${keyColumn}', tokenize='porter unicode61 remove_diacritics 2')`,
      `CREATE TRIGGER ${table}_fts_insert AFTER INSERT ON ${table} BEGIN
         INSERT INTO ${fts}(rowid, ${column}) VALUES (new.${keyColumn}, new.${column});
       END`,
      `CREATE TRIGGER ${table}_fts_delete AFTER DELETE ON ${table} BEGIN
         INSERT INTO ${fts}(${fts}, rowid, ${column}) VALUES ('delete', old.${keyColumn}, old.${column});
       END`,
      `CREATE TRIGGER ${table}_fts_update AFTER UPDATE OF ${column} ON ${table} BEGIN
         INSERT INTO ${fts}(${fts}, rowid, ${column}) VALUES ('delete', old.${keyColumn}, old.${column});
         INSERT INTO ${fts}(rowid, ${column}) VALUES (new.${keyColumn}, new.${column});
       END`,
    ];
  },
  appendOnly(table) {
    return [
      `CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
      `CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
    ];
  },
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  types: {
    text: 'TEXT',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    boolean: 'BOOLEAN',
    json: 'JSONB',
    bytes: 'BYTEA',
    real: 'DOUBLE PRECISION',
  },
  serialPrimaryKey: 'BIGSERIAL PRIMARY KEY',
  false: 'FALSE',
  fullText(table, column) {
    return [
      `ALTER TABLE ${table} ADD COLUMN ${column}_search tsvector GENERATED ALWAYS AS (to_tsvector('english', ${column})) STORED`,
      `CREATE INDEX ${table}_${column}_search_idx ON ${table} USING GIN (${column}_search)`,
    ];
  },
  appendOnly(table) {
    return [
      `CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${table} is append-only'; END $$`,
      `CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_append_only()`,
    ];
  },
};
