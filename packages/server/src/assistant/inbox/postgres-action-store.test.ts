import { freshPostgres, postgresLabel } from '../../../test/support/postgres.ts';
import { describeActionStoreContract } from './action-store.contract.ts';
import { createPostgresActionStore } from './postgres-action-store.ts';

// The second handle is a second store over the same database: PGlite is one connection, so its transactions run
// one after another; the compare-and-set is what makes the race safe on a server with many connections.
describeActionStoreContract(postgresLabel, async (clock) => {
  const client = await freshPostgres('alice', 'bob');
  return {
    actions: createPostgresActionStore(client, { clock }),
    other: createPostgresActionStore(client, { clock }),
  };
});
