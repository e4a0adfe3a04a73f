import { openSqliteDatabase } from '../storage/index.ts';
import { createSqliteTimelineStore } from './sqlite-timeline-store.ts';
import { describeTimelineStoreContract } from './timeline-store.contract.ts';

describeTimelineStoreContract('SQLite', async () => {
  const db = openSqliteDatabase(':memory:');
  for (const name of ['alice', 'bob']) {
    db.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, ?)').run(
      name,
      name,
      'UTC',
      0,
    );
  }
  return createSqliteTimelineStore(db);
});
