import { databaseWithUsers } from '../../test/support/database.ts';
import { describeMemoryCursorsContract } from './memory-cursors.contract.ts';
import { createSqliteMemoryCursors } from './memory-cursors.ts';

describeMemoryCursorsContract('SQLite', async () =>
  createSqliteMemoryCursors(databaseWithUsers('alice', 'bob')),
);
