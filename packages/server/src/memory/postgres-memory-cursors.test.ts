import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeMemoryCursorsContract } from './memory-cursors.contract.ts';
import { createPostgresMemoryCursors } from './postgres-memory-cursors.ts';

describeMemoryCursorsContract(postgresLabel, async () =>
  createPostgresMemoryCursors(await freshPostgres('alice', 'bob')),
);
