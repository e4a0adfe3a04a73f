import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, createSilentLogger } from '../kernel/index.ts';
import type { JobQueue } from './job-queue.ts';
import { startWorker } from './worker.ts';

/** Opens an empty queue of the implementation under test, reading time from `clock`; `close` releases it. */
export type OpenJobQueue = (clock: Clock) => Promise<{ queue: JobQueue; close?: () => Promise<void> }>;

/** The behaviour every JobQueue adapter must show (leases, retries, dedupe, backlog, cancel, the worker on top). */
export function describeJobQueueContract(label: string, open: OpenJobQueue): void {
  const opened: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
  });

  async function setup() {
    let now = 1_000_000;
    const { queue, close } = await open({ now: () => now });
    if (close) opened.push(close);
    return {
      queue,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  describe(`${label}: job queue contract`, () => {
    it('leases a job to one owner at a time and hands it over when the lease expires', async () => {
      const { queue, advance } = await setup();
      const job = await queue.enqueue({ type: 'ocr', payload: { captureId: 'c1' } });
      expect(job).toMatchObject({ type: 'ocr', status: 'queued', attempts: 0, payload: { captureId: 'c1' } });
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

    it('extends a lease only for its owner, so a renewed job is not handed over', async () => {
      const { queue, advance } = await setup();
      const job = await queue.enqueue({ type: 'ocr', payload: null });
      await queue.lease(['ocr'], 'worker-a', 1000);
      advance(800);
      expect(await queue.extendLease(job.id, 'worker-a', 1000)).toBe(true);
      expect(await queue.extendLease(job.id, 'worker-b', 1000)).toBe(false);
      advance(800);
      expect(await queue.lease(['ocr'], 'worker-b', 1000)).toBeNull();
      expect(await queue.get(job.id)).toMatchObject({ leaseOwner: 'worker-a', leaseExpiresAt: 1_001_800 });
      await queue.complete(job.id, 'worker-a', { status: 'skipped', result: { reason: 'empty' } });
      expect(await queue.extendLease(job.id, 'worker-a', 1000)).toBe(false);
      expect(await queue.get(job.id)).toMatchObject({ status: 'skipped', result: { reason: 'empty' } });
    });

    it('leases only the types asked for, and nothing before its time', async () => {
      const { queue, advance } = await setup();
      const later = await queue.enqueue({ type: 'asr', payload: 1, runAfter: 1_000_500 });
      await queue.enqueue({ type: 'ocr', payload: 2 });
      expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
      expect(await queue.lease([], 'w', 1000)).toBeNull();
      advance(500);
      expect(await queue.lease(['asr', 'tags'], 'w', 1000)).toMatchObject({ id: later.id, payload: 1 });
    });

    it('retries failures with backoff and gives up after max attempts', async () => {
      const { queue, advance } = await setup();
      const job = await queue.enqueue({ type: 'asr', payload: null, maxAttempts: 2 });
      await queue.lease(['asr'], 'w', 1000);
      expect(await queue.fail(job.id, 'other', 'not mine', { retryable: true, retryInMs: 0 })).toBe(false);
      await queue.fail(job.id, 'w', 'engine busy', { retryable: true, retryInMs: 5000 });
      expect(await queue.get(job.id)).toMatchObject({ status: 'queued', lastError: 'engine busy' });
      expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
      advance(5000);
      await queue.lease(['asr'], 'w', 1000);
      await queue.fail(job.id, 'w', 'engine busy again', { retryable: true, retryInMs: 5000 });
      expect(await queue.get(job.id)).toMatchObject({
        status: 'failed',
        attempts: 2,
        maxAttempts: 2,
        lastError: 'engine busy again',
      });
    });

    it('does not retry a failure that is not retryable', async () => {
      const { queue } = await setup();
      const job = await queue.enqueue({ type: 'asr', payload: null, maxAttempts: 5 });
      await queue.lease(['asr'], 'w', 1000);
      expect(await queue.fail(job.id, 'w', 'bad input', { retryable: false, retryInMs: 0 })).toBe(true);
      expect(await queue.get(job.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: 'bad input',
      });
      expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
    });

    it('fails a job whose worker died on every attempt instead of leasing it forever', async () => {
      const { queue, advance } = await setup();
      const job = await queue.enqueue({ type: 'asr', payload: null, maxAttempts: 1 });
      await queue.lease(['asr'], 'w', 1000);
      advance(2000);
      expect(await queue.lease(['asr'], 'w', 1000)).toBeNull();
      expect(await queue.get(job.id)).toMatchObject({ status: 'failed' });
    });

    it('deduplicates by key, reports the backlog and cancels a user’s unfinished jobs', async () => {
      const { queue } = await setup();
      const a = await queue.enqueue({ type: 'ocr', payload: 1, dedupeKey: 'capture:1', userId: 'u1' });
      const b = await queue.enqueue({ type: 'ocr', payload: 1, dedupeKey: 'capture:1', userId: 'u1' });
      expect(b.id).toBe(a.id);
      expect(await queue.getByDedupeKey('capture:1')).toMatchObject({ id: a.id, userId: 'u1' });
      expect(await queue.getByDedupeKey('capture:404')).toBeNull();
      await queue.enqueue({ type: 'asr', payload: 2, userId: 'u2' });
      expect(await queue.backlog()).toEqual([
        { type: 'asr', status: 'queued', count: 1 },
        { type: 'ocr', status: 'queued', count: 1 },
      ]);
      expect(await queue.cancelForUser('u1')).toBe(1);
      expect(await queue.backlog()).toEqual([{ type: 'asr', status: 'queued', count: 1 }]);
      expect(await queue.get(a.id)).toBeNull();
    });

    it('enqueues several jobs at once, deduplicated like one by one', async () => {
      const { queue } = await setup();
      expect(await queue.enqueueMany([])).toEqual([]);
      const jobs = await queue.enqueueMany([
        { type: 'ocr', payload: 1, dedupeKey: 'capture:7' },
        { type: 'tags', payload: 2 },
        { type: 'ocr', payload: 1, dedupeKey: 'capture:7' },
      ]);
      expect(jobs).toHaveLength(3);
      expect(jobs[2]!.id).toBe(jobs[0]!.id);
      expect(await queue.backlog()).toEqual([
        { type: 'ocr', status: 'queued', count: 1 },
        { type: 'tags', status: 'queued', count: 1 },
      ]);
    });

    it('queues a failed job again under the same key, and leaves finished ones alone', async () => {
      const { queue } = await setup();
      const failing = await queue.enqueue({
        type: 'asr',
        payload: 2,
        dedupeKey: 'capture:2',
        maxAttempts: 1,
      });
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

  describe(`${label}: worker`, () => {
    it('runs handlers and records success, skip and failure outcomes', async () => {
      const { queue, close } = await open({ now: () => Date.now() });
      if (close) opened.push(close);
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

    it('loses nothing when a worker dies mid-job: the job runs again once its lease expires, and completes once', async () => {
      const { queue, advance } = await setup();
      const job = await queue.enqueue({ type: 'embed', payload: 'x', dedupeKey: 'capture:9' });
      // A worker leases the job and dies without completing it or renewing its lease.
      expect(await queue.lease(['embed'], 'dead-worker', 1000)).toMatchObject({ id: job.id });
      advance(1001);
      const runs: string[] = [];
      const worker = startWorker({
        queue,
        owner: 'live-worker',
        logger: createSilentLogger(),
        pollMs: 10,
        leaseMs: 1000,
        handlers: {
          embed: async (leased) => {
            runs.push(leased.id);
            return { status: 'success', result: 'done' };
          },
        },
      });
      await worker.drain();
      await worker.stop();
      expect(runs).toEqual([job.id]);
      expect(await queue.complete(job.id, 'dead-worker', { status: 'succeeded' })).toBe(false);
      expect(await queue.get(job.id)).toMatchObject({ status: 'succeeded', attempts: 2, result: 'done' });
      expect(await queue.enqueue({ type: 'embed', payload: 'x', dedupeKey: 'capture:9' })).toMatchObject({
        id: job.id,
        status: 'succeeded',
      });
      expect(await queue.backlog()).toEqual([{ type: 'embed', status: 'succeeded', count: 1 }]);
    });
  });
}
