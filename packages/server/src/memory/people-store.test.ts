import { databaseWithUsers } from '../../test/support/database.ts';
import { describePeopleStoreContract } from './people-store.contract.ts';
import { createInMemoryPeopleStore, createSqlitePeopleStore } from './people-store.ts';

describePeopleStoreContract('SQLite', () => {
  const db = databaseWithUsers('alice', 'bob');
  return createSqlitePeopleStore(db);
});
describePeopleStoreContract('in-memory fake', () => createInMemoryPeopleStore());
