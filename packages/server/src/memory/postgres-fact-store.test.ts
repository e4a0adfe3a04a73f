import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeFactStoreContract } from './fact-store.contract.ts';
import { createPostgresFactStore } from './postgres-fact-store.ts';
import { createPostgresTimelineStore } from './postgres-timeline-store.ts';

describeFactStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('alice', 'bob');
  return { timeline: createPostgresTimelineStore(client), facts: createPostgresFactStore(client) };
});
