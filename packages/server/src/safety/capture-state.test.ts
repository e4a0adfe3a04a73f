import { databaseWithUsers } from '../../test/support/database.ts';
import { describeCaptureStateStoreContract } from './capture-state.contract.ts';
import { createInMemoryCaptureStateStore, createSqliteCaptureStateStore } from './capture-state.ts';

describeCaptureStateStoreContract('SQLite', async () => {
  const db = databaseWithUsers('u1', 'u2');
  return createSqliteCaptureStateStore(db);
});
describeCaptureStateStoreContract('in-memory fake', async () => createInMemoryCaptureStateStore());
