import { describe, expect, it } from 'vitest';
import { createSilentLogger, createUlidGenerator } from '../kernel/index.ts';
import { openSqliteDatabase } from '../storage/index.ts';
import { createSqliteJobQueue } from './sqlite-job-queue.ts';
import { startWorker } from './worker.ts';

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const db = openSqliteDatabase(':memory:');
  const queue = createSqliteJobQueue(db, { clock, newId: createUlidGenerator() });
  return {
    queue,
    advance: (ms: number) => {
      now += ms;
    },
    clock,
  };
}

describe('SQLite job queue', () => {
  it('leases a job to one owner at a time and hands it over when the lease expires', async () => {
    const { queue, advance } = setup();
    const job = await queue.enqueue({ type: 'ocr', payload: { captureId: 'c1' } });
    const first = await queue.lease(['ocr'], 'worker-a', 1000);
    expect(first).toMatchObject({ id: job.id, status: 'running', attempts: 1, leaseOwner: 'worker-a' });
    expect(await queue.lease(['ocr'], 'worker-b', 1000)).toBeNull();
    advance(1001);
    const second = await queue.lease(['ocr'], 'worker-b', 1000);
    expect(second).toMatchObject({ id: job.id, attempts: 2, leaseOwner: 'worker-b' });
    expect(await queue.complete(job.id, 'worker-a', { status: 'succeeded' })).toBe(false);
    expect(await queue.complete(job.id, 'worker-b', { status: 'succeeded', result: { words: 3 } })).toBe(
      true,
    );
    expect(await queue.get(job.id)).toMatchObject({ status: 'succeeded', result: { words: 3 } });
  });

  it('retries failures with backoff and gives up after max attempts', async () => {
    const { queue, advance } = setup();
    const job = await queue.enqueue({ type: 'asr', payload: null, maxAttempts: 2 });
    await queue.lease(['asr'], 'w', 1000);
    await queue.fail(job.id, 'w', 'engine busy', { retryable: true, retryInMs: 5000 });
    expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
    advance(5000);
    await queue.lease(['asr'], 'w', 1000);
    await queue.fail(job.id, 'w', 'engine busy again', { retryable: true, retryInMs: 5000 });
    expect(await queue.get(job.id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'engine busy again',
    });
  });

  it('fails a job whose worker died on every attempt instead of leasing it forever', async () => {
    const { queue, advance } = setup();
    const job = await queue.enqueue({ type: 'asr', payload: null, maxAttempts: 1 });
    await queue.lease(['asr'], 'w', 1000);
    advance(2000);
    expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
    expect(await queue.get(job.id)).toMatchObject({ status: 'failed' });
  });

  it('deduplicates by key, reports the backlog and cancels a user’s unfinished jobs', async () => {
    const { queue } = setup();
    const a = await queue.enqueue({ type: 'ocr', payload: 1, dedupeKey: 'capture:1', userId: 'u1' });
    const b = await queue.enqueue({ type: 'ocr', payload: 1, dedupeKey: 'capture:1', userId: 'u1' });
    expect(b.id).toBe(a.id);
    await queue.enqueue({ type: 'asr', payload: 2, userId: 'u2' });
    expect(await queue.backlog()).toEqual([
      { type: 'asr', status: 'queued', count: 1 },
      { type: 'ocr', status: 'queued', count: 1 },
    ]);
    expect(await queue.cancelForUser('u1')).toBe(1);
    expect(await queue.backlog()).toEqual([{ type: 'asr', status: 'queued', count: 1 }]);
  });
});

describe('SQLite job queue, asked again for failed work', () => {
  it('queues a failed job again under the same key, and leaves finished ones alone', async () => {
    const { queue } = setup();
    const failing = await queue.enqueue({ type: 'asr', payload: 2, dedupeKey: 'capture:2', maxAttempts: 1 });
    await queue.lease(['asr'], 'w', 1000);
    await queue.fail(failing.id, 'w', 'engine missing', { retryable: false, retryInMs: 0 });
    expect((await queue.get(failing.id))?.status).toBe('failed');
    const again = await queue.enqueue({ type: 'asr', payload: 2, dedupeKey: 'capture:2' });
    expect(again).toMatchObject({ id: failing.id, status: 'queued', attempts: 0 });
    const done = await queue.enqueue({ type: 'asr', payload: 3, dedupeKey: 'capture:3' });
    await queue.lease(['asr'], 'w', 1000);
    await queue.lease(['asr'], 'w', 1000);
    await queue.complete(done.id, 'w', { status: 'succeeded' });
    expect(await queue.enqueue({ type: 'asr', payload: 3, dedupeKey: 'capture:3' })).toMatchObject({
      status: 'succeeded',
    });
  });
});

describe('worker', () => {
  it('runs handlers and records success, skip and failure outcomes', async () => {
    const db = openSqliteDatabase(':memory:');
    const queue = createSqliteJobQueue(db, {
      clock: { now: () => Date.now() },
      newId: createUlidGenerator(),
    });
    const ok = await queue.enqueue({ type: 'double', payload: 21 });
    const skip = await queue.enqueue({ type: 'double', payload: null });
    const bad = await queue.enqueue({ type: 'double', payload: -1 });
    const worker = startWorker({
      queue,
      owner: 'test',
      logger: createSilentLogger(),
      pollMs: 10,
      handlers: {
        double: async (job) => {
          if (job.payload === null) return { status: 'skipped', reason: 'nothing to do' };
          if (typeof job.payload !== 'number' || job.payload < 0)
            return { status: 'failed', error: 'negative' };
          return { status: 'success', result: job.payload * 2 };
        },
      },
    });
    await worker.drain();
    await worker.stop();
    expect(await queue.get(ok.id)).toMatchObject({ status: 'succeeded', result: 42 });
    expect(await queue.get(skip.id)).toMatchObject({ status: 'skipped' });
    expect(await queue.get(bad.id)).toMatchObject({ status: 'failed', lastError: 'negative' });
  });
});
