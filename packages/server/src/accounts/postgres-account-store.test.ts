import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeAccountStoreContract } from './account-store.contract.ts';
import { createPostgresAccountStore } from './postgres-account-store.ts';

describeAccountStoreContract(postgresLabel, async () => createPostgresAccountStore(await freshPostgres()));
