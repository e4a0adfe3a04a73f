import { databaseWithUsers } from '../../../test/support/database.ts';
import { createInMemoryTimelineStore, createSqliteTimelineStore } from '../../memory/index.ts';
import { describeGoalStoreContract } from './goal-store.contract.ts';
import { createSqliteGoalStore } from './goal-store.ts';
import { createInMemoryGoalStore } from './in-memory-goal-store.ts';

describeGoalStoreContract('SQLite', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return { timeline: createSqliteTimelineStore(db), goals: createSqliteGoalStore(db) };
});

describeGoalStoreContract('in-memory fake', async () => {
  const timeline = createInMemoryTimelineStore();
  return { timeline, goals: createInMemoryGoalStore({ timeline }) };
});
