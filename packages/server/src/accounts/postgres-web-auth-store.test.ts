import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { createPostgresAccountStore } from './postgres-account-store.ts';
import { createPostgresWebAuthStore } from './postgres-web-auth-store.ts';
import { describeWebAuthStoreContract } from './web-auth-store.contract.ts';

describeWebAuthStoreContract(postgresLabel, async () => {
  const client = await freshPostgres();
  return { store: createPostgresWebAuthStore(client), accounts: createPostgresAccountStore(client) };
});
