import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeEpisodeStoreContract } from './episode-store.contract.ts';
import { createPostgresEpisodeStore } from './postgres-episode-store.ts';
import { createPostgresTimelineStore } from './postgres-timeline-store.ts';

describeEpisodeStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('alice', 'bob');
  return { timeline: createPostgresTimelineStore(client), episodes: createPostgresEpisodeStore(client) };
});
