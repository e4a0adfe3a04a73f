import { freshPostgres } from '../../test/support/postgres.ts';
import { describeMemoryCursorsContract } from './memory-cursors.contract.ts';
import { createPostgresMemoryCursors } from './postgres-memory-cursors.ts';

describeMemoryCursorsContract('PostgreSQL (PGlite)', async () =>
  createPostgresMemoryCursors(await freshPostgres('alice', 'bob')),
);
