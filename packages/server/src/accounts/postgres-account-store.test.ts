import { freshPostgres } from '../../test/support/postgres.ts';
import { describeAccountStoreContract } from './account-store.contract.ts';
import { createPostgresAccountStore } from './postgres-account-store.ts';

describeAccountStoreContract('PostgreSQL (PGlite)', async () =>
  createPostgresAccountStore(await freshPostgres()),
);
