import { openSqliteDatabase } from '../storage/index.ts';
import { describeAccountStoreContract } from './account-store.contract.ts';
import { createInMemoryAccountStore, createSqliteAccountStore } from './account-store.ts';

describeAccountStoreContract('SQLite', async () => createSqliteAccountStore(openSqliteDatabase(':memory:')));
describeAccountStoreContract('in-memory fake', async () => createInMemoryAccountStore());
