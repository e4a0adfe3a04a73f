import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describePeopleStoreContract } from './people-store.contract.ts';
import { createPostgresPeopleStore } from './postgres-people-store.ts';

describePeopleStoreContract(postgresLabel, async () =>
  createPostgresPeopleStore(await freshPostgres('alice', 'bob')),
);
