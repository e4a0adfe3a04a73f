import { databaseWithUsers } from '../../test/support/database.ts';
import { describeNotificationStoreContract } from './notification-store.contract.ts';
import { createInMemoryNotificationStore, createSqliteNotificationStore } from './notifications.ts';

describeNotificationStoreContract('SQLite', async () => {
  const db = databaseWithUsers('u1', 'u2');
  return createSqliteNotificationStore(db);
});
describeNotificationStoreContract('in-memory fake', async () => createInMemoryNotificationStore());
