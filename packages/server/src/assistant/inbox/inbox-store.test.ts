import { databaseWithUsers } from '../../../test/support/database.ts';
import { createInMemoryTimelineStore, createSqliteTimelineStore } from '../../memory/index.ts';
import { createInMemoryInboxStore } from './in-memory-inbox-store.ts';
import { describeInboxStoreContract } from './inbox-store.contract.ts';
import { createSqliteInboxStore } from './inbox-store.ts';

describeInboxStoreContract('SQLite', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return { timeline: createSqliteTimelineStore(db), inbox: createSqliteInboxStore(db) };
});

describeInboxStoreContract('in-memory fake', async () => {
  const timeline = createInMemoryTimelineStore();
  return { timeline, inbox: createInMemoryInboxStore(timeline) };
});
