import type { Logger } from '../kernel/index.ts';
import type { Job, JobQueue } from './job-queue.ts';

/** What a handler reports for an expected outcome; throwing means an unexpected failure (retried). */
export type JobOutcome =
  | { status: 'success'; result?: unknown }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string; retryable?: boolean };

/** Does one job. It must be idempotent: after a crash the same job runs again. */
export type JobHandler = (job: Job, context: { signal: AbortSignal }) => Promise<JobOutcome>;

/** Options of a worker loop. */
export interface WorkerOptions {
  queue: JobQueue;
  handlers: Readonly<Record<string, JobHandler>>;
  owner: string;
  logger: Logger;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** Backoff before retry number n (1-based). */
  retryDelayMs?: (attempt: number) => number;
}

/** A running worker; `stop` waits for the jobs in hand to finish. */
export interface Worker {
  stop(): Promise<void>;
  /** Resolves once no job is ready (for tests and `familiar` one-shot runs). */
  drain(): Promise<void>;
}

/** Starts worker loops that lease jobs of the handled types, renew their leases while running, and record outcomes. */
export function startWorker(options: WorkerOptions): Worker {
  const {
    queue,
    handlers,
    owner,
    logger,
    leaseMs = 60_000,
    pollMs = 500,
    concurrency = 1,
    retryDelayMs = (attempt) => Math.min(60_000, 1000 * 2 ** (attempt - 1)),
  } = options;
  const types = Object.keys(handlers);
  const controller = new AbortController();
  let idleWaiters: Array<() => void> = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        controller.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });

  async function runOne(job: Job): Promise<void> {
    const handler = handlers[job.type]!;
    const renew = setInterval(
      () => {
        queue
          .extendLease(job.id, owner, leaseMs)
          .catch((error) => logger.warn({ err: error, job: job.id }, 'lease renewal failed'));
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    try {
      const outcome = await handler(job, { signal: controller.signal });
      if (outcome.status === 'success')
        await queue.complete(job.id, owner, { status: 'succeeded', result: outcome.result });
      else if (outcome.status === 'skipped')
        await queue.complete(job.id, owner, { status: 'skipped', result: { reason: outcome.reason } });
      else {
        await queue.fail(job.id, owner, outcome.error, {
          retryable: outcome.retryable ?? false,
          retryInMs: retryDelayMs(job.attempts),
        });
      }
    } catch (error) {
      logger.warn({ err: error, job: job.id, type: job.type }, 'job failed; it will be retried');
      await queue.fail(job.id, owner, error instanceof Error ? error.message : String(error), {
        retryable: true,
        retryInMs: retryDelayMs(job.attempts),
      });
    } finally {
      clearInterval(renew);
    }
  }

  async function loop(): Promise<void> {
    while (!controller.signal.aborted) {
      let job: Job | null = null;
      try {
        job = await queue.lease(types, owner, leaseMs);
      } catch (error) {
        logger.error({ err: error }, 'could not lease a job');
      }
      if (!job) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
        await sleep(pollMs);
        continue;
      }
      await runOne(job);
    }
  }

  const loops = types.length === 0 ? [] : Array.from({ length: concurrency }, () => loop());
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
    },
    drain() {
      if (loops.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
