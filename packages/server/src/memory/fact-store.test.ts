import { databaseWithUsers } from '../../test/support/database.ts';
import { describeFactStoreContract } from './fact-store.contract.ts';
import { createSqliteFactStore } from './fact-store.ts';
import { createInMemoryFactStore } from './in-memory-fact-store.ts';
import { createInMemoryTimelineStore } from './in-memory-timeline-store.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';

describeFactStoreContract('SQLite', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return { timeline: createSqliteTimelineStore(db), facts: createSqliteFactStore(db) };
});

describeFactStoreContract('in-memory fake', async () => {
  const timeline = createInMemoryTimelineStore();
  return { timeline, facts: createInMemoryFactStore({ timeline }) };
});
