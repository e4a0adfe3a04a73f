import { databaseWithUsers } from '../../test/support/database.ts';
import { describeModelSettingsStoreContract } from './model-settings-store.contract.ts';
import { createInMemoryModelSettingsStore, createSqliteModelSettingsStore } from './model-settings-store.ts';

describeModelSettingsStoreContract('SQLite', async () =>
  createSqliteModelSettingsStore(databaseWithUsers('u1', 'u2')),
);
describeModelSettingsStoreContract('in-memory fake', async () => createInMemoryModelSettingsStore());
