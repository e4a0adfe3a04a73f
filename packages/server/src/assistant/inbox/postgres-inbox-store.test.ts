import { freshPostgres, postgresLabel } from '../../../test/support/postgres.ts';
import { createPostgresTimelineStore } from '../../memory/index.ts';
import { describeInboxStoreContract } from './inbox-store.contract.ts';
import { createPostgresInboxStore } from './postgres-inbox-store.ts';

describeInboxStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('alice', 'bob');
  return { timeline: createPostgresTimelineStore(client), inbox: createPostgresInboxStore(client) };
});
