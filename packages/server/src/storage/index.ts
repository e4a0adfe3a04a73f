export * from './dialect.ts';
export * from './json-column.ts';
export * from './migrations.ts';
export * from './postgres.ts';
export * from './sqlite-database.ts';
export * from './sqlite-encryption.ts';
