import { freshPostgres, postgresLabel } from '../../../test/support/postgres.ts';
import { createPostgresTimelineStore } from '../../memory/index.ts';
import { describeGoalStoreContract } from './goal-store.contract.ts';
import { createPostgresGoalStore } from './postgres-goal-store.ts';

describeGoalStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('alice', 'bob');
  return { timeline: createPostgresTimelineStore(client), goals: createPostgresGoalStore(client) };
});
