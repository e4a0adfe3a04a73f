import { openSqliteDatabase } from '../storage/index.ts';
import { createInMemoryAccountStore, createSqliteAccountStore } from './account-store.ts';
import { describeWebAuthStoreContract } from './web-auth-store.contract.ts';
import { createInMemoryWebAuthStore, createSqliteWebAuthStore } from './web-auth-store.ts';

describeWebAuthStoreContract('SQLite', async () => {
  const db = openSqliteDatabase(':memory:');
  return { store: createSqliteWebAuthStore(db), accounts: createSqliteAccountStore(db) };
});
describeWebAuthStoreContract('in-memory fake', async () => {
  const accounts = createInMemoryAccountStore();
  return { store: createInMemoryWebAuthStore(accounts), accounts };
});
