import { describe, expect, it } from 'vitest';
import { createUlidGenerator } from '../kernel/index.ts';
import { openSqliteDatabase } from '../storage/index.ts';
import { describeJobQueueContract } from './job-queue.contract.ts';
import { createSqliteJobQueue } from './sqlite-job-queue.ts';

describeJobQueueContract('SQLite', async (clock) => {
  const db = openSqliteDatabase(':memory:');
  return {
    queue: createSqliteJobQueue(db, { clock, newId: createUlidGenerator() }),
    close: async () => {
      db.close();
    },
  };
});

describe('SQLite job queue', () => {
  it('keeps the job in its own jobs table, with ids from the injected generator', async () => {
    const db = openSqliteDatabase(':memory:');
    let next = 0;
    const queue = createSqliteJobQueue(db, { clock: { now: () => 5 }, newId: () => `job-${++next}` });
    const job = await queue.enqueue({ type: 'ocr', payload: { a: 1 }, dedupeKey: 'k' });
    expect(job).toMatchObject({ id: 'job-1', createdAt: 5, updatedAt: 5, runAfter: 5, maxAttempts: 5 });
    expect(db.prepare('SELECT status, dedupe_key FROM jobs').all()).toEqual([
      { status: 'queued', dedupe_key: 'k' },
    ]);
    db.close();
  });
});
