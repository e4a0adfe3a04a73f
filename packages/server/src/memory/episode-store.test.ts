import { databaseWithUsers } from '../../test/support/database.ts';
import { describeEpisodeStoreContract } from './episode-store.contract.ts';
import { createSqliteEpisodeStore } from './episode-store.ts';
import { createInMemoryEpisodeStore } from './in-memory-episode-store.ts';
import { createInMemoryTimelineStore } from './in-memory-timeline-store.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';

describeEpisodeStoreContract('SQLite', async () => {
  const db = databaseWithUsers('alice', 'bob');
  return { timeline: createSqliteTimelineStore(db), episodes: createSqliteEpisodeStore(db) };
});

describeEpisodeStoreContract('in-memory fake', async () => {
  const timeline = createInMemoryTimelineStore();
  return { timeline, episodes: createInMemoryEpisodeStore({ timeline }) };
});
